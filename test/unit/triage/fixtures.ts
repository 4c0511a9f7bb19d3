import type { Indicator } from '../../../src/contracts/index.ts';
import type { AnalysisInput } from '../../../src/core/triage/analyzer.ts';
import type { IncidentRecord, NewEnrichment } from '../../../src/ports/index.ts';

/** An incident record with sensible defaults; override what the case is about. */
export function incident(over: Partial<IncidentRecord> = {}): IncidentRecord {
  return {
    id: 'inc-1',
    incident_type: 'malware',
    source: 'test',
    severity: 'medium',
    status: 'analyzing',
    title: 'Test incident',
    description: null,
    fingerprint: 'fp',
    occurrence_count: 1,
    first_seen: '2024-01-01T00:00:00.000Z',
    last_seen: '2024-01-01T00:00:00.000Z',
    created_at: '2024-01-01T00:00:00.000Z',
    updated_at: '2024-01-01T00:00:00.000Z',
    version: 1,
    tags: [],
    assets: [],
    mitre_techniques: [],
    vendor_confidence: null,
    classification: null,
    confidence: null,
    triaged_at: null,
    closed_at: null,
    resolution_reason: null,
    related_incident_id: null,
    triage_attempts: 0,
    triage_error: null,
    triage_failed_at: null,
    assignee: null,
    assigned_at: null,
    original_severity: null,
    original_incident_type: null,
    ...over,
  };
}

/** A local-lists style enrichment: verdict plus `details.hits` naming the lists. */
export function listHit(
  indicator: Indicator,
  verdict: NewEnrichment['verdict'],
  lists: string[] = [],
  provider = 'local-lists',
): NewEnrichment {
  return {
    indicator_type: indicator.type,
    indicator_value: indicator.value,
    provider,
    verdict,
    score: verdict === 'unknown' ? null : verdict === 'clean' ? 0.05 : 0.9,
    details:
      verdict === 'unknown' ? {} : { lists, hits: lists.map((list) => ({ list, verdict, match: 'exact' })) },
  };
}

/** Builds an AnalysisInput; indicators get ids. */
export function input(
  inc: Partial<IncidentRecord>,
  indicators: Indicator[],
  enrichments: NewEnrichment[],
  vendorConfidence?: number,
): AnalysisInput {
  return {
    incident: incident(inc),
    indicators: indicators.map((i, n) => ({ ...i, id: `ind-${n}` })),
    enrichments,
    ...(vendorConfidence === undefined ? {} : { vendorConfidence }),
  };
}

export const IP_TOR: Indicator = { type: 'ipv4', value: '185.220.101.47' };
export const IP_DNS: Indicator = { type: 'ipv4', value: '8.8.8.8' };
export const DOMAIN_PHISH: Indicator = { type: 'domain', value: 'login-micros0ft-secure.com' };
export const DOMAIN_MS: Indicator = { type: 'domain', value: 'microsoft.com' };
export const DOMAIN_GOOGLE: Indicator = { type: 'domain', value: 'google.com' };
export const HASH_BAD: Indicator = {
  type: 'sha256',
  value: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
};
export const HASH_UNKNOWN: Indicator = {
  type: 'sha256',
  value: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
};
