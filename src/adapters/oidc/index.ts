export { OpenIdClientLogin } from './oidc.client.ts';
export type { OpenIdClientOptions } from './oidc.client.ts';
export { toAppError } from './oidc.errors.ts';
