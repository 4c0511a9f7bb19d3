import { timingSafeEqual } from 'node:crypto';
import cookie from '@fastify/cookie';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../config/index.ts';
import { AppError } from '../../contracts/index.ts';
import { safeOAuthError, type OidcLoginPort } from '../../core/identity/oidc-login.port.ts';
import { groupsFromClaims, roleForGroups } from '../../core/identity/oidc-role.mapper.ts';
import type { SsoUserSink, StartedSession } from '../../core/identity/sso.port.ts';
import { ErrorSchema } from '../schemas.ts';
import { STATE_COOKIE, openState, sealState, stateCookieKey } from './oidc-state.cookie.ts';

/** Sets the dashboard session cookie exactly as the password login does (identity owns its name). */
export type SetSessionCookie = (reply: FastifyReply, session: StartedSession, secure: boolean) => void;

/** What SSO needs from the identity side: the user store and its session cookie. */
export interface SsoWiring {
  users: SsoUserSink;
  setSessionCookie: SetSessionCookie;
}

export interface OidcRouteDeps extends SsoWiring {
  config: Config['auth']['oidc'];
  oidc: OidcLoginPort;
}

const ConfigReply = Type.Object({
  enabled: Type.Boolean(),
  login_url: Type.Optional(Type.String()),
});
const redirect = (description: string) => Type.Null({ description });
const LoginReplies = {
  302: redirect('to the identity provider (Location header)'),
  503: ErrorSchema,
};
const CallbackReplies = {
  302: redirect('to the dashboard, with the session cookie (Location header)'),
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  503: ErrorSchema,
};
const COOKIE_PATH = '/api';

/** Registers @fastify/cookie in this scope unless an outer scope (identity) already did. */
async function ensureCookies(api: Parameters<FastifyPluginAsyncTypebox>[0]): Promise<void> {
  if (!api.hasRequestDecorator('cookies') || !api.hasReplyDecorator('setCookie')) await api.register(cookie);
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Single sign-on with OpenID Connect (authorization code + PKCE), under /api/v1/auth/oidc:
 * `login` sends the browser to the provider, `callback` checks its answer, maps groups to a role,
 * starts a session and sends the browser to `post_login_path`. The login in progress (state, nonce,
 * PKCE verifier) lives in an encrypted HttpOnly cookie, so any replica can take the callback.
 * Every refusal is a 4xx with a fixed message; nothing the caller sent is echoed or logged.
 */
export const oidcRoutes =
  (deps: OidcRouteDeps): FastifyPluginAsyncTypebox =>
  async (api) => {
    await ensureCookies(api);
    const cfg = deps.config;
    const key = stateCookieKey(cfg.state_secret ?? cfg.client_secret ?? '');
    // The browser reaches us at redirect_url: its scheme says whether cookies may be Secure.
    const secure = new URL(cfg.redirect_url ?? 'https://invalid/').protocol === 'https:';

    api.get(
      '/auth/oidc/config',
      {
        config: { permission: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Whether single sign-on is offered',
          response: { 200: ConfigReply },
        },
      },
      async () => ({ enabled: true, login_url: '/api/v1/auth/oidc/login' }),
    );

    api.get(
      '/auth/oidc/login',
      {
        config: { permission: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Start an SSO login (302 to the identity provider)',
          response: LoginReplies,
        },
      },
      async (_request, reply) => {
        const { url, checks } = await deps.oidc.begin();
        const expiresAt = Date.now() + cfg.state_ttl;
        reply.setCookie(STATE_COOKIE, sealState(key, checks, expiresAt), {
          path: COOKIE_PATH,
          httpOnly: true,
          // Lax: the provider's redirect back is a top-level GET, which Lax lets through.
          sameSite: 'lax',
          secure,
          maxAge: Math.ceil(cfg.state_ttl / 1000),
        });
        reply.header('cache-control', 'no-store');
        return reply.redirect(url.href, 302);
      },
    );

    api.get(
      '/auth/oidc/callback',
      {
        config: { permission: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'The identity provider returns here; starts a session (302 to the dashboard)',
          response: CallbackReplies,
        },
      },
      async (request, reply) => {
        // One use only: whatever happens next, the login in progress is over.
        reply.clearCookie(STATE_COOKIE, { path: COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure });
        reply.header('cache-control', 'no-store');
        const raw = request.cookies[STATE_COOKIE];
        const checks = raw ? openState(key, raw, Date.now()) : null;
        if (!checks) {
          throw new AppError(
            'BAD_REQUEST',
            'no single sign-on login in progress, or it expired: start again',
          );
        }
        const q = request.url.indexOf('?');
        const query = new URLSearchParams(q >= 0 ? request.url.slice(q + 1) : '');
        const state = query.get('state');
        if (!state || !sameString(state, checks.state)) {
          throw new AppError('UNAUTHORIZED', 'the login state does not match: start again');
        }
        if (query.has('error')) {
          throw new AppError('UNAUTHORIZED', 'the identity provider refused the login', {
            reason: safeOAuthError(query.get('error')),
          });
        }
        if (!query.get('code'))
          throw new AppError('BAD_REQUEST', 'the callback carries no authorization code');

        const identity = await deps.oidc.finish(query, checks);
        const groups = groupsFromClaims(identity.claims, cfg.groups_claim);
        const role = roleForGroups(groups, cfg.role_mapping, cfg.default_role);
        if (!role) {
          request.log.info({ event: 'oidc_login_refused', reason: 'no_mapped_group' }, 'sso login refused');
          throw new AppError('FORBIDDEN', 'none of your groups at the identity provider is allowed here');
        }
        const user = await deps.users.upsertSsoUser({
          issuer: identity.issuer,
          subject: identity.subject,
          ...(identity.email !== undefined ? { email: identity.email } : {}),
          ...(identity.name !== undefined ? { name: identity.name } : {}),
          role,
          ip: request.ip,
        });
        if (user.disabled) throw new AppError('FORBIDDEN', 'this account is disabled');
        const userAgent = request.headers['user-agent'];
        const session = await deps.users.startSession(user.id, {
          ip: request.ip,
          ...(typeof userAgent === 'string' ? { userAgent } : {}),
        });
        deps.setSessionCookie(reply, session, secure);
        request.log.info({ event: 'oidc_login', user: user.id, role }, 'sso login');
        return reply.redirect(cfg.post_login_path, 302);
      },
    );
  };

/** When SSO is off the dashboard still asks; it learns that only password login exists. */
export const oidcDisabledRoutes: FastifyPluginAsyncTypebox = async (api) => {
  api.get(
    '/auth/oidc/config',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Whether single sign-on is offered',
        response: { 200: ConfigReply },
      },
    },
    async () => ({ enabled: false }),
  );
};
