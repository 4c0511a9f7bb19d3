import { Type, type Static, type TSchema } from 'typebox';
import { CLASSIFICATIONS, INCIDENT_STATUSES, INDICATOR_TYPES, SEVERITIES } from '../contracts/index.ts';
import { INCIDENT_SORT_FIELDS } from '../ports/index.ts';

/** One schema per shape: validator, TypeScript type and OpenAPI document at once. */
const Enum = <const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

export const ErrorSchema = Type.Object(
  {
    code: Type.String({ description: 'stable error code, e.g. VALIDATION_ERROR' }),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
    request_id: Type.String(),
  },
  { $id: 'Error' },
);

export const Severity = Enum(SEVERITIES);
export const Status = Enum(INCIDENT_STATUSES);

/**
 * `T | null` as OpenAPI 3.0 writes it (`nullable: true`). An `anyOf` with `{type: 'null'}` is not
 * OpenAPI 3.0, and fast-json-stringify runs Ajv on every value of an `anyOf` while serializing: the
 * list answered ~2.7× slower per row. An enum also lists null, as Ajv requires with `nullable`.
 */
const Nullable = <T extends TSchema>(t: T) => {
  const schema = t as unknown as Record<string, unknown>;
  return Type.Unsafe<Static<T> | null>({
    ...schema,
    nullable: true,
    ...(Array.isArray(schema.enum) ? { enum: [...(schema.enum as unknown[]), null] } : {}),
  });
};

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
    severity: Severity,
    status: Status,
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
    vendor_confidence: Nullable(Type.Number()),
    classification: Nullable(Enum(CLASSIFICATIONS)),
    confidence: Nullable(Type.Number()),
    triaged_at: Nullable(Type.String({ format: 'date-time' })),
    resolution_reason: Nullable(Type.String()),
    /** The earlier incident of the same alert this one repeats (opened after it was closed, or full). */
    related_incident_id: Nullable(Type.String({ format: 'uuid' })),
    /** Failed triage runs since the last success or retry. */
    triage_attempts: Type.Integer(),
    /** The last triage failure, sanitised. */
    triage_error: Nullable(Type.String()),
    /** Set when triage was given up after triage.max_attempts (dead letter); cleared by retry-triage. */
    triage_failed_at: Nullable(Type.String({ format: 'date-time' })),
    // --- case work (contracts/casework.ts CaseFields) ---
    assignee: Nullable(Type.String({ description: 'username of the assigned analyst' })),
    assigned_at: Nullable(Type.String({ format: 'date-time' })),
    original_severity: Nullable(Severity),
    original_incident_type: Nullable(Type.String()),
  },
  { $id: 'Incident' },
);

const VerdictSchema = Type.Object({
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

export const IncidentDetailSchema = Type.Object(
  {
    ...IncidentSchema.properties,
    indicators: Type.Array(IndicatorSchema),
    alerts: Type.Array(
      Type.Object({
        id: Type.String(),
        source: Type.String(),
        vendor_id: Nullable(Type.String()),
        title: Type.String(),
        severity: Severity,
        occurred_at: Type.String(),
        received_at: Type.String(),
        raw: Type.Unknown(),
      }),
    ),
    enrichments: Type.Array(
      Type.Object({
        id: Type.String(),
        indicator_type: Type.String(),
        indicator_value: Type.String(),
        provider: Type.String(),
        verdict: Type.String(),
        score: Nullable(Type.Number()),
        first_seen: Nullable(Type.String()),
        last_seen: Nullable(Type.String()),
        details: Type.Record(Type.String(), Type.Unknown()),
        created_at: Type.String(),
      }),
    ),
    verdict: Nullable(VerdictSchema),
    timeline: Type.Array(
      Type.Object({
        id: Type.String(),
        actor: Type.String(),
        action: Type.String(),
        details: Type.Record(Type.String(), Type.Unknown()),
        created_at: Type.String(),
      }),
    ),
  },
  { $id: 'IncidentDetail' },
);

export const PaginationSchema = Type.Object({
  page: Type.Integer({
    description: 'this page, from 1 (cursor pages count on from the page that issued the first cursor)',
  }),
  per_page: Type.Integer(),
  total_items: Type.Integer({
    description: 'rows matching the filters, exact up to 1,000; 1,000 when total_exact is false',
  }),
  total_pages: Type.Integer({ description: 'ceil(total_items / per_page)' }),
  total_exact: Type.Boolean({
    description: 'false when more than 1,000 rows match: total_items and total_pages are then lower bounds',
  }),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description:
      'pass as `cursor` (with the same filters, sort and order) for the next page; null on the last page',
  }),
});

/** Comma-separated lists are accepted as well as repeated parameters. */
const ListParam = (item: ReturnType<typeof Type.String>) =>
  Type.Optional(Type.Union([Type.Array(item, { maxItems: 20 }), Type.String({ maxLength: 500 })]));

/** The list's filters (also the export's, a bulk filter's and a saved view's). */
export const ListFilterProperties = {
  status: ListParam(Type.String()),
  severity: ListParam(Type.String()),
  incident_type: ListParam(Type.String({ maxLength: 64 })),
  source: ListParam(Type.String({ maxLength: 64 })),
  since: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'RFC 3339, years 0001–9999; a leap second reads as the next second',
    }),
  ),
  until: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'RFC 3339, years 0001–9999; a leap second reads as the next second',
    }),
  ),
  q: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        'words of title/description, an indicator value (exact or prefix, any case), a host or user name, words of raw alert payloads',
    }),
  ),
  assignee: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: '`me`, a username, or `none` (unassigned)' }),
  ),
  tag: ListParam(Type.String({ maxLength: 64 })),
  classification: ListParam(Type.String()),
  min_confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  max_confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
};

export const ListQuerySchema = Type.Object(
  {
    ...ListFilterProperties,
    sort: Type.Optional(Enum(INCIDENT_SORT_FIELDS)),
    order: Type.Optional(Enum(['asc', 'desc'] as const)),
    // No schema default: a page sent with a cursor must be told apart from an absent one.
    page: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        description:
          'offset page, default 1; (page - 1) * per_page must stay under 10,000 (else PAGE_TOO_DEEP)',
      }),
    ),
    per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })),
    cursor: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 512,
        description: 'pagination.next_cursor of the previous page (keyset paging, any depth); not with page',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuerySchema>;

export const CreateIncidentSchema = Type.Object(
  {
    incident_type: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9_]+$' }),
    source: Type.String({ minLength: 1, maxLength: 64 }),
    severity: Severity,
    title: Type.String({ minLength: 1, maxLength: 500 }),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    raw_data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    indicators: Type.Optional(
      Type.Array(
        Type.Object(
          { type: Enum(INDICATOR_TYPES), value: Type.String({ minLength: 1, maxLength: 2048 }) },
          { additionalProperties: false },
        ),
        { maxItems: 200 },
      ),
    ),
    occurred_at: Type.Optional(Type.String({ format: 'date-time' })),
    tags: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);

const ingestOutcomeFields = {
  incident_id: Type.String(),
  status: Status,
  created: Type.Boolean({ description: 'false when folded into an existing incident (dedup)' }),
  deduplicated: Type.Boolean(),
  occurrence_count: Type.Integer(),
  queued: Type.Boolean({ description: 'false when triage will be scheduled by the reconciler' }),
};

export const IngestResponseSchema = Type.Object({
  ...ingestOutcomeFields,
  incident: Type.Ref('Incident'),
});

/** The 202 of a webhook whose body held several events (a JSON array or a vendor batch envelope). */
export const IngestBatchResponseSchema = Type.Object({
  accepted: Type.Integer({ minimum: 2, description: 'alerts committed (all of the batch)' }),
  results: Type.Array(Type.Object(ingestOutcomeFields), {
    description: "each event's outcome, in the order of the batch (fetch the incident by incident_id)",
  }),
});

export const DecisionBodySchema = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
);

/**
 * A UUID in its plain 8-4-4-4-12 hex form. Ajv's `uuid` format also takes `urn:uuid:…`, which
 * PostgreSQL's uuid type refuses (a 500 instead of a 400), so inputs carry this pattern as well.
 */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

export const IdParamsSchema = Type.Object({ id: Type.String({ format: 'uuid', pattern: UUID_PATTERN }) });
