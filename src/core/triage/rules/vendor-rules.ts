import type { IncidentType } from '../../../contracts/index.ts';
import { SEVERITY_RANK } from '../../../contracts/index.ts';
import { isObject, own, str } from '../../ingest/read.ts';
import { CROWDSTRIKE_RULES } from './crowdstrike.rules.ts';
import { ENTRA_ID_RULES } from './entra-id.rules.ts';
import { GOOGLE_WORKSPACE_RULES } from './google-workspace.rules.ts';
import { MICROSOFT_365_RULES } from './microsoft-365.rules.ts';
import { OKTA_RULES } from './okta.rules.ts';
import {
  hitOf,
  ruleMatches,
  valuesAt,
  type RuleVendor,
  type VendorRule,
  type VendorRuleHit,
} from './rule.model.ts';

/** Every rule pack by vendor (docs/ANALYZER.md, "Vendor rule packs"). */
export const RULE_PACKS: Readonly<Record<RuleVendor, readonly VendorRule[]>> = Object.freeze({
  okta: OKTA_RULES,
  google_workspace: GOOGLE_WORKSPACE_RULES,
  entra_id: ENTRA_ID_RULES,
  microsoft_365: MICROSOFT_365_RULES,
  crowdstrike: CROWDSTRIKE_RULES,
});

const has = (event: unknown, path: string): boolean => valuesAt(event, path).some((v) => v !== '');
const OKTA_EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

/**
 * Which vendor's audit event this is, from its shape (whatever the webhook source is called: a SOC
 * names its sources as it likes). Undefined for anything else, vendor alerts included.
 */
export function detectVendor(event: unknown): RuleVendor | undefined {
  if (!isObject(event)) return undefined;
  if (isObject(own(event, 'metadata')) && isObject(own(event, 'event')) && has(event, 'metadata.eventType'))
    return 'crowdstrike';
  if (has(event, 'Operation') && (has(event, 'Workload') || has(event, 'RecordType'))) return 'microsoft_365';
  if (
    Array.isArray(own(event, 'events')) &&
    (has(event, 'id.applicationName') || /^admin#reports#activity$/i.test(str(own(event, 'kind'), 40) ?? ''))
  )
    return 'google_workspace';
  const eventType = str(own(event, 'eventType'), 200);
  if (
    eventType &&
    OKTA_EVENT_TYPE.test(eventType) &&
    (has(event, 'actor') || has(event, 'outcome') || has(event, 'published'))
  )
    return 'okta';
  if (has(event, 'activityDisplayName') && (has(event, 'initiatedBy') || has(event, 'loggedByService')))
    return 'entra_id';
  if (
    (has(event, 'appDisplayName') || has(event, 'riskEventType')) &&
    (has(event, 'userPrincipalName') || has(event, 'userId')) &&
    (has(event, 'status') || has(event, 'riskLevelDuringSignIn') || has(event, 'riskLevel'))
  )
    return 'entra_id';
  return undefined;
}

/**
 * The events inside one stored payload: the payload itself, the items of a batch envelope
 * (`value`, `items`, `records`, Okta `data.events`), and for an Azure diagnostic record its
 * `properties` (where the sign-in or audit fields are).
 */
function eventsOf(raw: unknown): unknown[] {
  const out: unknown[] = [];
  const visit = (e: unknown, depth: number): void => {
    if (!isObject(e) || out.length >= 50) return;
    const batch = ['value', 'items', 'records'].map((k) => own(e, k)).find(Array.isArray);
    const hook = own(own(e, 'data'), 'events');
    if (depth === 0 && Array.isArray(batch) && !has(e, 'actor')) {
      for (const item of batch.slice(0, 50)) visit(item, depth + 1);
      return;
    }
    if (depth === 0 && Array.isArray(hook)) {
      for (const item of hook.slice(0, 50)) visit(item, depth + 1);
      return;
    }
    out.push(e);
    const props = own(e, 'properties');
    if (isObject(props) && /signin|audit/i.test(str(own(e, 'category'), 80) ?? '')) out.push(props);
  };
  visit(raw, 0);
  return out;
}

/**
 * The vendor rules that fire on a raw payload, strongest first: routine (`info`) rules only when no
 * other rule fired. Pure and deterministic, so any analyzer (deterministic or LLM) can use the hits as
 * context. `source` is the webhook source name; it is not needed to recognise the vendor and is kept
 * for callers that log it.
 */
export function vendorRuleHits(_source: string, raw: unknown): VendorRuleHit[] {
  const hits: VendorRuleHit[] = [];
  const routine: VendorRuleHit[] = [];
  for (const event of eventsOf(raw)) {
    const vendor = detectVendor(event);
    if (!vendor) continue;
    for (const rule of RULE_PACKS[vendor]) {
      if (!ruleMatches(rule, event)) continue;
      const target = rule.severity === 'info' ? routine : hits;
      if (!target.some((h) => h.rule_id === rule.id)) target.push(hitOf(rule));
    }
  }
  const found = hits.length > 0 ? hits : routine;
  return found.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
}

/** The incident type the strongest rule hit gives, for ingest; undefined when none fires or says one. */
export function ruleIncidentType(source: string, raw: unknown): IncidentType | undefined {
  return vendorRuleHits(source, raw).find((h) => h.incident_type !== undefined)?.incident_type;
}

/** Every rule of every pack, in pack order (for docs and tests). */
export function allRules(): VendorRule[] {
  return Object.values(RULE_PACKS).flat();
}
