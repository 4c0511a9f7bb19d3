import type { ActionType } from '../../contracts/index.ts';
import type { LoadedConnector } from '../../core/response/connectors.service.ts';
import type {
  ActionConnector,
  ConnectorDirectory,
  ConnectorKind,
  ConnectorResult,
  OutboundHttp,
} from '../../ports/action-connector.port.ts';
import type { EventBus, Logger } from '../../ports/index.ts';

/** Counts connector calls by kind and outcome (both fixed vocabularies: tw_connector_calls_total). */
export interface ConnectorCallCounter {
  inc(labels: { connector_kind: string; outcome: string }): void;
}

export interface DirectoryDeps {
  /** The stored connectors with credentials opened (ConnectorService.loadConnectors). */
  load(): Promise<{ loaded: LoadedConnector[]; broken: Record<string, string> }>;
  kinds: readonly ConnectorKind[];
  http: OutboundHttp;
  bus: EventBus;
  log: Logger;
  /** Re-read at least this often, for a `connectors_changed` the bus lost (default 5 s). */
  pollMs?: number;
  now?: () => Date;
  calls?: ConnectorCallCounter;
}

interface Entry {
  loaded: LoadedConnector;
  connector: ActionConnector;
}

/** Outcome label: `ok`, `dry_run`, or the failure code lower-cased (a fixed vocabulary, see the port). */
const KNOWN_CODES = new Set([
  'AUTH_FAILED',
  'NOT_FOUND',
  'REJECTED',
  'RATE_LIMITED',
  'VENDOR_ERROR',
  'TIMEOUT',
  'NETWORK',
  'UNSUPPORTED',
  'BLOCKED_URL',
  'OUTCOME_UNKNOWN',
]);
function outcomeOf(r: ConnectorResult): string {
  if (r.ok) return 'ok';
  return KNOWN_CODES.has(r.code) ? r.code.toLowerCase() : 'other';
}

/**
 * The per-process ConnectorDirectory (docs/CONNECTORS.md): connectors are built once from the stored
 * rows and kept (so vendor tokens are reused) until their row's version changes. The cache is
 * marked stale by `connectors_changed` and by age (`pollMs`), and re-read on the next `resolve`.
 */
export class CachedConnectorDirectory implements ConnectorDirectory {
  private entries = new Map<string, Entry>();
  private broken: Record<string, string> = {};
  private loadedAt = 0;
  private stale = true;
  private loading?: Promise<void>;
  private unsubscribe?: () => void;
  private readonly kindNames: Set<string>;

  constructor(private readonly deps: DirectoryDeps) {
    this.kindNames = new Set(deps.kinds.map((k) => k.kind));
  }

  async start(): Promise<void> {
    this.unsubscribe = await this.deps.bus.subscribe((event) => {
      if (event.type === 'connectors_changed') this.stale = true;
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.entries.clear();
  }

  async resolve(
    actionType: ActionType,
    name?: string | null,
  ): Promise<{ connector: ActionConnector; dryRun: boolean } | { connector: null; reason: string }> {
    await this.fresh();
    if (name) {
      const e = this.entries.get(name);
      if (!e)
        return {
          connector: null,
          reason: this.broken[name]
            ? `connector ${name} cannot be used: ${this.broken[name]}`
            : `no connector named ${name}`,
        };
      if (!e.loaded.enabled) return { connector: null, reason: `connector ${name} is disabled` };
      if (!e.loaded.actionTypes.includes(actionType))
        return { connector: null, reason: `connector ${name} does not run ${actionType}` };
      return { connector: e.connector, dryRun: e.loaded.dryRun };
    }
    const candidates = [...this.entries.values()].filter(
      (e) => e.loaded.enabled && e.loaded.actionTypes.includes(actionType),
    );
    if (candidates.length === 1)
      return { connector: candidates[0]!.connector, dryRun: candidates[0]!.loaded.dryRun };
    if (candidates.length === 0)
      return { connector: null, reason: `no enabled connector runs ${actionType}` };
    const names = candidates.map((e) => e.loaded.name).sort();
    return {
      connector: null,
      reason: `several connectors run ${actionType} (${names.join(', ')}): name one`,
    };
  }

  private async fresh(): Promise<void> {
    const pollMs = this.deps.pollMs ?? 5000;
    if (!this.stale && Date.now() - this.loadedAt < pollMs) return;
    this.loading ??= this.reload().finally(() => (this.loading = undefined));
    await this.loading;
  }

  private async reload(): Promise<void> {
    this.stale = false;
    const { loaded, broken } = await this.deps.load().catch((err: unknown) => {
      this.stale = true;
      throw err;
    });
    const next = new Map<string, Entry>();
    for (const l of loaded) {
      const prev = this.entries.get(l.name);
      if (prev && prev.loaded.version === l.version && prev.loaded.kind === l.kind) {
        next.set(l.name, prev);
        continue;
      }
      const kind = this.deps.kinds.find((k) => k.kind === l.kind)!;
      try {
        const built = kind.create(
          { name: l.name, config: l.config, secrets: l.secrets, actionTypes: l.actionTypes },
          { http: this.deps.http, now: this.deps.now ?? (() => new Date()) },
        );
        next.set(l.name, { loaded: l, connector: this.counted(built) });
      } catch {
        broken[l.name] = 'its settings no longer build a connector';
      }
    }
    for (const [name, reason] of Object.entries(broken))
      if (this.broken[name] !== reason) this.deps.log.warn({ connector: name, reason }, 'connector unusable');
    this.entries = next;
    this.broken = broken;
    this.loadedAt = Date.now();
  }

  /** Wraps a connector so each call is counted (kind and outcome only, never a name or a value). */
  private counted(c: ActionConnector): ActionConnector {
    const calls = this.deps.calls;
    if (!calls) return c;
    const kind = this.kindNames.has(c.kind) ? c.kind : 'other';
    const count = async (p: Promise<ConnectorResult>, dry = false) => {
      const r = await p;
      calls.inc({ connector_kind: kind, outcome: dry && r.ok ? 'dry_run' : outcomeOf(r) });
      return r;
    };
    const wrapped: ActionConnector = {
      name: c.name,
      kind: c.kind,
      actionTypes: c.actionTypes,
      execute: (req, signal) => count(c.execute(req, signal)),
      dryRun: (req) => count(c.dryRun(req), true),
      test: (signal) => c.test(signal),
    };
    if (c.rollback) {
      const rollback = c.rollback.bind(c);
      wrapped.rollback = (req, previous, signal) => count(rollback(req, previous, signal));
    }
    return wrapped;
  }
}
