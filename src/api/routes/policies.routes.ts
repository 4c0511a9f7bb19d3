import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  ACTION_TYPES,
  APPROVAL_LEVELS,
  AppError,
  CLASSIFICATIONS,
  OPERATION_MODES,
  SEVERITIES,
  TARGET_TYPES,
  Enum,
} from '../../contracts/index.ts';
import { MAX_POLICY_BYTES, type PolicyService } from '../../core/response/policy/index.ts';
import { CRITICALITIES } from '../../core/response/policy/policy.model.ts';
import { actorOf } from '../plugins/access.ts';
import { ErrorSchema } from '../schemas.ts';

const VersionSchema = Type.Object({
  version: Type.Integer(),
  source: Type.String({ description: 'the guardrails YAML as submitted' }),
  created_at: Type.String({ format: 'date-time' }),
  created_by: Type.String(),
  comment: Type.Union([Type.String(), Type.Null()]),
  active: Type.Boolean(),
});

const DecisionSchema = Type.Object({
  outcome: Enum(['allowed', 'denied', 'requires_approval'] as const),
  rule: Type.String({ description: 'the rule that decided, e.g. deny.protected_hosts, mode.assisted' }),
  message: Type.String(),
  level: Type.Optional(Enum(APPROVAL_LEVELS)),
  policy_version: Type.Integer({ description: '0 when an unsaved document was evaluated' }),
});

const Comment = Type.Optional(Type.String({ maxLength: 1000, description: 'why (kept with the version)' }));
const Expected = Type.Optional(
  Type.Integer({ minimum: 1, description: 'refuse (409) unless this is the active version' }),
);
const Source = Type.String({ minLength: 1, maxLength: MAX_POLICY_BYTES, description: 'guardrails YAML' });

const EvaluateSchema = Type.Object(
  {
    action_type: Enum(ACTION_TYPES),
    target: Type.Object(
      { type: Enum(TARGET_TYPES), value: Type.String({ minLength: 1, maxLength: 1000 }) },
      { additionalProperties: false },
    ),
    incident_id: Type.Optional(Type.String({ format: 'uuid' })),
    incident: Type.Optional(
      Type.Object(
        {
          severity: Type.Optional(Enum(SEVERITIES)),
          incident_type: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          classification: Type.Optional(Type.Union([Enum(CLASSIFICATIONS), Type.Null()])),
          confidence: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()])),
          tags: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
        },
        { additionalProperties: false },
      ),
    ),
    origin: Type.Optional(Enum(['manual', 'recommended'] as const)),
    mode: Type.Optional(Enum(OPERATION_MODES)),
    target_criticality: Type.Optional(Type.Union([Enum(CRITICALITIES), Type.Null()])),
    target_tags: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
    source: Type.Optional(Source),
  },
  { additionalProperties: false },
);

const tags = ['policies'];
const read = { permission: 'policies:read' as const };
const manage = { permission: 'policies:manage' as const };
const noNul = (s: string | undefined) => {
  // PostgreSQL text holds no NUL.
  if (s?.includes('\u0000')) throw new AppError('BAD_REQUEST', 'the document contains a NUL character');
};

/** `/policies`: the guardrails policy, its versions, rollback and dry runs (docs/POLICY.md). */
export const policyRoutes =
  (policies: PolicyService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/policies',
      {
        config: read,
        schema: {
          tags,
          summary: 'The active guardrails policy and a summary of its rules',
          response: {
            200: Type.Object({ active: VersionSchema, summary: Type.Unknown() }),
            404: ErrorSchema,
            503: ErrorSchema,
          },
        },
      },
      async () => {
        const c = await policies.current();
        return { active: c.version, summary: c.summary };
      },
    );

    app.get(
      '/policies/versions',
      {
        config: read,
        schema: {
          tags,
          summary: 'Every stored version, newest first',
          querystring: Type.Object(
            {
              page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
              per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              data: Type.Array(VersionSchema),
              pagination: Type.Object({
                page: Type.Integer(),
                per_page: Type.Integer(),
                total_items: Type.Integer(),
                total_pages: Type.Integer(),
              }),
            }),
            400: ErrorSchema,
          },
        },
      },
      async (request) => {
        const page = request.query.page ?? 1;
        const perPage = request.query.per_page ?? 20;
        const r = await policies.versions(page, perPage);
        return {
          data: r.rows,
          pagination: {
            page,
            per_page: perPage,
            total_items: r.total,
            total_pages: Math.ceil(r.total / perPage),
          },
        };
      },
    );

    app.get(
      '/policies/versions/:version',
      {
        config: read,
        schema: {
          tags,
          params: Type.Object({ version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) }),
          response: { 200: VersionSchema, 400: ErrorSchema, 404: ErrorSchema },
        },
      },
      async (request) => policies.version(request.params.version),
    );

    app.put(
      '/policies',
      {
        config: manage,
        schema: {
          tags,
          summary:
            'Validate, store and activate a new version (400 with file:line:column details when invalid)',
          body: Type.Object(
            { source: Source, comment: Comment, expected_version: Expected },
            { additionalProperties: false },
          ),
          response: { 200: VersionSchema, 400: ErrorSchema, 409: ErrorSchema },
        },
      },
      async (request) => {
        const b = request.body;
        noNul(b.source);
        noNul(b.comment);
        const v = await policies.replace(
          b.source,
          {
            ...(b.comment !== undefined ? { comment: b.comment } : {}),
            ...(b.expected_version !== undefined ? { expectedVersion: b.expected_version } : {}),
          },
          actorOf(request),
        );
        request.log.info({ actor: actorOf(request), version: v.version }, 'policy replaced');
        return v;
      },
    );

    app.post(
      '/policies/activate',
      {
        config: manage,
        schema: {
          tags,
          summary: 'Roll back: store an older version again as the new active version',
          body: Type.Object(
            {
              version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
              comment: Comment,
              expected_version: Expected,
            },
            { additionalProperties: false },
          ),
          response: { 200: VersionSchema, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema },
        },
      },
      async (request) => {
        const b = request.body;
        noNul(b.comment);
        const v = await policies.activate(
          b.version,
          {
            ...(b.comment !== undefined ? { comment: b.comment } : {}),
            ...(b.expected_version !== undefined ? { expectedVersion: b.expected_version } : {}),
          },
          actorOf(request),
        );
        request.log.info(
          { actor: actorOf(request), version: v.version, of: b.version },
          'policy rolled back',
        );
        return v;
      },
    );

    app.post(
      '/policies/evaluate',
      {
        config: read,
        schema: {
          tags,
          summary: 'Dry run: what the active (or a given, unsaved) policy decides for one action',
          body: EvaluateSchema,
          response: {
            200: Type.Object({
              decision: DecisionSchema,
              policy_version: Type.Integer(),
              counts: Type.Object({
                last_hour: Type.Integer(),
                last_day: Type.Integer(),
                executing: Type.Integer(),
              }),
              kill_switch_active: Type.Boolean({
                description: 'when true nothing would run now, whatever the decision',
              }),
            }),
            400: ErrorSchema,
            404: ErrorSchema,
            503: ErrorSchema,
          },
        },
      },
      async (request) => {
        const b = request.body;
        if (b.incident_id !== undefined && b.incident !== undefined)
          throw new AppError('VALIDATION_ERROR', 'give incident_id or incident, not both');
        noNul(b.source);
        noNul(b.target.value);
        return policies.evaluate(b, actorOf(request));
      },
    );
  };
