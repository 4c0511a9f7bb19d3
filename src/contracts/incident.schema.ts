import { Type, type Static } from 'typebox';
import { Enum, Nullable } from './schema-builders.ts';
import { CLASSIFICATIONS, INCIDENT_STATUSES, INDICATOR_TYPES, SEVERITIES } from './vocabulary.ts';

/**
 * The incident as the API answers it: the one source of its fields. The API validates and documents
 * with these schemas, the store's records (ports/incident-store.port.ts) are their `Static` types, the
 * SQL column list is checked against them (adapters/sql/rows.ts), and the dashboard reads the same
 * types. A field added here and not there fails to compile.
 */

export const SeveritySchema = Enum(SEVERITIES);
export const StatusSchema = Enum(INCIDENT_STATUSES);

export const IndicatorSchema = Type.Object({
  id: Type.Optional(Type.String()),
  type: Enum(INDICATOR_TYPES),
  value: Type.String(),
  context: Type.Optional(Type.String()),
});

export const IncidentSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    incident_type: Type.String(),
    source: Type.String(),
    severity: SeveritySchema,
    status: StatusSchema,
    title: Type.String(),
    description: Nullable(Type.String()),
    fingerprint: Type.String(),
    occurrence_count: Type.Integer(),
    first_seen: Type.String({ format: 'date-time' }),
    last_seen: Type.String({ format: 'date-time' }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
    version: Type.Integer(),
    tags: Type.Array(Type.String()),
    assets: Type.Array(
      Type.Object({ kind: Type.String(), name: Type.String(), id: Type.Optional(Type.String()) }),
    ),
    mitre_techniques: Type.Array(Type.String()),
    /** The vendor's own confidence or risk score, 0..1, when it gave one. */
    vendor_confidence: Nullable(Type.Number()),
    classification: Nullable(Enum(CLASSIFICATIONS)),
    confidence: Nullable(Type.Number()),
    triaged_at: Nullable(Type.String({ format: 'date-time' })),
    /** When it entered a closed status (resolved, false_positive, dismissed, closed); null while open or after a reopen. */
    closed_at: Nullable(Type.String({ format: 'date-time' })),
    resolution_reason: Nullable(Type.String()),
    /**
     * The earlier incident of the same source and fingerprint this one follows: a repeat that came
     * after it was closed, outside its dedup window, or past its maximum group size.
     */
    related_incident_id: Nullable(Type.String({ format: 'uuid' })),
    /** Failed triage runs since the last success or retry. */
    triage_attempts: Type.Integer(),
    /** The last triage failure (sanitised: no secrets, one line, bounded). */
    triage_error: Nullable(Type.String()),
    /** Set when triage was given up after triage.max_attempts (dead letter); cleared by retry-triage. */
    triage_failed_at: Nullable(Type.String({ format: 'date-time' })),
    // --- case work (contracts/casework.ts CaseFields) ---
    /** Username of the assigned analyst, or null. */
    assignee: Nullable(Type.String({ description: 'username of the assigned analyst' })),
    assigned_at: Nullable(Type.String({ format: 'date-time' })),
    /** Set once when an analyst first overrides the severity: the value triage gave. */
    original_severity: Nullable(SeveritySchema),
    /** Set once when an analyst first overrides the type: the value triage gave. */
    original_incident_type: Nullable(Type.String()),
  },
  { $id: 'Incident' },
);

export const VerdictSchema = Type.Object({
  id: Type.String(),
  analyzer: Type.String(),
  classification: Enum(CLASSIFICATIONS),
  confidence: Type.Number(),
  category: Type.String(),
  reasoning: Type.String(),
  reasons: Type.Array(Type.String()),
  recommended_actions: Type.Array(Type.String()),
  mitre_techniques: Type.Array(Type.String()),
  indicators: Type.Array(
    Type.Object({ type: Type.String(), value: Type.String() }, { additionalProperties: true }),
  ),
  score: Nullable(Type.Number()),
  created_at: Type.String({ format: 'date-time' }),
});

export const AlertSchema = Type.Object({
  id: Type.String(),
  source: Type.String(),
  vendor_id: Nullable(Type.String()),
  title: Type.String(),
  severity: SeveritySchema,
  occurred_at: Type.String(),
  received_at: Type.String(),
  raw: Type.Unknown(),
});

export const EnrichmentSchema = Type.Object({
  id: Type.String(),
  indicator_type: Type.String(),
  indicator_value: Type.String(),
  provider: Type.String(),
  verdict: Type.String(),
  score: Nullable(Type.Number()),
  /** When the source first / last saw the indicator, null when it does not say. */
  first_seen: Nullable(Type.String()),
  last_seen: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
  created_at: Type.String(),
});

export const TimelineEntrySchema = Type.Object({
  id: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
  created_at: Type.String(),
});

export const IncidentDetailSchema = Type.Object(
  {
    ...IncidentSchema.properties,
    indicators: Type.Array(IndicatorSchema),
    alerts: Type.Array(AlertSchema),
    enrichments: Type.Array(EnrichmentSchema),
    verdict: Nullable(VerdictSchema),
    timeline: Type.Array(TimelineEntrySchema),
  },
  { $id: 'IncidentDetail' },
);

/** `GET /api/v1/incidents/:id` without its lists, and each row of `GET /api/v1/incidents`. */
export type IncidentView = Static<typeof IncidentSchema>;
/** `GET /api/v1/incidents/:id`. */
export type IncidentDetailView = Static<typeof IncidentDetailSchema>;
export type VerdictView = Static<typeof VerdictSchema>;
export type AlertView = Static<typeof AlertSchema>;
export type EnrichmentView = Static<typeof EnrichmentSchema>;
export type TimelineEntryView = Static<typeof TimelineEntrySchema>;
