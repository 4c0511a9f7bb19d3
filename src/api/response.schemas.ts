import { Type, type Static } from 'typebox';
import {
  ACTION_TYPES,
  APPROVAL_LEVELS,
  APPROVAL_STATUSES,
  OPERATION_MODES,
  TARGET_TYPES,
  type ActionCreated,
  type ActionView,
  Enum,
  Nullable,
} from '../contracts/index.ts';

/** Response actions and approvals on the wire (docs/RESPONSE.md); the types are src/contracts/response.ts. */

export const ActionTypeSchema = Enum(ACTION_TYPES);
export const ApprovalLevelSchema = Enum(APPROVAL_LEVELS);
export const ApprovalStatusSchema = Enum(APPROVAL_STATUSES);

const TargetSchema = Type.Object(
  {
    type: Enum(TARGET_TYPES),
    value: Type.String({ minLength: 1, maxLength: 512 }),
  },
  { additionalProperties: false },
);

const base = {
  rule: Type.String({
    description: 'the rule that decided (`deny.protected_hosts`, `approval.isolate-host`, `default.manual`…)',
  }),
  message: Type.String(),
  policy_version: Type.Integer(),
};
export const PolicyDecisionSchema = Type.Union([
  Type.Object({ outcome: Type.Literal('allowed'), ...base }),
  Type.Object({ outcome: Type.Literal('denied'), ...base }),
  Type.Object({ outcome: Type.Literal('requires_approval'), ...base, level: ApprovalLevelSchema }),
]);

const Json = Type.Record(Type.String(), Type.Unknown());
const Time = Type.String({ format: 'date-time' });

export const ActionViewSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  incident_id: Type.String({ format: 'uuid' }),
  action_type: ActionTypeSchema,
  target: Type.Object({ type: Enum(TARGET_TYPES), value: Type.String() }),
  parameters: Json,
  status: ApprovalStatusSchema,
  origin: Enum(['manual', 'recommended'] as const),
  requested_by: Type.String(),
  reason: Nullable(Type.String()),
  mode: Enum(OPERATION_MODES),
  decision: PolicyDecisionSchema,
  approval_level: Nullable(ApprovalLevelSchema),
  decided_by: Nullable(Type.String()),
  decided_at: Nullable(Time),
  decision_comment: Nullable(Type.String()),
  connector: Nullable(Type.String()),
  dry_run: Type.Boolean(),
  executed_at: Nullable(Time),
  result: Nullable(Json),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  expires_at: Nullable(Time),
  created_at: Time,
  updated_at: Time,
});

export const ActionCreatedSchema = Type.Object({
  action_id: Type.String({ format: 'uuid' }),
  action: ActionViewSchema,
  decision: PolicyDecisionSchema,
});

export const ActionRequestSchema = Type.Object(
  {
    action_type: ActionTypeSchema,
    target: TargetSchema,
    parameters: Type.Optional(
      Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 32 }),
    ),
    reason: Type.String({ minLength: 1, maxLength: 2000, description: 'why (audited, shown to approvers)' }),
    connector: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9_-]*$' })),
  },
  { additionalProperties: false },
);

export const DecisionCommentSchema = Type.Object(
  { comment: Type.Optional(Type.String({ maxLength: 2000, description: 'recorded with the decision' })) },
  { additionalProperties: false },
);

export const PageSchema = Type.Object({
  page: Type.Integer(),
  per_page: Type.Integer(),
  total_items: Type.Integer(),
  total_pages: Type.Integer(),
});

export const ActionListSchema = Type.Object({ data: Type.Array(ActionViewSchema), pagination: PageSchema });

export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
};

// The schemas must produce exactly the contract types (both ways).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const viewMatches: Same<Static<typeof ActionViewSchema>, ActionView> = true;
const createdMatches: Same<Static<typeof ActionCreatedSchema>, ActionCreated> = true;
void viewMatches;
void createdMatches;
