/**
 * What a login round trip must remember between the redirect to the identity provider and the
 * callback. It travels in an encrypted cookie, never in one replica's memory.
 */
export interface OidcLoginChecks {
  state: string;
  nonce: string;
  /** PKCE code verifier (its S256 challenge went to the provider). */
  codeVerifier: string;
}

/** Who the identity provider says logged in, after every check passed. */
export interface OidcIdentity {
  /** The provider's issuer identifier (from discovery, verified against the ID token). */
  issuer: string;
  /** `sub`: stable per issuer. */
  subject: string;
  email?: string;
  name?: string;
  /** ID token claims, completed by userinfo claims the ID token did not carry (groups included). */
  claims: Record<string, unknown>;
}

/**
 * The OpenID Connect relying party (authorization code flow with PKCE). Failures are AppErrors:
 * SERVICE_UNAVAILABLE when the provider cannot be reached (discovery, token endpoint), UNAUTHORIZED
 * when the provider refused the login or a response failed a check (state, nonce, signature,
 * issuer, audience, PKCE). Messages are fixed strings: nothing from the request is echoed.
 */
export interface OidcLoginPort {
  /** Builds the authorization request: the provider URL to redirect to, and the checks to keep. */
  begin(): Promise<{ url: URL; checks: OidcLoginChecks }>;
  /** Validates the callback's query against `checks`, redeems the code and returns the identity. */
  finish(callbackQuery: URLSearchParams, checks: OidcLoginChecks): Promise<OidcIdentity>;
}

/** OAuth 2.0 / OIDC error codes a provider may send (RFC 6749 §4.1.2.1, §5.2; OIDC Core §3.1.2.6). */
const OAUTH_ERRORS = new Set([
  'invalid_request',
  'unauthorized_client',
  'access_denied',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
  'invalid_client',
  'invalid_grant',
  'unsupported_grant_type',
  'interaction_required',
  'login_required',
  'account_selection_required',
  'consent_required',
  'invalid_request_uri',
  'invalid_request_object',
  'request_not_supported',
  'request_uri_not_supported',
  'registration_not_supported',
]);

/**
 * An OAuth error code safe to log and to return in `details.reason`: one of the registered codes,
 * else `other` (the `error` query parameter of a callback is whatever the caller typed).
 */
export function safeOAuthError(value: unknown): string {
  return typeof value === 'string' && OAUTH_ERRORS.has(value) ? value : 'other';
}
