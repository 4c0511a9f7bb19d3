import * as client from 'openid-client';
import { AppError } from '../../contracts/index.ts';
import type { OidcIdentity, OidcLoginChecks, OidcLoginPort } from '../../core/identity/oidc-login.port.ts';
import type { Logger } from '../../ports/index.ts';
import { toAppError } from './oidc.errors.ts';

export interface OpenIdClientOptions {
  /** Issuer identifier; discovery reads `<issuer>/.well-known/openid-configuration`. */
  issuerUrl: string;
  clientId: string;
  /** Confidential client secret (the usual setup for a server-side app). */
  clientSecret?: string;
  /** Our callback URL exactly as registered at the provider. */
  redirectUrl: string;
  /** Space-separated scopes (default `openid email profile groups`). */
  scopes?: string;
  /** How the client authenticates at the token endpoint (default `client_secret_basic`). */
  tokenAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Per-request timeout towards the provider, ms (default 10 000). */
  timeoutMs?: number;
  log: Logger;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * The OpenID Connect relying party on `openid-client` (authorization code + PKCE S256 + nonce).
 * Discovery runs at start and again on demand until it succeeds: while the provider is down every
 * login answers SERVICE_UNAVAILABLE, and the first login after it is back works. Holds no
 * per-login state (that travels in the caller's cookie), so any replica can finish any login.
 */
export class OpenIdClientLogin implements OidcLoginPort {
  readonly #opts: OpenIdClientOptions;
  #config: client.Configuration | undefined;
  /** One discovery at a time: concurrent logins during an outage share the attempt. */
  #discovering: Promise<client.Configuration> | undefined;

  constructor(options: OpenIdClientOptions) {
    this.#opts = options;
  }

  /** Runs discovery now; a failure is logged, not thrown (logins retry it). */
  async start(): Promise<void> {
    try {
      await this.#configuration();
      this.#opts.log.info({ issuer: this.#opts.issuerUrl }, 'oidc: provider discovered');
    } catch {
      // #discover logged why; logins answer 503 until the provider answers.
    }
  }

  async begin(): Promise<{ url: URL; checks: OidcLoginChecks }> {
    const config = await this.#configuration();
    const checks: OidcLoginChecks = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: client.randomPKCECodeVerifier(),
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.#opts.redirectUrl,
      scope: this.#opts.scopes ?? 'openid email profile groups',
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
      state: checks.state,
      nonce: checks.nonce,
    });
    return { url, checks };
  }

  async finish(callbackQuery: URLSearchParams, checks: OidcLoginChecks): Promise<OidcIdentity> {
    const config = await this.#configuration();
    // The callback URL is rebuilt from configuration, never from the request's Host header.
    const currentUrl = new URL(this.#opts.redirectUrl);
    currentUrl.search = callbackQuery.toString();
    try {
      const tokens = await client.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) throw new AppError('UNAUTHORIZED', 'the identity provider sent no ID token');
      const claims: Record<string, unknown> = { ...idClaims };
      // Providers keep scope claims (groups, email) out of the ID token when an access token can
      // fetch them (oidc-provider, Okta without a groups claim rule): userinfo fills what is missing.
      if (config.serverMetadata().userinfo_endpoint && tokens.access_token) {
        const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        for (const [key, value] of Object.entries(info)) if (!(key in claims)) claims[key] = value;
      }
      return {
        issuer: idClaims.iss,
        subject: idClaims.sub,
        ...(typeof claims.email === 'string' ? { email: claims.email } : {}),
        ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
        claims,
      };
    } catch (err) {
      throw toAppError(err, 'callback');
    }
  }

  async #configuration(): Promise<client.Configuration> {
    if (this.#config) return this.#config;
    this.#discovering ??= this.#discover().finally(() => {
      this.#discovering = undefined;
    });
    return this.#discovering;
  }

  async #discover(): Promise<client.Configuration> {
    const o = this.#opts;
    const issuer = new URL(o.issuerUrl);
    const auth =
      o.tokenAuthMethod === 'client_secret_post'
        ? client.ClientSecretPost(o.clientSecret)
        : client.ClientSecretBasic(o.clientSecret);
    try {
      this.#config = await client.discovery(
        issuer,
        o.clientId,
        { client_secret: o.clientSecret, redirect_uris: [o.redirectUrl], response_types: ['code'] },
        o.clientSecret ? auth : client.None(),
        {
          timeout: Math.max(1, Math.ceil((o.timeoutMs ?? 10_000) / 1000)),
          // Plain HTTP only towards a provider on this machine (tests, local development).
          ...(issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname)
            ? { execute: [client.allowInsecureRequests] }
            : {}),
        },
      );
      return this.#config;
    } catch (err) {
      this.#opts.log.warn(
        { issuer: o.issuerUrl, reason: failureReason(err) },
        'oidc: discovery failed; SSO logins answer 503 until it succeeds',
      );
      throw toAppError(err, 'discovery');
    }
  }
}

/**
 * Why discovery failed, for the operator: the library's code (`OAUTH_…`, e.g. an issuer that does
 * not match its own metadata) or the network error code (`ECONNREFUSED`, `ENOTFOUND`).
 */
function failureReason(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | null;
  for (const c of [e?.code, e?.cause?.code, e?.name]) {
    if (typeof c === 'string' && /^[A-Za-z_]{1,64}$/.test(c)) return c;
  }
  return 'unknown';
}
