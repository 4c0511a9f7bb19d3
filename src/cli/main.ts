import { readFileSync } from 'node:fs';
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
  incidents      incident maintenance: retry-failed [--id X] takes incidents out of the triage dead letter
  audit          audit log: verify checks the hash chain (edited, missing or reordered rows)
  api-key        create, list or revoke API keys (create prints the key once)
  webhook-source manage webhook sources: add, list, rotate, retire, disable, enable, remove
  playbook       validate playbook YAML files (file:line:column: field: message per error)
  policy         validate guardrails policy YAML files (file:line:column: field: message per error)
  eval           measure an analyzer on a labelled dataset (accuracy, confusion matrix, calibration)

Options (every command):
  -c, --config <file>   YAML configuration (also TW_CONFIG); TW_* environment variables override it
  -h, --help            this help, or a command's help: triage-warden <command> --help
  -v, --version         the version (package.json), also \`triage-warden version\`

Environment: TW_PORT (8080), TW_HOST (127.0.0.1), TW_DATA_DIR (./data), TW_DATABASE_URL,
TW_DATABASE_REPLICA_URL, TW_REDIS_URL, TW_LOG_LEVEL, TW_ADMIN_API_KEY, TW_ADMIN_PASSWORD,
TW_SECTION__KEY for any config key (see docs/CONFIGURATION.md).

Every API route needs a credential: \`Authorization: Bearer tw_<prefix>_<secret>\` (an API key) or
the dashboard's session cookie. The first embedded start prints the admin's one-time password and
writes a local admin key to TW_DATA_DIR/admin-api-key.`,
  start: `triage-warden start [--config file] [--port n]

Runs API and orchestrator in one process. With no TW_DATABASE_URL it stores data with PGlite in
TW_DATA_DIR (./data); with no TW_REDIS_URL queue, events, cache and leader lock are in-process.
Listens on 127.0.0.1 unless TW_HOST says otherwise (containers set 0.0.0.0). Prints where the API,
the OpenAPI docs and the metrics are. On the first start with a fresh data folder it creates the
admin user, prints its one-time password (TW_ADMIN_PASSWORD sets it instead) and writes a local
admin API key to TW_DATA_DIR/admin-api-key (mode 0600). SIGTERM/SIGINT stop it gracefully.`,
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
and the generic format to a running instance, then waits for their verdicts and prints them. Without
--url it sends to the embedded server running on TW_DATA_DIR (its TW_DATA_DIR/server.json), else to
http://127.0.0.1:TW_PORT.
Secrets come from the configuration, or from TW_DATA_DIR/webhook-secrets.json in embedded mode; the
incidents are read with TW_ADMIN_API_KEY, or the local admin key in TW_DATA_DIR/admin-api-key.`,
  incidents: `triage-warden incidents retry-failed [--id <incident id>] [--config file]

Takes dead-lettered incidents (triage given up after triage.max_attempts failures) out of the dead
letter: all of them, or the one given with --id. Opens the configured database directly, as migrate
does; the leader's reconciler enqueues them on its next pass. In embedded mode stop the server first
(one process per PGlite data folder), or call POST /api/v1/incidents/retry-failed instead.`,
  audit: `triage-warden audit verify [--config file]

Walks the audit log's hash chain from its anchor (the oldest retained row; retention.audit moves it)
to its head, recomputing every row's SHA-256. Prints OK with the row count, or the first row that was
edited, is missing or is out of order, with exit code 1. Opens the configured database directly, as
migrate does; in embedded mode stop the server first (one process per PGlite data folder). See
docs/AUDIT.md.`,
  'api-key': `triage-warden api-key create --name <name> --role admin|analyst|viewer [--expires 30d] [--scopes a,b]
triage-warden api-key list
triage-warden api-key revoke <id|prefix>

Manages API keys (used as \`Authorization: Bearer tw_<prefix>_<secret>\`). \`create\` prints the key
once; only its hash is stored. Works whether or not the server runs: it opens the database directly,
except in embedded mode while \`start\` holds the data folder, when it calls that server's API
(http://127.0.0.1:TW_PORT, or --url) with the local admin key from TW_DATA_DIR/admin-api-key or
TW_ADMIN_API_KEY. A revoked key is refused by every API process within a second.`,
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
  playbook: `triage-warden playbook validate <file|folder>...

Compiles each playbook document (a folder: its *.yaml and *.yml files) exactly as the server does
and prints \`ok <name> <file>\`, or one \`file:line:column: field: message\` line per error. Needs no
database or running server; exit code 1 when any document is invalid. See docs/PLAYBOOKS.md.`,
  policy: `triage-warden policy validate <file>...

Compiles each guardrails policy document exactly as the server does and prints \`ok <file>\` with a
summary, or one \`file:line:column: field: message\` line per error. Needs no database or running
server; exit code 1 when any document is invalid. See docs/POLICY.md.`,
  eval: `triage-warden eval --dataset FILE.jsonl [--analyzer deterministic|llm] [--report FILE.json] [--split tune|holdout|all]

Runs every case of a labelled JSONL dataset as triage would (the webhook's parser for the case's
source, offline intel seeded from the case, enrichment, the analyzer) and prints accuracy, per-class
precision/recall/F1, the confusion matrix, the calibration table with its expected calibration error,
and the malicious→benign miss rate: for the selected cases and for each split (tune, holdout).
--report writes those figures and every case's expected and predicted verdict as JSON. A bad line is
reported with its line number and reason (exit 2). Needs no database. The shipped set is
eval/dataset.jsonl; docs/ANALYZER.md describes the format and the figures.`,
};

/** The version in package.json (two levels up from src/cli/ and from dist/cli/ alike). */
function version(): string {
  const file = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

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
      name: { type: 'string' },
      role: { type: 'string' },
      expires: { type: 'string' },
      scopes: { type: 'string' },
      'no-wait': { type: 'boolean' },
      id: { type: 'string' },
      secret: { type: 'string' },
      unsigned: { type: 'boolean' },
      'no-require-timestamp': { type: 'boolean' },
      'rate-limit': { type: 'string' },
      dataset: { type: 'string' },
      analyzer: { type: 'string' },
      report: { type: 'string' },
      split: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  const command = positionals[0];
  if (values.version || command === 'version') {
    console.log(`triage-warden ${version()}`);
    return 0;
  }
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
    case 'incidents':
      return (await import('./incidents.command.ts')).runIncidents(config, log, {
        action: positionals[1],
        ...(values.id ? { id: values.id } : {}),
      });
    case 'audit':
      return (await import('./audit.command.ts')).runAudit(config, log, { action: positionals[1] });
    case 'api-key':
      return (await import('./api-key.command.ts')).runApiKey(config, {
        action: positionals[1],
        target: positionals[2],
        name: values.name,
        role: values.role,
        expires: values.expires,
        scopes: values.scopes,
        url: values.url,
      });
    case 'eval':
      return (await import('./eval.command.ts')).runEval(config, {
        dataset: values.dataset,
        analyzer: values.analyzer,
        report: values.report,
        split: values.split,
      });
    case 'demo':
      return (await import('./demo.command.ts')).runDemo(config, {
        ...(values.url ? { url: values.url } : {}),
        wait: !values['no-wait'],
      });
    case 'policy':
      return (await import('./policy.command.ts')).runPolicy({
        action: positionals[1],
        paths: positionals.slice(2),
      });
    case 'playbook':
      return (await import('./playbook.command.ts')).runPlaybook({
        action: positionals[1],
        paths: positionals.slice(2),
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
