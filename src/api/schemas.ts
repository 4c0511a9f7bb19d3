import { Type, type Static } from 'typebox';
import {
  Enum,
  IncidentDetailSchema,
  IncidentSchema,
  INDICATOR_TYPES,
  IndicatorSchema,
  SeveritySchema,
  StatusSchema,
} from '../contracts/index.ts';
import { INCIDENT_SORT_FIELDS } from '../ports/index.ts';

/**
 * One schema per shape: validator, TypeScript type and OpenAPI document at once. The incident's own
 * schemas live in contracts/incident.schema.ts (the store's records derive from them) and are
 * re-exported here for the routes.
 */
export { IncidentDetailSchema, IncidentSchema, IndicatorSchema };
export const Severity = SeveritySchema;
export const Status = StatusSchema;

export const ErrorSchema = Type.Object(
  {
    code: Type.String({ description: 'stable error code, e.g. VALIDATION_ERROR' }),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
    request_id: Type.String(),
  },
  { $id: 'Error' },
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
