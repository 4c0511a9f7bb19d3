import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../contracts/index.ts';
import type { ApiDeps } from '../deps.ts';
import { actorOf } from '../plugins/access.ts';
import { ErrorSchema } from '../schemas.ts';

const NullableString = Type.Unsafe<string | null>({ type: 'string', nullable: true });
const NullableInt = Type.Unsafe<number | null>({ type: 'integer', nullable: true, minimum: 1 });

const WebhookSourceSchema = Type.Object({
  name: Type.String(),
  origin: Type.Unsafe<'config' | 'database' | 'local'>({
    type: 'string',
    enum: ['config', 'database', 'local'],
  }),
  read_only: Type.Boolean({
    description: 'config and local-file sources are changed where they are defined',
  }),
  enabled: Type.Boolean(),
  unsigned: Type.Boolean(),
  require_timestamp: Type.Boolean(),
  rate_limit: NullableInt,
  has_secret: Type.Boolean(),
  key_id: NullableString,
  previous_secret_valid_until: NullableString,
  rotated_at: NullableString,
  created_at: NullableString,
  updated_at: NullableString,
});

const WithSecretSchema = Type.Object({
  source: WebhookSourceSchema,
  secret: Type.Optional(Type.String({ description: 'shown this once; store it in the sender now' })),
});

const Name = Type.Object({ name: Type.String({ maxLength: 64 }) });
const Secret = Type.String({ minLength: 16, maxLength: 256 });
const errors = { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
const tags = ['webhook-sources'];
const config = { permission: 'webhook_sources:manage' as const };

/** The optional `secret` of a rotate body (absent body: a generated secret). */
function secretOf(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  const secret =
    typeof body === 'object' && !Array.isArray(body) ? (body as { secret?: unknown }).secret : body;
  if (secret === undefined) return undefined;
  if (typeof secret !== 'string')
    throw new AppError('VALIDATION_ERROR', 'secret must be a string', { field: 'secret' });
  return secret;
}

/**
 * `/webhook-sources`: webhook sources as managed objects. Secrets are sealed at rest and returned
 * only once, by create and rotate; config and local-file sources are listed read-only.
 */
export const webhookSourceRoutes =
  (deps: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const sources = deps.webhookSources;
    // Source changes are authentication events (who, when, from where), queryable by admins.
    const audit = async (request: Parameters<typeof actorOf>[0], action: string, name: string) => {
      request.log.info({ actor: actorOf(request), action, source: name }, 'webhook source changed');
      await deps.identity?.recordEvent({
        type: action,
        actor: actorOf(request),
        subject: `webhook_source:${name}`,
        ip: request.ip,
        details: {},
      });
    };

    app.get(
      '/webhook-sources',
      {
        config,
        schema: {
          tags,
          summary: 'Every webhook source: configured (read-only), managed, local',
          response: { 200: Type.Object({ data: Type.Array(WebhookSourceSchema) }) },
        },
      },
      async () => ({ data: await sources.list() }),
    );

    app.get(
      '/webhook-sources/:name',
      { config, schema: { tags, params: Name, response: { 200: WebhookSourceSchema, 404: ErrorSchema } } },
      async (request) => sources.get(request.params.name),
    );

    app.post(
      '/webhook-sources',
      {
        config,
        schema: {
          tags,
          summary: 'Create a managed source; the secret (given or generated) is returned this once',
          body: Type.Object(
            {
              name: Type.String({ maxLength: 64 }),
              secret: Type.Optional(Secret),
              generate: Type.Optional(Type.Boolean()),
              unsigned: Type.Optional(Type.Boolean()),
              require_timestamp: Type.Optional(Type.Boolean({ default: true })),
              enabled: Type.Optional(Type.Boolean({ default: true })),
              rate_limit: Type.Optional(NullableInt),
            },
            { additionalProperties: false },
          ),
          response: { 201: WithSecretSchema, ...errors },
        },
      },
      async (request, reply) => {
        const created = await sources.create(request.body);
        await audit(request, 'webhook_source.created', created.source.name);
        return reply.status(201).send(created);
      },
    );

    app.patch(
      '/webhook-sources/:name',
      {
        config,
        schema: {
          tags,
          summary: 'Enable/disable, require a timestamp, set or clear (null) the rate limit',
          params: Name,
          body: Type.Object(
            {
              enabled: Type.Optional(Type.Boolean()),
              unsigned: Type.Optional(Type.Boolean()),
              require_timestamp: Type.Optional(Type.Boolean()),
              rate_limit: Type.Optional(NullableInt),
            },
            { additionalProperties: false },
          ),
          response: { 200: WebhookSourceSchema, ...errors },
        },
      },
      async (request) => {
        const view = await sources.update(request.params.name, request.body);
        await audit(request, 'webhook_source.updated', view.name);
        return view;
      },
    );

    app.post(
      '/webhook-sources/:name/rotate',
      {
        config,
        schema: {
          tags,
          summary: 'New secret (returned once); the previous one stays valid until retired or the grace ends',
          params: Name,
          // Optional body `{ "secret": "…" }` (16-256 characters); without one a secret is generated.
          body: Type.Unknown({ description: 'optional { "secret": string } (16-256 characters)' }),
          response: { 200: WithSecretSchema, ...errors },
        },
      },
      async (request) => {
        const rotated = await sources.rotate(request.params.name, secretOf(request.body));
        await audit(request, 'webhook_source.secret_rotated', rotated.source.name);
        return rotated;
      },
    );

    app.post(
      '/webhook-sources/:name/retire',
      {
        config,
        schema: {
          tags,
          summary: 'End a rotation now: only the current secret is accepted',
          params: Name,
          response: { 200: WebhookSourceSchema, ...errors },
        },
      },
      async (request) => {
        const view = await sources.retire(request.params.name);
        await audit(request, 'webhook_source.previous_secret_retired', view.name);
        return view;
      },
    );

    app.delete(
      '/webhook-sources/:name',
      { config, schema: { tags, params: Name, response: { 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        await sources.remove(request.params.name);
        await audit(request, 'webhook_source.deleted', request.params.name);
        return reply.status(204).send(null);
      },
    );
  };
