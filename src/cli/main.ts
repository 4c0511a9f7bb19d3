import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../config/index.ts';
import { compiledRoot, staleSource } from './build-check.ts';

const HELP: Record<string, string> = {
  main: `triage-warden — security alert triage

Usage: triage-warden <command> [options]

Commands:
  start          all roles in one process (embedded PGlite + in-process queue unless configured)
  api            API server only (REST, webhooks, WebSocket, /metrics); needs PostgreSQL + Redis
  orchestrator   worker only (triage queue, leader jobs, /live /ready /metrics); needs PostgreSQL + Redis
  migrate        apply database migrations and exit
  demo           send a handful of realistic vendor alerts to a running instance and show the verdicts
  webhook-source manage webhook sources: add, list, rotate, retire, disable, enable, remove

Options (every command):
  -c, --config <file>   YAML configuration (also TW_CONFIG); TW_* environment variables override it
  -h, --help            this help, or a command's help: triage-warden <command> --help

Environment: TW_PORT (8080), TW_DATA_DIR (./data), TW_DATABASE_URL, TW_DATABASE_REPLICA_URL,
TW_REDIS_URL, TW_LOG_LEVEL, TW_SECTION__KEY for any config key (see docs/CONFIGURATION.md).`,
  start: `triage-warden start [--config file] [--port n]

Runs API and orchestrator in one process. With no TW_DATABASE_URL it stores data with PGlite in
TW_DATA_DIR (./data); with no TW_REDIS_URL queue, events, cache and leader lock are in-process.
Prints where the API, the OpenAPI docs and the metrics are. SIGTERM/SIGINT stop it gracefully.`,
  api: `triage-warden api [--config file] [--port n]

Stateless API server: REST under /api/v1, webhooks, the /api/v1/stream WebSocket, /live, /ready,
/metrics. Needs TW_DATABASE_URL (PostgreSQL) and TW_REDIS_URL (Redis).`,
  orchestrator: `triage-warden orchestrator [--config file] [--port n]

Consumes the triage queue with bounded concurrency (orchestrator.concurrency), takes part in leader
election and runs leader-only jobs (reconciler, cluster metrics, housekeeping). Serves /live, /ready
and /metrics on TW_PORT. Needs TW_DATABASE_URL and TW_REDIS_URL.`,
  migrate: `triage-warden migrate [--config file]

Applies pending migrations to the configured database (TW_DATABASE_DIRECT_URL when set, so that
PgBouncer is bypassed) and exits. Running it twice is harmless.`,
  demo: `triage-warden demo [--url http://127.0.0.1:8080] [--no-wait]

Sends signed alerts in the formats of CrowdStrike, Splunk, Microsoft Graph, GuardDuty, Okta, Elastic
and the generic format to a running instance, then waits for their verdicts and prints them.
Secrets come from the configuration, or from TW_DATA_DIR/webhook-secrets.json in embedded mode.`,
  'webhook-source': `triage-warden webhook-source <action> [source] [options]

  add <source> [--secret s] [--unsigned] [--no-require-timestamp] [--rate-limit n]
                 create a managed source; without --secret a random one is generated and printed once
  list           every source and where it comes from (config, database, local)
  rotate <source> [--secret s]
                 new secret (printed once); the previous one stays valid for webhooks.rotation_grace
  retire <source>   stop accepting the previous secret now
  disable <source> | enable <source> | remove <source>

Works on the configured database directly (like migrate); embedded mode needs the server stopped
(it holds the data folder). Secrets are stored encrypted with webhooks.encryption_key
(TW_WEBHOOKS__ENCRYPTION_KEY), or in embedded mode a key generated into TW_DATA_DIR. Running servers
pick a change up within about a second.`,
};

async function main(argv: string[]): Promise<number> {
  // The compiled build (dist/) must not run behind the sources it was built from (a development
  // tree; an image ships dist/ without src/). The tsx entry, bin/triage-warden.js, never uses dist/.
  const built = compiledRoot(import.meta.url);
  const stale = built && staleSource(built, join(dirname(built), 'src'));
  if (stale) {
    console.error(
      `triage-warden: the compiled build in ${built} is older than ${stale}. Run \`npm run build\`, ` +
        'or run the sources with `node bin/triage-warden.js`.',
    );
    return 2;
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      url: { type: 'string' },
      'no-wait': { type: 'boolean' },
      secret: { type: 'string' },
      unsigned: { type: 'boolean' },
      'no-require-timestamp': { type: 'boolean' },
      'rate-limit': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (!command || command === 'help') {
    console.log(HELP.main);
    return command ? 0 : values.help ? 0 : 1;
  }
  if (!HELP[command] || command === 'main') {
    console.error(`unknown command: ${command}\n\n${HELP.main}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP[command]);
    return 0;
  }

  // Configuration, logging and the commands are loaded on demand: `--help` stays instant.
  const { ConfigError, loadConfig, selectedModes } = await import('../config/index.ts');
  let config: Config;
  try {
    config = loadConfig({
      ...(values.config ? { file: values.config } : {}),
      ...(values.port ? { overrides: { server: { port: values.port } } } : {}),
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`triage-warden: ${err.message}`);
      return 2;
    }
    throw err;
  }

  if (command === 'api' || command === 'orchestrator') {
    const modes = selectedModes(config);
    const missing = [
      modes.database !== 'postgres' ? 'TW_DATABASE_URL (database.primary_url) for PostgreSQL' : null,
      modes.transport !== 'redis' ? 'TW_REDIS_URL (redis.url) for Redis' : null,
    ].filter(Boolean);
    if (missing.length) {
      console.error(
        `triage-warden ${command}: the ${command} role runs in distributed mode and needs ${missing.join(' and ')}.\n` +
          'For a single process with embedded storage, run `triage-warden start`.',
      );
      return 2;
    }
  }
  const role = command === 'start' ? 'all' : command;
  const { createLogger } = await import('../observability/logger.ts');
  const log = createLogger({ level: config.logging.level, instance: config.server.instance_id, role });
  // A command's modules are loaded on demand: config errors should not pay for the whole runtime.
  switch (command) {
    case 'migrate':
      return (await import('./migrate.command.ts')).runMigrate(config, log);
    case 'demo':
      return (await import('./demo.command.ts')).runDemo(config, {
        ...(values.url ? { url: values.url } : {}),
        wait: !values['no-wait'],
      });
    case 'webhook-source':
      return (await import('./webhook-source.command.ts')).runWebhookSource(config, log, {
        action: positionals[1],
        name: positionals[2],
        ...(values.secret !== undefined ? { secret: values.secret } : {}),
        ...(values.unsigned ? { unsigned: true } : {}),
        ...(values['no-require-timestamp'] ? { noRequireTimestamp: true } : {}),
        ...(values['rate-limit'] !== undefined ? { rateLimit: values['rate-limit'] } : {}),
      });
    default:
      return (await import('./serve.command.ts')).runServer(
        config,
        role as 'all' | 'api' | 'orchestrator',
        log,
      );
  }
}

/** Exit explicitly: pools and reconnecting clients left by a failed start must not keep us alive. */
function exit(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 50).unref();
}

main(process.argv.slice(2)).then(exit, (err) => {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`triage-warden: ${message}`);
  exit((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1);
});
