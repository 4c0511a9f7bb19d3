import { TokenIssuer, form, type VendorAnswer, type VendorRequest } from './fake-vendor.ts';

/** Graph / Defender error envelope. */
export const msError = (status: number, code: string, message: string): VendorAnswer => ({
  status,
  body: { error: { code, message } },
});

/**
 * The Microsoft identity platform's client-credentials endpoint for one tenant:
 * `POST /{tenant}/oauth2/v2.0/token` (form grant_type, client_id, client_secret, scope), answering
 * `{token_type, expires_in, access_token}`; 401 `invalid_client` for a wrong secret, 400
 * `invalid_scope` when the scope is not `<resource>/.default`.
 */
export function microsoftLogin(options: {
  tenant: string;
  clientId: string;
  clientSecret: string;
  scope: string;
}) {
  const tokens = new TokenIssuer(options.clientId, options.clientSecret, 3599);
  return {
    tokens,
    /** The token answer when `r` is a token request for the tenant, else undefined. */
    handle(r: VendorRequest): VendorAnswer | undefined {
      if (r.method !== 'POST' || r.path !== `/${options.tenant}/oauth2/v2.0/token`) return undefined;
      if (form(r).get('scope') !== options.scope)
        return { status: 400, body: { error: 'invalid_scope', error_description: 'AADSTS70011' } };
      return tokens.issue(r);
    },
  };
}

/** Finds `<field> eq '<value>'` in an OData $filter (quotes doubled inside the literal). */
export function odataEq(filter: string | null, field: string): string | undefined {
  const m = new RegExp(`^${field} eq '((?:[^']|'')*)'$`).exec(filter ?? '');
  return m ? m[1]!.replace(/''/g, "'") : undefined;
}
