import type { AnalysisInput } from '../triage/analyzer.ts';

/** One injection-like instruction found in alert content. */
export interface InjectionFinding {
  /** Rule id, from a fixed list (safe as an event field or metric label). */
  rule: InjectionRule;
  /** Where it was found: `title`, `description`, `alerts[0].raw.<key path>`, `indicators[2].context`, `tags[1]`. */
  field: string;
  /** The matching text, one line, at most 120 characters (stored on the incident, never logged). */
  excerpt: string;
}

export type InjectionRule =
  | 'override_instructions'
  | 'role_reassignment'
  | 'verdict_steering'
  | 'action_request'
  | 'role_tag'
  | 'tool_call_imitation'
  | 'prompt_exfiltration';

/**
 * Patterns of text that address the model rather than describe an event (docs/LLM.md "Prompt
 * injection"). They run on a normalised copy: NFKC, zero-width characters removed, whitespace
 * collapsed, lower case, so `I g n o r e`-style spacing aside, homoglyph and invisible-character
 * tricks do not hide a phrase.
 */
const RULES: ReadonlyArray<{ rule: InjectionRule; re: RegExp }> = [
  {
    rule: 'override_instructions',
    re: /\b(?:ignore|disregard|forget|override|bypass|skip)\b(?:\s+\w+){0,3}?\s+(?:previous|prior|above|earlier|preceding|all|any|your|the|system|original)\s+(?:\w+\s+)?(?:instructions?|prompts?|rules?|directions?|guidelines?|context|messages?|policy|policies)\b/,
  },
  {
    rule: 'override_instructions',
    re: /\b(?:new|updated|revised|real|actual|hidden)\s+(?:system\s+)?(?:instructions?|prompt|directives?)\s*[:-]/,
  },
  {
    rule: 'role_reassignment',
    re: /\b(?:you\s+are\s+now|from\s+now\s+on,?\s+you|act\s+as\s+(?:an?\s+)?(?:different|new|unrestricted)|pretend\s+(?:to\s+be|you\s+are)|developer\s+mode|jailbreak|do\s+anything\s+now)\b/,
  },
  {
    rule: 'verdict_steering',
    re: /\b(?:classify|mark|label|treat|report|consider|set|flag|rate|score)\s+(?:this|it|the\s+(?:alert|incident|event|verdict|classification))?\s*(?:as|to)\s+(?:benign|safe|harmless|a\s+false\s+positive|false[\s_-]positive|not\s+malicious|low\s+risk)\b/,
  },
  {
    rule: 'verdict_steering',
    re: /\b(?:classification|verdict|confidence)\s*(?:=|:|should\s+be|must\s+be)\s*["']?(?:benign|0(?:\.0+)?|safe|false[\s_-]positive)\b/,
  },
  {
    rule: 'action_request',
    re: /\b(?:execute|run|call|invoke|trigger|perform)\s+(?:the\s+)?(?:tool|function|action|command|playbook|shell)\b|\b(?:please\s+|now\s+)?(?:isolate|unisolate|disable|delete|whitelist|allowlist|unblock|quarantine|release|close|resolve|dismiss)\s+(?:this\s+|the\s+|all\s+)?(?:host|user|account|alert|incident|ip|domain|email|mailbox|file)s?\s+(?:immediately|now|automatically)\b/,
  },
  {
    rule: 'role_tag',
    re: /<\|?(?:im_start|im_end|system|assistant|user|endoftext)\|?>|<\/?(?:system|assistant|instructions?)>|\[\/?inst\]|<<\/?sys>>|(?:^|\n|\s)(?:###\s*)?(?:system|assistant|human)\s*:\s/,
  },
  {
    rule: 'tool_call_imitation',
    re: /"?(?:tool_calls?|function_call|tool_use|tool_result)"?\s*[:=]|<\/?(?:tool_call|function_calls?|invoke)\b|\brecommended_actions"?\s*:/,
  },
  {
    rule: 'prompt_exfiltration',
    re: /\b(?:reveal|print|show|repeat|output|leak)\s+(?:your|the)\s+(?:system\s+)?(?:prompt|instructions|delimiter|fence)\b/,
  },
];

const MAX_FINDINGS = 20;
const MAX_STRINGS = 2000;
const MAX_DEPTH = 8;

/** Normalises text for matching (see {@link RULES}). */
export function normaliseForMatch(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g, '')
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

/** Checks one string; returns the rules it trips (each at most once). */
export function scanText(text: string): Array<{ rule: InjectionRule; match: string }> {
  const norm = normaliseForMatch(text);
  const out: Array<{ rule: InjectionRule; match: string }> = [];
  for (const { rule, re } of RULES) {
    if (out.some((o) => o.rule === rule)) continue;
    const m = re.exec(norm);
    if (m) out.push({ rule, match: m[0] });
  }
  return out;
}

/**
 * Scans every attacker-controlled field of an incident: title, description, tags, asset names,
 * indicator contexts and the strings of each raw alert (bounded walk). Up to 20 findings.
 */
export function detectInjection(
  input: AnalysisInput,
  rawAlerts: ReadonlyArray<{ raw: unknown }> = [],
): InjectionFinding[] {
  const findings: InjectionFinding[] = [];
  const check = (field: string, text: string): void => {
    if (findings.length >= MAX_FINDINGS || !text) return;
    for (const hit of scanText(text)) {
      if (findings.length >= MAX_FINDINGS) return;
      findings.push({ rule: hit.rule, field: field.slice(0, 200), excerpt: excerpt(text, hit.match) });
    }
  };
  const { incident } = input;
  check('title', incident.title);
  if (incident.description) check('description', incident.description);
  incident.tags.forEach((t, i) => check(`tags[${i}]`, t));
  incident.assets.forEach((a, i) => check(`assets[${i}].name`, a.name));
  input.indicators.forEach((ind, i) => ind.context && check(`indicators[${i}].context`, ind.context));
  let budget = MAX_STRINGS;
  const walk = (value: unknown, path: string, depth: number): void => {
    if (budget <= 0 || depth > MAX_DEPTH) return;
    if (typeof value === 'string') {
      budget--;
      check(path, value);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${path}[${i}]`, depth + 1));
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        budget--;
        check(`${path}{key}`, k);
        walk(v, `${path}.${k.replace(/[^\w-]/g, '_').slice(0, 40)}`, depth + 1);
      }
    }
  };
  rawAlerts.forEach((a, i) => walk(a.raw, `alerts[${i}].raw`, 0));
  return findings;
}

function excerpt(original: string, match: string): string {
  const oneLine = normaliseForMatch(original);
  const at = oneLine.indexOf(match);
  const start = Math.max(0, at - 20);
  const text = oneLine.slice(start, start + 120);
  return (start > 0 ? '…' : '') + text + (start + 120 < oneLine.length ? '…' : '');
}
