import type { Config } from '../config/index.ts';
import { selectedModes } from '../config/index.ts';
import type { PinoLogger } from '../observability/logger.ts';
import { startPhase } from '../observability/start-phases.ts';
import { createRuntime, type Role } from '../runtime/runtime.ts';
import { removeServerUrl, writeServerUrl } from './server-url.ts';

/**
 * The human banner goes to stdout only when that is a terminal; otherwise to stderr, so that a
 * piped or collected stdout carries the JSON logs and nothing else.
 */
function banner(lines: string[]): void {
  (process.stdout.isTTY ? process.stdout : process.stderr).write(lines.join('\n') + '\n');
}

/** Runs a role until SIGTERM/SIGINT, then shuts down gracefully within server.shutdown_grace. */
export async function runServer(config: Config, role: Role, log: PinoLogger): Promise<number> {
  startPhase(log, 'modules loaded, configuration read');
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection'));
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception; exiting');
    process.exit(1);
  });
  // BullMQ and ioredis are loaded only when Redis is configured (embedded `start` never needs them).
  const runtime = await createRuntime(config, role, log, {
    redisTransports: async (c, l) =>
      (await import('../runtime/redis-transports.ts')).createRedisTransports(c, l),
  });
  await runtime.start();
  const modes = selectedModes(config);
  const url = runtime.url!;
  const bound = runtime.boundAddress ?? url;
  log.info({ url, bound, role, ...modes }, 'triage-warden started');
  const embedded = modes.database === 'pglite' && !config.data_dir.startsWith('memory://');
  if (embedded && role !== 'orchestrator') writeServerUrl(config.data_dir, url);
  if (role !== 'orchestrator') {
    banner(
      [
        `Triage Warden (${role}) is up — storage: ${modes.database}, transport: ${modes.transport}`,
        `  Listening on ${bound}${/^(127\.|\[::1\]|localhost)/.test(bound) ? ' (this machine only; set TW_HOST=0.0.0.0 to expose it)' : ''}`,
        `  Web UI:   ${url}/ (the analyst dashboard)`,
        `  API:      ${url}/api/v1/incidents`,
        `  Webhooks: ${url}/api/v1/webhooks/<source>`,
        `  Stream:   ${url.replace(/^http/, 'ws')}/api/v1/stream`,
        `  OpenAPI:  ${url}/docs (JSON: ${url}/api/v1/openapi.json)`,
        `  Metrics:  ${url}/metrics   Health: ${url}/live ${url}/ready`,
        modes.database === 'pglite' ? `  Data:     ${config.data_dir}` : '',
      ].filter(Boolean),
    );
    const first = runtime.firstStart;
    if (first?.password) {
      // Printed once, on the first start only: it is stored nowhere but as a hash.
      banner([
        '',
        `  First start: admin user "${first.username}", one-time password: ${first.password}`,
        '  (shown only now; change it with PATCH /api/v1/users/<id> or create more users as admin)',
      ]);
    }
    if (modes.database === 'pglite')
      banner([`  API key:  local admin key in ${config.data_dir}/admin-api-key (used by \`npm run demo\`)`]);
  }
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      log.info({ signal }, 'signal received; draining');
      const hard = setTimeout(
        () => {
          log.error('shutdown exceeded the grace period; exiting');
          process.exit(1);
        },
        config.server.shutdown_grace + config.server.drain_delay + 5000,
      );
      hard.unref();
      if (embedded) removeServerUrl(config.data_dir);
      runtime.stop().then(resolve, (err) => {
        log.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  return 0;
}
