import type { ConnectorDeps } from '../../../ports/action-connector.port.ts';
import { ClientCredentialsToken } from './oauth-token.ts';
import { VendorClient } from './vendor-client.ts';
import { base, shown, str } from './vendor-http.ts';

export const LOGIN_URL = 'https://login.microsoftonline.com';
export const GRAPH_URL = 'https://graph.microsoft.com';

/** The Microsoft settings every Entra-authenticated kind shares. */
export const MICROSOFT_SETTINGS = [
  { name: 'tenant_id', required: true, description: 'Entra tenant id (GUID) or primary domain' },
  {
    name: 'login_url',
    required: false,
    default: LOGIN_URL,
    description: 'Entra token endpoint base (sovereign clouds: https://login.microsoftonline.us …)',
  },
] as const;

export const MICROSOFT_SECRETS = [
  { name: 'client_id', required: true, description: 'application (client) id of the app registration' },
  { name: 'client_secret', required: true, description: 'client secret of the app registration' },
] as const;

/**
 * A client for one Microsoft API with Entra client-credentials tokens
 * (`POST {login_url}/{tenant}/oauth2/v2.0/token`, scope `<resource>/.default`).
 */
export function microsoftClient(
  vendor: string,
  resource: string,
  config: Record<string, unknown>,
  secrets: Record<string, string>,
  deps: ConnectorDeps,
): { client: VendorClient; tokenRequest: Record<string, unknown> } {
  const tokenUrl = `${base(str(config, 'login_url', LOGIN_URL))}/${encodeURIComponent(str(config, 'tenant_id'))}/oauth2/v2.0/token`;
  const token = new ClientCredentialsToken(deps.http, {
    vendor,
    tokenUrl,
    clientId: secrets.client_id ?? '',
    clientSecret: secrets.client_secret ?? '',
    scope: `${base(resource)}/.default`,
    now: deps.now,
  });
  const client = new VendorClient(deps.http, vendor, {
    headers: async (signal) => {
      const t = await token.get(signal);
      return t.ok ? { ok: true, headers: { authorization: `Bearer ${t.token}` } } : t;
    },
    invalidate: () => token.invalidate(),
  });
  return {
    client,
    tokenRequest: shown({
      method: 'POST',
      url: tokenUrl,
      body: `grant_type=client_credentials&client_id=[redacted]&client_secret=[redacted]&scope=${base(resource)}/.default`,
    }),
  };
}

/** An OData string literal: single quotes doubled. */
export const odata = (v: string) => `'${v.replace(/'/g, "''")}'`;
