import type {
  AlertRecord,
  AnalysisRecord,
  AuditRecord,
  EnrichmentRecord,
  IncidentRecord,
  IndicatorRecord,
} from '../../ports/index.ts';
import type { IncidentsTable } from './schema.ts';

/** Row → record mapping shared by the SQL repositories: timestamps as ISO strings, JSON as values. */
type Row = Record<string, unknown>;

/**
 * The incidents columns an IncidentRecord is made of (never `search`, a tsvector no answer carries).
 * Checked both ways below: each is a field of the record (contracts/incident.schema.ts) and a column
 * of the table (schema.ts), every field is listed, and every other column is named internal.
 */
export const INCIDENT_RECORD_COLUMNS = [
  'id',
  'incident_type',
  'source',
  'severity',
  'status',
  'title',
  'description',
  'fingerprint',
  'occurrence_count',
  'first_seen',
  'last_seen',
  'created_at',
  'updated_at',
  'version',
  'tags',
  'assets',
  'mitre_techniques',
  'vendor_confidence',
  'classification',
  'confidence',
  'triaged_at',
  'closed_at',
  'resolution_reason',
  'related_incident_id',
  'triage_attempts',
  'triage_error',
  'triage_failed_at',
  'assignee',
  'assigned_at',
  'original_severity',
  'original_incident_type',
] as const satisfies readonly (keyof IncidentRecord & keyof IncidentsTable)[];

/** Columns of `incidents` no record carries: bookkeeping of ingest, search and triage runs. */
export const INCIDENT_INTERNAL_COLUMNS = [
  'severity_rank',
  'last_received_at',
  'search',
  'triage_run',
  'playbook_name',
  'playbook_version',
] as const satisfies readonly Exclude<keyof IncidentsTable, keyof IncidentRecord>[];

type Listed = (typeof INCIDENT_RECORD_COLUMNS)[number];
// A record field without its column here, or a new column named nowhere, fails to compile.
type UnlistedField = Exclude<keyof IncidentRecord, Listed>;
type UnlistedColumn = Exclude<keyof IncidentsTable, Listed | (typeof INCIDENT_INTERNAL_COLUMNS)[number]>;
const _everyFieldListed: [UnlistedField] extends [never] ? true : UnlistedField = true;
const _everyColumnListed: [UnlistedColumn] extends [never] ? true : UnlistedColumn = true;
void _everyFieldListed;
void _everyColumnListed;

/** The exact form `Date#toISOString()` gives for years 0-9999. */
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A timestamp as `toISOString()` writes it. PGlite gives Dates; the PostgreSQL pools give this very
 * string already (adapters/postgres/timestamptz.type-parser.ts), passed through as is.
 */
export function iso(v: unknown): string {
  if (typeof v === 'string' && v.length === 24 && ISO_MS.test(v)) return v;
  return v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString();
}

function isoOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : iso(v);
}

/** node-postgres and PGlite both parse jsonb; a string here means it was stored as a JSON string. */
function json<T>(v: unknown, fallback: T): T {
  if (v === null || v === undefined) return fallback;
  return v as T;
}

export function toIncident(r: Row): IncidentRecord {
  return {
    id: r.id as string,
    incident_type: r.incident_type as string,
    source: r.source as string,
    severity: r.severity as IncidentRecord['severity'],
    status: r.status as IncidentRecord['status'],
    title: r.title as string,
    description: (r.description as string | null) ?? null,
    fingerprint: r.fingerprint as string,
    occurrence_count: Number(r.occurrence_count),
    first_seen: iso(r.first_seen),
    last_seen: iso(r.last_seen),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
    version: Number(r.version),
    tags: json<string[]>(r.tags, []),
    assets: json(r.assets, []),
    mitre_techniques: json<string[]>(r.mitre_techniques, []),
    vendor_confidence:
      r.vendor_confidence === null || r.vendor_confidence === undefined ? null : Number(r.vendor_confidence),
    classification: (r.classification as IncidentRecord['classification']) ?? null,
    confidence: r.confidence === null || r.confidence === undefined ? null : Number(r.confidence),
    triaged_at: isoOrNull(r.triaged_at),
    closed_at: isoOrNull(r.closed_at),
    resolution_reason: (r.resolution_reason as string | null) ?? null,
    related_incident_id: (r.related_incident_id as string | null) ?? null,
    triage_attempts: Number(r.triage_attempts ?? 0),
    triage_error: (r.triage_error as string | null) ?? null,
    triage_failed_at: isoOrNull(r.triage_failed_at),
    assignee: (r.assignee as string | null | undefined) ?? null,
    assigned_at: isoOrNull(r.assigned_at),
    original_severity: (r.original_severity as IncidentRecord['original_severity'] | undefined) ?? null,
    original_incident_type: (r.original_incident_type as string | null | undefined) ?? null,
  };
}

export function toIndicator(r: Row): IndicatorRecord {
  return {
    id: r.id as string,
    type: r.type as IndicatorRecord['type'],
    value: r.value as string,
    ...(r.context ? { context: r.context as string } : {}),
  };
}

export function toAlert(r: Row): AlertRecord {
  return {
    id: r.id as string,
    source: r.source as string,
    vendor_id: (r.vendor_id as string | null) ?? null,
    title: r.title as string,
    severity: r.severity as AlertRecord['severity'],
    occurred_at: iso(r.occurred_at),
    received_at: iso(r.received_at),
    raw: r.raw,
  };
}

export function toEnrichment(r: Row): EnrichmentRecord {
  return {
    id: r.id as string,
    indicator_type: r.indicator_type as EnrichmentRecord['indicator_type'],
    indicator_value: r.indicator_value as string,
    provider: r.provider as string,
    verdict: r.verdict as EnrichmentRecord['verdict'],
    score: r.score === null || r.score === undefined ? null : Number(r.score),
    first_seen: r.first_seen === null || r.first_seen === undefined ? null : iso(r.first_seen),
    last_seen: r.last_seen === null || r.last_seen === undefined ? null : iso(r.last_seen),
    details: json(r.details, {}),
    created_at: iso(r.created_at),
  };
}

export function toAnalysis(r: Row): AnalysisRecord {
  return {
    id: r.id as string,
    analyzer: r.analyzer as string,
    classification: r.classification as AnalysisRecord['classification'],
    confidence: Number(r.confidence),
    category: r.category as string,
    reasoning: r.reasoning as string,
    reasons: json(r.reasons, []),
    recommended_actions: json(r.recommended_actions, []),
    mitre_techniques: json(r.mitre_techniques, []),
    indicators: json(r.indicators, []),
    score: r.score === null || r.score === undefined ? null : Number(r.score),
    created_at: iso(r.created_at),
  };
}

export function toAudit(r: Row): AuditRecord {
  return {
    id: String(r.id),
    actor: r.actor as string,
    action: r.action as string,
    details: json(r.details, {}),
    created_at: iso(r.created_at),
  };
}
