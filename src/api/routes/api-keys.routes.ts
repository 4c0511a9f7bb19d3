import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../contracts/index.ts';
import type { IdentityService } from '../../core/identity/index.ts';
import type { ApiKeyRecord } from '../../ports/index.ts';
import {
  ApiKeySchema,
  CreateApiKeySchema,
  CreatedApiKeySchema,
  KeyRefParamsSchema,
} from '../identity.schemas.ts';
import { actorOf } from '../plugins/access.ts';
import { allows, permissionsOf } from '../plugins/role-permissions.ts';
import { ErrorSchema } from '../schemas.ts';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

function keyView(k: ApiKeyRecord) {
  return { ...k };
}

/** `/api-keys`: create (the key is returned once), list, get, revoke (api_keys:manage). */
export const apiKeyRoutes =
  (identity: IdentityService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const config = { permission: 'api_keys:manage' as const };

    app.post(
      '/api-keys',
      {
        config,
        schema: {
          tags: ['api-keys'],
          summary: 'Create an API key: the key is in this answer only; its role cannot exceed yours',
          body: CreateApiKeySchema,
          response: { 201: CreatedApiKeySchema, ...errors },
        },
      },
      async (request, reply) => {
        const { name, role, scopes, expires_at: at, expires_in: within } = request.body;
        if (at && within) throw new AppError('VALIDATION_ERROR', 'pass expires_at or expires_in, not both');
        const expiresAt = at
          ? new Date(at)
          : within
            ? new Date(
                Date.now() + Number(within.slice(0, -1)) * UNIT_MS[within.slice(-1) as 'm' | 'h' | 'd'],
              )
            : null;
        if (scopes) {
          const rolePerms = permissionsOf(role);
          const beyond = scopes.filter((s) => s === 'public' || !allows(rolePerms, s));
          if (beyond.length)
            throw new AppError('VALIDATION_ERROR', `scopes beyond the ${role} role: ${beyond.join(', ')}`);
        }
        const creatorRole = request.principal.role;
        if (!creatorRole) throw new AppError('FORBIDDEN', 'only users and API keys can create keys');
        const { key, record } = await identity.keys.create(
          { name, role, scopes: scopes ?? null, expiresAt },
          { actor: actorOf(request), ip: request.ip, role: creatorRole },
        );
        return reply.status(201).send({ key, api_key: keyView(record) });
      },
    );

    app.get(
      '/api-keys',
      {
        config,
        schema: {
          tags: ['api-keys'],
          summary: 'List API keys (prefix, name, role, expiry, last use, revocation; never the key)',
          response: { 200: Type.Object({ data: Type.Array(ApiKeySchema) }), ...errors },
        },
      },
      async () => ({ data: (await identity.keys.list()).map(keyView) }),
    );

    app.get(
      '/api-keys/:id',
      {
        config,
        schema: {
          tags: ['api-keys'],
          summary: 'One API key, by id or prefix',
          params: KeyRefParamsSchema,
          response: { 200: ApiKeySchema, ...errors },
        },
      },
      async (request) => keyView(await identity.keys.get(request.params.id)),
    );

    app.delete(
      '/api-keys/:id',
      {
        config,
        schema: {
          tags: ['api-keys'],
          summary: 'Revoke an API key (by id or prefix): refused by every replica within a second',
          params: KeyRefParamsSchema,
          response: { 200: ApiKeySchema, ...errors },
        },
      },
      async (request) =>
        keyView(await identity.keys.revoke(request.params.id, { actor: actorOf(request), ip: request.ip })),
    );
  };
