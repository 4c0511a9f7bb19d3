import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { SqlPlaybookStore, SqlSlaStore, type SqlDatabase } from '../adapters/sql/index.ts';
import type { Config } from '../config/index.ts';
import { readPlaybookFolder, type PlaybookFile } from '../core/playbooks/playbook.folder.ts';
import type { PlaybookSource } from '../core/playbooks/playbook.model.ts';
import { PlaybookService } from '../core/playbooks/playbook.service.ts';
import { SlaCheck, type SlaTelemetry } from '../core/playbooks/sla.check.ts';
import type { EventBus, Logger } from '../ports/index.ts';

/** The shipped built-ins (next to src/ and dist/ alike: both are two levels below the root). */
export const BUILTIN_PLAYBOOKS_DIR = fileURLToPath(new URL('../../playbooks/builtin/', import.meta.url));
/** The built-in that drives incidents no other playbook matches. */
export const FALLBACK_PLAYBOOK = 'generic';

export interface PlaybooksWiring {
  /** Management (the /playbooks routes) and selection. */
  service: PlaybookService;
  /** What the triage pipeline asks for an incident's playbook (`service.catalog`). */
  source: PlaybookSource;
  /** The leader job (LeaderJobsDeps.sla). */
  sla: { intervalMs: number; run(): Promise<unknown> };
  /** What the start-up load did with each playbook (inserted, updated, unchanged, shadowed). */
  loaded: Record<string, string>;
  stop(): void;
}

/**
 * Playbooks for one process: the built-ins and `playbooks.dir` loaded into the database (every
 * process does it at start; the upserts make concurrent starts safe), the service that manages and
 * selects them (its compiled set follows `playbook_changed` events), and the SLA check for the
 * leader. A folder file that does not validate is logged with file:line and skipped.
 */
export async function createPlaybooks(
  config: Config,
  database: SqlDatabase,
  bus: EventBus,
  log: Logger,
  telemetry: SlaTelemetry,
): Promise<PlaybooksWiring> {
  const plog = log.child({ component: 'playbooks' });
  const builtin = await readPlaybookFolder(BUILTIN_PLAYBOOKS_DIR, 'builtin');
  if (builtin.errors.length) {
    const e = builtin.errors[0]!;
    throw new Error(`built-in playbook invalid: ${e.file}:${e.line} ${e.field}: ${e.message}`);
  }
  const fallback = builtin.files.find((f) => f.definition.name === FALLBACK_PLAYBOOK)?.definition;
  if (!fallback)
    throw new Error(`built-in playbook ${FALLBACK_PLAYBOOK} missing from ${BUILTIN_PLAYBOOKS_DIR}`);

  const byName = new Map<string, PlaybookFile>(builtin.files.map((f) => [f.definition.name, f]));
  const dir = config.playbooks.dir;
  if (dir) {
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) throw new Error(`playbooks.dir ${dir} is not a readable folder`);
    const folder = await readPlaybookFolder(dir);
    for (const e of folder.errors)
      plog.error(
        { file: e.file, line: e.line, column: e.column, field: e.field },
        `playbook skipped: ${e.message}`,
      );
    // A folder file replaces the built-in of the same name.
    for (const f of folder.files) byName.set(f.definition.name, f);
  }

  const service = new PlaybookService({
    store: new SqlPlaybookStore(database),
    bus,
    log: plog,
    fallback,
    builtinNames: new Set(builtin.files.map((f) => f.definition.name)),
    cacheTtlMs: config.playbooks.cache_ttl,
  });
  const loaded = await service.sync([...byName.values()], `system:${config.server.instance_id}`);
  const changed = Object.entries(loaded).filter(([, r]) => r !== 'unchanged');
  plog.info(
    { playbooks: Object.keys(loaded).length, changed: Object.fromEntries(changed) },
    'playbooks loaded',
  );
  for (const [name, r] of changed)
    if (r === 'shadowed')
      plog.warn({ playbook: name }, 'a playbook created through the API has this name: the file is ignored');
  // Not awaited: a bus that is not reachable yet must not hold the start (the TTL bounds staleness).
  void service.catalog.start();

  const check = new SlaCheck({
    store: new SqlSlaStore(database),
    playbooks: service.catalog,
    bus,
    log: plog,
    telemetry,
  });
  return {
    service,
    source: service.catalog,
    sla: { intervalMs: config.playbooks.sla_check_interval, run: () => check.run() },
    loaded,
    stop: () => service.catalog.stop(),
  };
}
