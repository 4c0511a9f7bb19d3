import { Type } from 'typebox';
import { BULK_OPS, Enum } from '../../contracts/index.ts';
import { ANALYST_STATUSES } from '../../core/incidents/incident-decisions.service.ts';
import { ListFilterProperties, Severity, Status, UUID_PATTERN } from '../schemas.ts';

/** Request and response schemas of the case-work routes (contracts/casework.ts). */

const Reason = Type.String({ minLength: 1, maxLength: 2000, description: 'why (recorded in the audit log)' });
const Version = Type.Optional(
  Type.Integer({
    minimum: 1,
    description: 'the version you saw: refused with 409 CONFLICT if it changed since',
  }),
);
const Tag = Type.String({ minLength: 1, maxLength: 64 });

export const AssignBodySchema = Type.Object(
  {
    assignee: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()], {
      description: 'a username, `me`, or null to unassign',
    }),
    version: Version,
  },
  { additionalProperties: false },
);

export const CommentBodySchema = Type.Object(
  { body: Type.String({ minLength: 1, maxLength: 10_000 }) },
  { additionalProperties: false },
);

export const CommentSchema = Type.Object({
  id: Type.String(),
  incident_id: Type.String(),
  author: Type.String(),
  body: Type.String(),
  mentions: Type.Array(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
});

export const TagsBodySchema = Type.Object(
  {
    add: Type.Optional(Type.Array(Tag, { maxItems: 50 })),
    remove: Type.Optional(Type.Array(Tag, { maxItems: 50 })),
    version: Version,
  },
  { additionalProperties: false },
);

export const PatchBodySchema = Type.Object(
  {
    severity: Type.Optional(Severity),
    incident_type: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9_]+$' })),
    reason: Reason,
    version: Version,
  },
  { additionalProperties: false },
);

export const StatusBodySchema = Type.Object(
  { status: Enum(ANALYST_STATUSES), reason: Reason, version: Version },
  { additionalProperties: false },
);

export const ReopenBodySchema = Type.Object(
  { reason: Reason, version: Version },
  { additionalProperties: false },
);

export const ListFilterSchema = Type.Object(ListFilterProperties, { additionalProperties: false });

export const BulkBodySchema = Type.Object(
  {
    op: Enum(BULK_OPS),
    ids: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 500 })),
    filter: Type.Optional(ListFilterSchema),
    reason: Type.Optional(Reason),
    assignee: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
    tags: Type.Optional(Type.Array(Tag, { minItems: 1, maxItems: 50 })),
  },
  { additionalProperties: false },
);

export const BulkResultSchema = Type.Object({
  op: Enum(BULK_OPS),
  succeeded: Type.Integer(),
  failed: Type.Integer(),
  results: Type.Array(
    Type.Object({
      id: Type.String(),
      ok: Type.Boolean(),
      status: Type.Optional(Status),
      code: Type.Optional(Type.String()),
      message: Type.Optional(Type.String()),
    }),
  ),
});

export const RelatedSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  severity: Severity,
  status: Status,
  created_at: Type.String({ format: 'date-time' }),
  shared: Type.Array(Type.String()),
});

export const ExportQuerySchema = Type.Object(
  { ...ListFilterProperties, format: Type.Optional(Enum(['csv', 'jsonl'] as const, { default: 'csv' })) },
  { additionalProperties: false },
);

export const ViewIdParamsSchema = Type.Object({
  id: Type.String({ format: 'uuid', pattern: UUID_PATTERN }),
});

const ViewQuery = Type.Record(Type.String({ maxLength: 32 }), Type.String({ maxLength: 500 }), {
  maxProperties: 20,
  description: 'list parameters as GET /incidents takes them',
});

export const ViewBodySchema = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }), query: ViewQuery },
  { additionalProperties: false },
);

export const ViewPatchSchema = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), query: Type.Optional(ViewQuery) },
  { additionalProperties: false },
);

export const SavedViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  query: Type.Record(Type.String(), Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
