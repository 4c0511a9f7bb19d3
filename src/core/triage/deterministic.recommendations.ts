import type { Classification, Indicator, IndicatorType } from '../../contracts/index.ts';
import type { AnalysisInput } from './analyzer.ts';

/**
 * What the deterministic analyst recommends once it has a classification: response actions and the
 * MITRE techniques the incident type and its intel imply (docs/ANALYZER.md). Also the intel shapes
 * and indicator groups the scoring in deterministic.analyzer.ts shares with it.
 */

/** An intel verdict that says something (`unknown` says nothing). */
export type KnownVerdict = 'malicious' | 'suspicious' | 'clean';

export const HASHES: readonly IndicatorType[] = ['md5', 'sha1', 'sha256'];
export const NETWORK: readonly IndicatorType[] = ['url', 'domain', 'hostname', 'email'];
export const IPS: readonly IndicatorType[] = ['ipv4', 'ipv6'];
export const DESTINATIONS: readonly IndicatorType[] = ['url', 'domain', 'hostname', 'ipv4', 'ipv6'];

export interface Sighting {
  verdict: KnownVerdict;
  provider: string;
  list?: string;
  /** The list entry that matched (`evil.com` for `https://a.evil.com/x`), when the provider says. */
  entry?: string;
  score: number | null;
  description?: string;
}

export interface IndicatorIntel {
  indicator: Indicator;
  sightings: Sighting[];
  lookedUp: boolean;
}

const ISOLATE_HOSTS = new Set([
  'malware',
  'ransomware',
  'lateral_movement',
  'privilege_escalation',
  'data_exfiltration',
]);
const CONTAIN_USERS = new Set([
  'suspicious_login',
  'insider_threat',
  'privilege_escalation',
  'data_exfiltration',
]);
const BLOCK_VERB: Readonly<Partial<Record<IndicatorType, string>>> = {
  ipv4: 'block_ip',
  ipv6: 'block_ip',
  domain: 'block_domain',
  url: 'block_url',
  md5: 'block_hash',
  sha1: 'block_hash',
  sha256: 'block_hash',
  email: 'block_sender',
};

/** `verb:target` strings; containment only on a malicious verdict, blocks only for known-malicious indicators. */
export function recommendedActions(
  input: AnalysisInput,
  c: Classification,
  intel: IndicatorIntel[],
): string[] {
  if (c === 'benign') return ['close_as_false_positive'];
  if (c === 'inconclusive') return ['escalate_to_analyst'];
  const { incident_type: type, assets } = input.incident;
  const named = (kinds: string[], indicatorType: IndicatorType): string[] => {
    const fromAssets = assets.filter((a) => kinds.includes(a.kind)).map((a) => a.name);
    return fromAssets.length
      ? fromAssets
      : input.indicators.filter((i) => i.type === indicatorType).map((i) => i.value);
  };
  const users = named(['user', 'mailbox'], 'username');
  const out: string[] = [];
  if (c === 'malicious') {
    if (ISOLATE_HOSTS.has(type)) out.push(...named(['host'], 'hostname').map((h) => `isolate_host:${h}`));
    if (CONTAIN_USERS.has(type))
      for (const u of users) out.push(`disable_user:${u}`, `reset_credentials:${u}`);
    if (type === 'suspicious_login') out.push(...users.map((u) => `revoke_sessions:${u}`));
    if (type === 'phishing') out.push(...users.map((u) => `reset_credentials:${u}`));
  }
  if (type === 'phishing') out.push('quarantine_email');
  for (const i of intel) {
    const verb = BLOCK_VERB[i.indicator.type];
    if (verb && i.sightings.some((s) => s.verdict === 'malicious')) out.push(`${verb}:${i.indicator.value}`);
  }
  if (c === 'suspicious') out.push('escalate_to_analyst');
  return [...new Set(out)];
}

/** The incident's techniques, plus ones the type and evidence imply (only when not benign/inconclusive). */
export function impliedTechniques(
  input: AnalysisInput,
  c: Classification,
  intel: IndicatorIntel[],
): string[] {
  const out = [...input.incident.mitre_techniques];
  const bad = (types: readonly IndicatorType[], list?: RegExp): boolean =>
    intel.some(
      (i) =>
        types.includes(i.indicator.type) &&
        i.sightings.some((s) => s.verdict !== 'clean' && (!list || list.test(s.list ?? ''))),
    );
  const inferred: Readonly<Record<string, string[]>> = {
    malware: bad(HASHES) ? ['T1204.002'] : [],
    ransomware: ['T1486'],
    phishing: [bad(HASHES) ? 'T1566.001' : bad(NETWORK) ? 'T1566.002' : 'T1566'],
    suspicious_login: bad(IPS)
      ? ['T1078', ...(bad(IPS, /(^|[^a-z])tor([^a-z]|$)/i) ? ['T1090.003'] : [])]
      : [],
    data_exfiltration: [bad(DESTINATIONS) ? 'T1567' : 'T1041'],
    lateral_movement: ['T1021'],
    privilege_escalation: ['T1068'],
    reconnaissance: ['T1595'],
    denial_of_service: ['T1498'],
  };
  if (c === 'malicious' || c === 'suspicious') {
    for (const t of inferred[input.incident.incident_type] ?? []) {
      if (!out.some((o) => o === t || o.startsWith(`${t}.`))) out.push(t);
    }
  }
  return [...new Set(out)];
}
