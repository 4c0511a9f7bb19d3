import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../contracts/index.ts';
import type { IdentityService } from '../../core/identity/index.ts';
import type { ApiDeps } from '../deps.ts';
import {
  AuthEventQuerySchema,
  AuthEventSchema,
  LoginResponseSchema,
  LoginSchema,
  MeSchema,
} from '../identity.schemas.ts';
import { actorOf } from '../plugins/access.ts';
import { SESSION_COOKIE, sessionCookieOptions } from '../plugins/identity-access.ts';
import { listPermissions } from '../plugins/role-permissions.ts';
import { ErrorSchema } from '../schemas.ts';
import { userView } from './users.routes.ts';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 429: ErrorSchema };

/** Login, logout, who am I, and the authentication events admins read. */
export const authRoutes =
  (deps: ApiDeps, identity: IdentityService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/auth/login',
      {
        config: { permission: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Log in with username and password: sets the tw_session cookie, returns the CSRF token',
          body: LoginSchema,
          response: { 200: LoginResponseSchema, ...errors },
        },
      },
      async (request, reply) => {
        const { user, session } = await identity.sessions.login(
          request.body.username,
          request.body.password,
          {
            ip: request.ip,
            ...(request.headers['user-agent'] ? { userAgent: request.headers['user-agent'] } : {}),
          },
        );
        void reply.setCookie(SESSION_COOKIE, session.token, sessionCookieOptions(request, session.expiresAt));
        return { user: userView(user), csrf_token: session.csrfToken, expires_at: session.expiresAt };
      },
    );

    app.post(
      '/auth/logout',
      {
        config: { permission: 'authenticated' },
        schema: {
          tags: ['auth'],
          summary: 'End this session (clears the cookie); a no-op for API keys',
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (request, reply) => {
        const session = request.principal.session;
        if (session) await identity.sessions.logout(session.id, { actor: actorOf(request), ip: request.ip });
        void reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/auth/logout-all',
      {
        config: { permission: 'authenticated' },
        schema: {
          tags: ['auth'],
          summary: 'Log out everywhere: end every session of the calling user',
          response: { 200: Type.Object({ sessions_ended: Type.Integer() }), ...errors },
        },
      },
      async (request, reply) => {
        const userId = request.principal.userId;
        if (!userId)
          throw new AppError('BAD_REQUEST', 'only a user can log out everywhere (revoke API keys instead)');
        const ended = await identity.sessions.logoutAll(userId, { actor: actorOf(request), ip: request.ip });
        void reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return { sessions_ended: ended };
      },
    );

    app.get(
      '/auth/me',
      {
        config: { permission: 'authenticated' },
        schema: {
          tags: ['auth'],
          summary: 'Who am I: identity, role, approval level, permissions (and the CSRF token of a session)',
          response: { 200: MeSchema, ...errors },
        },
      },
      async (request) => {
        const p = request.principal;
        return {
          kind: p.kind,
          id: p.id,
          name: p.name ?? null,
          role: p.role ?? null,
          approval_level: p.approvalLevel ?? null,
          permissions: listPermissions(p.permissions),
          csrf_token: p.session?.csrfToken ?? null,
        };
      },
    );

    app.get(
      '/auth/events',
      {
        config: { permission: 'audit:read' },
        schema: {
          tags: ['auth'],
          summary: 'Authentication events (logins, lockouts, keys, users), newest first',
          querystring: AuthEventQuerySchema,
          response: {
            200: Type.Object({
              data: Type.Array(AuthEventSchema),
              next_cursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const q = request.query;
        const limit = q.limit ?? 100;
        const rows = await identity.events({
          ...(q.type ? { type: q.type } : {}),
          ...(q.actor ? { actor: q.actor } : {}),
          ...(q.since ? { since: new Date(q.since) } : {}),
          ...(q.until ? { until: new Date(q.until) } : {}),
          ...(q.cursor ? { before: q.cursor } : {}),
          limit,
        });
        return { data: rows, next_cursor: rows.length === limit ? rows[rows.length - 1]!.id : null };
      },
    );
    void deps;
  };
