import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../contracts/index.ts';
import type { IdentityService } from '../../core/identity/index.ts';
import type { UserRecord } from '../../ports/index.ts';
import { CreateUserSchema, UpdateUserSchema, UserSchema } from '../identity.schemas.ts';
import { actorOf } from '../plugins/access.ts';
import { ErrorSchema, IdParamsSchema } from '../schemas.ts';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };

/** A user as the API shows it (never a password hash). */
export function userView(u: UserRecord) {
  return {
    id: u.id,
    username: u.username,
    email: u.email,
    display_name: u.display_name,
    role: u.role,
    approval_level: u.approval_level,
    disabled: u.disabled,
    has_password: u.has_password,
    sso_issuer: u.sso_issuer,
    last_login_at: u.last_login_at,
    created_at: u.created_at,
    updated_at: u.updated_at,
  };
}

/** `/users`: accounts, for admins (users:manage). */
export const userRoutes =
  (identity: IdentityService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const config = { permission: 'users:manage' as const };
    const ctx = (request: { ip: string }, actor: string) => ({ actor, ip: request.ip });

    app.get(
      '/users',
      {
        config,
        schema: {
          tags: ['users'],
          summary: 'List users',
          response: { 200: Type.Object({ data: Type.Array(UserSchema) }), ...errors },
        },
      },
      async () => ({ data: (await identity.users.list()).map(userView) }),
    );

    app.post(
      '/users',
      {
        config,
        schema: {
          tags: ['users'],
          summary: 'Create a user (password optional: single sign-on users have none)',
          body: CreateUserSchema,
          response: { 201: UserSchema, ...errors },
        },
      },
      async (request, reply) => {
        const user = await identity.users.create(request.body, ctx(request, actorOf(request)));
        return reply.status(201).send(userView(user));
      },
    );

    app.get(
      '/users/:id',
      {
        config,
        schema: {
          tags: ['users'],
          summary: 'One user',
          params: IdParamsSchema,
          response: { 200: UserSchema, ...errors },
        },
      },
      async (request) => userView(await identity.users.get(request.params.id)),
    );

    app.patch(
      '/users/:id',
      {
        config,
        schema: {
          tags: ['users'],
          summary: 'Change role, approval level, disabled flag, password, email or name',
          params: IdParamsSchema,
          body: UpdateUserSchema,
          response: { 200: UserSchema, ...errors },
        },
      },
      async (request) =>
        userView(
          await identity.users.update(request.params.id, request.body, ctx(request, actorOf(request))),
        ),
    );

    app.delete(
      '/users/:id',
      {
        config,
        schema: {
          tags: ['users'],
          summary: 'Delete a user (their sessions end); to keep the record, PATCH disabled=true instead',
          params: IdParamsSchema,
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (request, reply) => {
        if (request.principal.userId === request.params.id)
          throw new AppError('CONFLICT', 'you cannot delete yourself');
        await identity.users.remove(request.params.id, ctx(request, actorOf(request)));
        return reply.status(204).send(null);
      },
    );
  };
