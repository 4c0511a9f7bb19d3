import type { IncidentType, Severity } from '../../contracts/index.ts';
import { INCIDENT_TYPES, SEVERITIES } from '../../contracts/index.ts';

/**
 * Keyword rules over titles, descriptions and vendor categories, most specific first: a
 * "brute force from a known malware C2" is a login problem before it is a malware problem.
 */
const TEXT_RULES: ReadonlyArray<readonly [RegExp, IncidentType]> = [
  [/ransom|encrypted for impact|inhibit system recovery|shadow ?cop(y|ies) (delet|remov)/i, 'ransomware'],
  [
    /phish|spoof|business email compromise|\bbec\b|malicious (url|link|attachment)|credential harvest/i,
    'phishing',
  ],
  [
    /exfiltrat|data (theft|leak|transfer)|mass download|unusual (volume|download)|\bdlp\b/i,
    'data_exfiltration',
  ],
  [
    /brute.?force|password spray|credential stuffing|impossible travel|atypical travel|unfamiliar sign|anonymous ip|(suspicious|anomalous|risky|unusual|failed) (sign.?in|log.?in|logon|authentication)|mfa (fatigue|bomb|push)|account takeover|session (hijack|cookie)|token theft/i,
    'suspicious_login',
  ],
  [
    /privilege escalation|privilege(d)? (grant|role|assign)|admin(istrator)? role|sudo|setuid|uac bypass/i,
    'privilege_escalation',
  ],
  [
    /lateral movement|psexec|pass.the.(hash|ticket)|remote service|wmi exec|smb (exec|lateral)/i,
    'lateral_movement',
  ],
  [/denial.of.service|\bd?dos\b|syn flood|flood attack/i, 'denial_of_service'],
  [/port ?(scan|sweep|probe)|recon|enumerat|network scan|discovery/i, 'reconnaissance'],
  [
    /public(ly)? (bucket|access|exposed)|misconfigur|logging (disabled|stopped)|encryption disabled|security group open/i,
    'cloud_misconfiguration',
  ],
  [/insider|departing employee|disgruntled/i, 'insider_threat'],
  [
    /malware|trojan|virus|\bworm\b|backdoor|rootkit|spyware|adware|\bpup\b|unwanted software|coin ?min|cryptomin|cryptocurrency|mimikatz|cobalt ?strike|beacon|command.and.control|\bc2\b|malicious (file|process|binary|script|powershell)|exploit|webshell|keylog|infostealer|stealer|credential dump/i,
    'malware',
  ],
  [
    /policy|violation|prohibited|unauthori[sz]ed (software|application|dns)|non.?compliant/i,
    'policy_violation',
  ],
];

/** MITRE ATT&CK technique → type, for techniques that say it unambiguously. */
const TECHNIQUE_RULES: ReadonlyArray<readonly [RegExp, IncidentType]> = [
  [/^T(1486|1490)\b/, 'ransomware'],
  [/^T(1566|1598)\b/, 'phishing'],
  [/^T(1110|1078|1621|1539|1550\.00[14])\b/, 'suspicious_login'],
  [/^T(1041|1048|1567|1537|1030|1020)\b/, 'data_exfiltration'],
  [/^T(1068|1548|1134|1484)\b/, 'privilege_escalation'],
  [/^T(1021|1570|1563|1550)\b/, 'lateral_movement'],
  [/^T(1498|1499)\b/, 'denial_of_service'],
  [/^T(1046|1595|1590|1592|1087|1018|1082)\b/, 'reconnaissance'],
  [/^T(1059|1204|1105|1071|1055|1003|1027|1218|1547|1053)\b/, 'malware'],
];

/** MITRE tactic (any spelling: "Lateral Movement", "LateralMovement", "TA0008") → type. */
const TACTICS: Readonly<Record<string, IncidentType>> = {
  execution: 'malware',
  ta0002: 'malware',
  persistence: 'malware',
  ta0003: 'malware',
  defenseevasion: 'malware',
  ta0005: 'malware',
  commandandcontrol: 'malware',
  ta0011: 'malware',
  malware: 'malware',
  privilegeescalation: 'privilege_escalation',
  ta0004: 'privilege_escalation',
  credentialaccess: 'suspicious_login',
  ta0006: 'suspicious_login',
  discovery: 'reconnaissance',
  ta0007: 'reconnaissance',
  reconnaissance: 'reconnaissance',
  ta0043: 'reconnaissance',
  lateralmovement: 'lateral_movement',
  ta0008: 'lateral_movement',
  collection: 'data_exfiltration',
  ta0009: 'data_exfiltration',
  exfiltration: 'data_exfiltration',
  ta0010: 'data_exfiltration',
};

/** Common names for our incident types in other tools' `alert_type`/`category` fields. */
const TYPE_SYNONYMS: Readonly<Record<string, IncidentType>> = {
  brute_force: 'suspicious_login',
  bruteforce: 'suspicious_login',
  password_spray: 'suspicious_login',
  account_compromise: 'suspicious_login',
  compromised_account: 'suspicious_login',
  login: 'suspicious_login',
  authentication: 'suspicious_login',
  credential_access: 'suspicious_login',
  exfiltration: 'data_exfiltration',
  data_loss: 'data_exfiltration',
  dos: 'denial_of_service',
  ddos: 'denial_of_service',
  scan: 'reconnaissance',
  port_scan: 'reconnaissance',
  recon: 'reconnaissance',
  discovery: 'reconnaissance',
  misconfiguration: 'cloud_misconfiguration',
  insider: 'insider_threat',
  virus: 'malware',
  trojan: 'malware',
  c2: 'malware',
  spam: 'phishing',
  bec: 'phishing',
  privesc: 'privilege_escalation',
  lateral: 'lateral_movement',
  policy: 'policy_violation',
};

/**
 * An incident type named outright: one of ours in any case/separator ("Data Exfiltration",
 * "data-exfiltration") or a common synonym ("brute_force", "ddos"). Undefined otherwise.
 */
export function typeFromName(value: unknown): IncidentType | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const k = value
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if ((INCIDENT_TYPES as readonly string[]).includes(k)) return k as IncidentType;
  return TYPE_SYNONYMS[k];
}

/** What a parser knows that hints at the incident type. */
export interface TypeHints {
  /** Fields that may name a type outright (`alert_type`, `incident_type`); checked first. */
  names?: readonly unknown[];
  /** Title, description, vendor category… (scanned with keyword rules, first match wins). */
  texts?: ReadonlyArray<string | undefined>;
  /** ATT&CK technique ids. */
  techniques?: readonly string[];
  /** ATT&CK tactic names or ids. */
  tactics?: ReadonlyArray<string | undefined>;
  /** When nothing matches (default `other`). */
  fallback?: IncidentType;
}

/** First match of `text` against the keyword rules, or undefined. */
export function typeFromText(text: string | undefined): IncidentType | undefined {
  if (!text) return undefined;
  const s = text.slice(0, 4_096);
  for (const [re, type] of TEXT_RULES) if (re.test(s)) return type;
  return undefined;
}

/** Map a MITRE tactic name or id to a type, or undefined. */
export function typeFromTactic(tactic: string | undefined): IncidentType | undefined {
  if (!tactic) return undefined;
  return TACTICS[tactic.toLowerCase().replace(/[^a-z0-9]/g, '')];
}

/** Explicit names first, then texts (they name the threat), then techniques, then tactics, then the fallback. */
export function inferIncidentType(hints: TypeHints): IncidentType {
  for (const n of hints.names ?? []) {
    const found = typeFromName(n);
    if (found) return found;
  }
  for (const t of hints.texts ?? []) {
    const found = typeFromText(t);
    if (found) return found;
  }
  for (const tech of hints.techniques ?? []) {
    for (const [re, type] of TECHNIQUE_RULES) if (re.test(tech)) return type;
  }
  for (const tactic of hints.tactics ?? []) {
    const found = typeFromTactic(tactic);
    if (found) return found;
  }
  return hints.fallback ?? 'other';
}

const SEVERITY_ALIASES: Readonly<Record<string, Severity>> = {
  informational: 'info',
  information: 'info',
  debug: 'info',
  moderate: 'medium',
  med: 'medium',
  warn: 'medium',
  warning: 'medium',
  severe: 'high',
  error: 'high',
  crit: 'critical',
  fatal: 'critical',
};

/** One of our five names (case-insensitive) or a common alias; undefined otherwise. */
export function severityFromName(value: unknown): Severity | undefined {
  if (typeof value !== 'string' || value.length > 32) return undefined;
  const s = value.trim().toLowerCase();
  return (SEVERITIES as readonly string[]).includes(s) ? (s as Severity) : SEVERITY_ALIASES[s];
}

/** Normalise an ATT&CK technique id (`t1059.001` → `T1059.001`); undefined if not one. */
export function techniqueId(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 20) return undefined;
  const m = /^\s*(T\d{4}(?:\.\d{3})?)\s*$/i.exec(value);
  return m?.[1]?.toUpperCase();
}
