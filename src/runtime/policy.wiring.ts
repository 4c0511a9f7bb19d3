import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { SqlActionStore, SqlIncidentStore, SqlPolicyStore, type SqlDatabase } from '../adapters/sql/index.ts';
import type { Config } from '../config/index.ts';
import { CachedPolicyProvider, PolicyService, compilePolicyDocument } from '../core/response/policy/index.ts';
import type { EventBus, Logger } from '../ports/index.ts';

/** The shipped guardrails (next to src/ and dist/ alike: both are two levels below the root). */
export const BUILTIN_POLICY_FILE = fileURLToPath(new URL('../../policies/guardrails.yaml', import.meta.url));

export interface PolicyWiring {
  /** The active policy, cached per process (PolicyProvider). */
  provider: CachedPolicyProvider;
  /** Management and dry runs (the /policies routes). */
  service: PolicyService;
  stop(): void;
}

/**
 * Guardrails for one process (docs/POLICY.md): at start, `response.policy_file` (or, when no version
 * is stored yet, the built-in policies/guardrails.yaml) is stored as a new version when it changed;
 * concurrent starters store it once. An invalid file stops the start with file:line:column errors.
 * Rate limits count from the actions table through the action store (the executor's claim counts alike).
 */
export async function createPolicy(
  config: Config,
  database: SqlDatabase,
  bus: EventBus,
  log: Logger,
  opts: { killSwitchActive?: () => boolean } = {},
): Promise<PolicyWiring> {
  const plog = log.child({ component: 'policy' });
  const file = config.response.policy_file;
  const path = file ?? BUILTIN_POLICY_FILE;
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(
      `response.policy_file ${path} is not readable: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  const compiled = compilePolicyDocument(source, path);
  if (!compiled.ok) {
    const lines = compiled.errors
      .slice(0, 10)
      .map((e) => `${e.file}:${e.line}:${e.column} ${e.field} ${e.message}`);
    throw new Error(`guardrails policy invalid:\n${lines.join('\n')}`);
  }
  const store = new SqlPolicyStore(database);
  const loaded = await store.sync(source, file ? 'file' : 'builtin', `system:${config.server.instance_id}`);
  plog.info(
    { result: loaded.result, version: loaded.version, from: file ? 'file' : 'builtin' },
    'guardrails policy loaded',
  );

  const provider = new CachedPolicyProvider({
    store,
    bus,
    log: plog,
    pollMs: Math.max(100, config.response.policy_poll),
  });
  await provider.start();
  const actions = new SqlActionStore(database);
  const service = new PolicyService({
    store,
    provider,
    bus,
    log: plog,
    counts: (type) => actions.counts(type),
    incidents: new SqlIncidentStore(database),
    killSwitchActive: opts.killSwitchActive ?? (() => false),
    // The schema's union of literals is typed loosely by TypeBox; the value is validated at load.
    mode: config.response.mode,
  });
  return { provider, service, stop: () => provider.stop() };
}
