import type { onRequestHookHandler } from 'fastify';
import { selectedModes, type Config } from '../../config/index.ts';
import { AppError } from '../../contracts/index.ts';
import { isLoopback } from '../server-options.ts';
import type { AccessPolicy } from './access.ts';

export type DocsExposure = 'public' | 'authenticated' | 'off';

/**
 * `server.docs`, with `auto` resolved: public for an embedded install listening on loopback only
 * (a laptop), authenticated anywhere else.
 */
export function docsExposure(config: Config): DocsExposure {
  const setting = config.server.docs;
  if (setting !== 'auto') return setting;
  return selectedModes(config).database === 'pglite' && isLoopback(config.server.host)
    ? 'public'
    : 'authenticated';
}

/**
 * The Swagger UI hook for `authenticated`: any valid credential (session cookie or API key) opens
 * the docs; none gives 401. A policy that lets anonymous callers do everything (the open policy)
 * lets them read the docs too.
 */
export function requireCredential(access: AccessPolicy): onRequestHookHandler {
  return async (request) => {
    const principal = await access.authenticate(request);
    if (!principal || (principal.kind === 'anonymous' && principal.permissions !== 'all'))
      throw new AppError('UNAUTHORIZED', 'the API docs need a credential (log in or send a bearer API key)');
    request.principal = principal;
  };
}
