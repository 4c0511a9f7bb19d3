import { Type } from 'typebox';
import { Duration, Obj } from './schema.parts.ts';

/** Single sign-on with OpenID Connect (issue 9 part 5; docs/SSO.md). */
const RoleName = Type.Union([Type.Literal('admin'), Type.Literal('analyst'), Type.Literal('viewer')]);
const OidcConfigSchema = Obj(
  {
    enabled: Type.Boolean({
      default: false,
      description: 'offer "log in with SSO" (needs issuer_url, client_id, redirect_url, client_secret)',
    }),
    issuer_url: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description: 'issuer identifier (https; http only on loopback); discovery reads its .well-known',
      }),
    ),
    client_id: Type.Optional(
      Type.String({ minLength: 1, description: 'client id registered at the provider' }),
    ),
    client_secret: Type.Optional(
      Type.String({ minLength: 1, description: 'client secret (env TW_OIDC_CLIENT_SECRET)' }),
    ),
    token_auth_method: Type.Union([Type.Literal('client_secret_basic'), Type.Literal('client_secret_post')], {
      default: 'client_secret_basic',
      description: 'how the client authenticates at the token endpoint',
    }),
    redirect_url: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description: 'our callback, as registered at the provider: https://<host>/api/v1/auth/oidc/callback',
      }),
    ),
    scopes: Type.String({ default: 'openid email profile groups', description: 'scopes requested' }),
    groups_claim: Type.String({
      default: 'groups',
      minLength: 1,
      description: 'claim holding the groups (exact name, else a dotted path such as realm_access.roles)',
    }),
    role_mapping: Type.Record(Type.String({ minLength: 1 }), RoleName, {
      default: {},
      description:
        'group → role; a user in several mapped groups gets the most privileged role (admin > analyst > viewer)',
    }),
    default_role: Type.Union([Type.Literal('viewer'), Type.Literal('analyst'), Type.Literal('deny')], {
      default: 'viewer',
      description: 'role when no group maps, or deny (the login is refused with 403)',
    }),
    post_login_path: Type.String({
      default: '/',
      pattern: '^/(?![/\\\\])[^\\\\]*$',
      description: 'same-origin path the browser is sent to after a successful login',
    }),
    state_secret: Type.Optional(
      Type.String({
        minLength: 32,
        description:
          'key of the login-state cookie, same on every replica (default derived from client_secret)',
      }),
    ),
    state_ttl: Duration('10m', 'time a user has to complete the login at the provider'),
    timeout: Duration('10s', 'timeout of each request to the provider (discovery, token, userinfo)'),
  },
  'single sign-on (OpenID Connect, authorization code + PKCE)',
);

/** `auth.*`: identity and access (users, API keys, sessions, single sign-on). */
export const AuthConfigSchema = Obj({
  oidc: OidcConfigSchema,
  admin_api_key: Type.Optional(
    Type.String({
      pattern: '^tw_[A-Za-z0-9]{4,32}_[A-Za-z0-9]{32,128}$',
      description:
        'this exact key is an admin API key (env TW_ADMIN_API_KEY; automation, Kubernetes secrets): tw_<prefix>_<32+ base62>',
    }),
  ),
  admin_password: Type.Optional(
    Type.String({
      minLength: 12,
      maxLength: 256,
      description:
        'password of the admin user created on first start when no user exists (env TW_ADMIN_PASSWORD)',
    }),
  ),
  admin_username: Type.String({
    default: 'admin',
    pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$',
    description: 'name of the admin user created on first start',
  }),
  session_idle_timeout: Duration('30m', 'a dashboard session unused this long ends'),
  session_max_age: Duration('12h', 'a dashboard session ends this long after login, used or not'),
  login_max_failures_per_user: Type.Integer({
    default: 5,
    minimum: 1,
    description: 'failed logins per username within login_window before it is locked (429)',
  }),
  login_max_failures_per_ip: Type.Integer({
    default: 20,
    minimum: 1,
    description: 'failed logins per client IP within login_window before it is locked (429)',
  }),
  login_window: Duration('15m', 'failed-login counting window, and the lockout length'),
  credential_cache_ttl: Duration(
    '1s',
    'longest an API process trusts a verified key or session without the database (revocations drop it at once)',
  ),
  credential_cache_entries: Type.Integer({
    default: 10_000,
    minimum: 0,
    description: 'verified keys and sessions cached per API process (0 = off)',
  }),
});
