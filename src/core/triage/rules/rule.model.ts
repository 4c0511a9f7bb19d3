import type { IncidentType, Severity } from '../../../contracts/index.ts';
import { isObject, own, str } from '../../ingest/read.ts';

/*
 * Vendor rule packs: what each identity/SaaS/EDR vendor's raw audit events mean for security, written
 * as data. A rule is a list of conditions over the event's real field names (read case-insensitively,
 * dotted paths into nested objects), so an analyst can read, review and extend a pack without reading
 * matcher code. docs/ANALYZER.md lists every rule with its source.
 */

/** The vendors with a rule pack; `detectVendor` decides which one an event belongs to. */
export const RULE_VENDORS = ['okta', 'google_workspace', 'entra_id', 'microsoft_365', 'crowdstrike'] as const;
export type RuleVendor = (typeof RULE_VENDORS)[number];

/** A condition: a test on one field, or `any` of several conditions. */
export type Condition = FieldCondition | AnyCondition;

/** Holds when at least one of `any` holds (`not: true` inverts). */
export interface AnyCondition {
  any: readonly Condition[];
  not?: boolean;
}

/**
 * One test on the event. Exactly one test applies, in this order of precedence:
 * `kv` (a Name/Value pair in an array of pairs), `in`, `re`, `equals`, `exists`.
 * `not: true` inverts the test. Strings compare case-insensitively.
 */
export interface FieldCondition {
  /** Dotted path (case-insensitive keys); a `[]` segment means "any element of this array". */
  path: string;
  /** The value, as a string, is one of these. */
  in?: readonly string[];
  /** The value, as a string, matches this regular expression (case-insensitive). */
  re?: string;
  /** The value equals this (booleans also match the strings "true"/"false"). */
  equals?: string | number | boolean;
  /** The path holds a non-empty value (true) or none (false). */
  exists?: boolean;
  /**
   * `path` is an array of pairs (M365 `Parameters`, Google `parameters`, Falcon `AuditKeyValues`):
   * some element whose `key` field equals `name` has a `value` field matching `value` (a regular
   * expression, case-insensitive; any non-empty value when absent).
   */
  kv?: { key: string; value: string; name: string; matches?: string };
  not?: boolean;
}

/** One vendor rule: a security-relevant event type, when it fires and what it means. */
export interface VendorRule {
  /** Stable id, `<vendor>.<slug>`; shown in reasons and tags. */
  id: string;
  vendor: RuleVendor;
  /** The vendor's event type the rule is about (for people and the docs table). */
  event_type: string;
  /**
   * How much the event matters on its own. `info` marks a routine event (a successful login with no
   * risk flag): it counts as evidence of benign activity, and only when no other rule fires.
   */
  severity: Severity;
  title: string;
  /** MITRE ATT&CK technique ids the event is evidence of (may be empty for routine events). */
  mitre: readonly string[];
  /** The vendor documentation the event type and fields come from. */
  reference: string;
  /** The incident type this event is, when ingest has nothing more specific. */
  incident_type?: IncidentType;
  /**
   * The rule restates the vendor's own risk rating (Okta `risk` level, Entra `riskLevel*`), which
   * ingest already turned into the severity and vendor confidence: it weighs less (docs/ANALYZER.md).
   */
  restates_vendor_risk?: boolean;
  /** Every condition must hold. */
  when: readonly Condition[];
}

/** What a rule firing on an event reports (also what other analyzers get as context). */
export interface VendorRuleHit {
  rule_id: string;
  vendor: RuleVendor;
  event_type: string;
  severity: Severity;
  title: string;
  mitre: string[];
  reference: string;
  incident_type?: IncidentType;
  restates_vendor_risk?: boolean;
}

const MAX_VALUES = 200;

/** Every value at `path` (a `[]` segment fans out over an array), at most {@link MAX_VALUES}. */
export function valuesAt(event: unknown, path: string): unknown[] {
  let current: unknown[] = [event];
  for (const raw of path.split('.')) {
    const fan = raw.endsWith('[]');
    const key = fan ? raw.slice(0, -2) : raw;
    const next: unknown[] = [];
    for (const node of current) {
      const v = key === '' ? node : readKey(node, key);
      if (v === undefined || v === null) continue;
      if (fan) {
        if (Array.isArray(v)) next.push(...v.slice(0, MAX_VALUES));
      } else next.push(v);
      if (next.length >= MAX_VALUES) break;
    }
    current = next;
    if (current.length === 0) break;
  }
  return current;
}

/** A key of an object, or an index of an array. */
function readKey(node: unknown, key: string): unknown {
  if (Array.isArray(node) && /^\d+$/.test(key)) return node[Number(key)];
  return isObject(node) ? own(node, key) : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'boolean') return String(value);
  return str(value, 2_000);
}

const compiled = new Map<string, RegExp>();
function regex(source: string): RegExp {
  let re = compiled.get(source);
  if (!re) compiled.set(source, (re = new RegExp(source, 'i')));
  return re;
}

function test(c: Condition, event: unknown): boolean {
  if ('any' in c) return c.any.some((o) => test(o, event) !== (o.not === true));
  if (c.kv) {
    const { key, value, name, matches } = c.kv;
    return valuesAt(event, `${c.path}[]`).some((pair) => {
      if (text(readKey(pair, key))?.toLowerCase() !== name.toLowerCase()) return false;
      const v = text(readKey(pair, value));
      return v !== undefined && (matches === undefined || regex(matches).test(v));
    });
  }
  const values = valuesAt(event, c.path)
    .map(text)
    .filter((v): v is string => v !== undefined);
  if (c.in) {
    const wanted = c.in.map((w) => w.toLowerCase());
    return values.some((v) => wanted.includes(v.toLowerCase()));
  }
  if (c.re !== undefined) return values.some((v) => regex(c.re!).test(v));
  if (c.equals !== undefined) return values.some((v) => v.toLowerCase() === String(c.equals).toLowerCase());
  if (c.exists !== undefined) return values.length > 0 === c.exists;
  return false;
}

/** Whether every condition of `rule` holds for `event`. Never throws. */
export function ruleMatches(rule: Pick<VendorRule, 'when'>, event: unknown): boolean {
  return rule.when.every((c) => test(c, event) !== (c.not === true));
}

/** The hit a rule reports. */
export function hitOf(rule: VendorRule): VendorRuleHit {
  return {
    rule_id: rule.id,
    vendor: rule.vendor,
    event_type: rule.event_type,
    severity: rule.severity,
    title: rule.title,
    mitre: [...rule.mitre],
    reference: rule.reference,
    ...(rule.incident_type ? { incident_type: rule.incident_type } : {}),
    ...(rule.restates_vendor_risk ? { restates_vendor_risk: true } : {}),
  };
}
