import type { FastifyRequest } from 'fastify';
import type { Config } from '../../src/config/index.ts';
import { AppError } from '../../src/contracts/index.ts';
import type { AccessPolicy, Permission, Principal } from '../../src/api/plugins/access.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.ts';
import type { Transports } from '../../src/runtime/transports.ts';
import { TEST_ADMIN_KEY } from './auth.ts';

/** A second credential, with read access only (a viewer). */
export const TEST_VIEWER_KEY = 'tw_testviewer_0123456789abcdefghijklmnopqrs';

/**
 * The access policy the edge tests run under, shaped like the real one: the test admin key holds
 * every permission, the viewer key `incidents:read` and `stream:read`, a webhook without a bearer
 * passes to its route (which checks the HMAC), anything else is 401.
 */
export const TEST_ACCESS: AccessPolicy = {
  async authenticate(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization ?? '';
    if (header === `Bearer ${TEST_ADMIN_KEY}`)
      return { id: 'test-admin', kind: 'api_key', permissions: 'all' };
    if (header === `Bearer ${TEST_VIEWER_KEY}`)
      return {
        id: 'test-viewer',
        kind: 'api_key',
        permissions: new Set<Permission>(['authenticated', 'incidents:read', 'stream:read']),
      };
    // Webhooks prove themselves with their HMAC signature, in the route.
    if (!header && request.routeOptions.config.permission === 'webhooks:ingest')
      return { id: 'webhook', kind: 'webhook', permissions: new Set<Permission>(['webhooks:ingest']) };
    throw new AppError('UNAUTHORIZED', 'a valid credential is required');
  },
};

/** A runtime (not listening unless asked) under {@link TEST_ACCESS}. */
export async function edgeRuntime(
  config: Config,
  options: { listen?: boolean; transports?: Transports } = {},
): Promise<Runtime> {
  const log = createLogger({ level: config.logging.level, instance: 'test', role: 'all' });
  const runtime = await createRuntime(config, 'all', log, {
    access: TEST_ACCESS,
    ...(options.transports ? { transports: options.transports } : {}),
  });
  await runtime.start({ listen: options.listen ?? false });
  return runtime;
}
