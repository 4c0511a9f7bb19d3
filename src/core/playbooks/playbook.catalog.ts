import type { EventBus, Logger, PlaybookRow, PlaybookStore } from '../../ports/index.ts';
import { compilePlaybook, type CompileResult } from './playbook.compiler.ts';
import type { PlaybookDefinition, PlaybookSla, PlaybookSource, PlaybookSubject } from './playbook.model.ts';
import { bySelectionOrder, readsAlert, selectPlaybook } from './playbook.selection.ts';

export interface PlaybookCatalogOptions {
  store: Pick<PlaybookStore, 'list'>;
  bus: EventBus;
  log: Logger;
  /**
   * The fallback playbook as shipped (compiled from playbooks/builtin): used when its stored copy is
   * missing or does not compile, so selection always has an answer. Its name is the fallback's name.
   */
  fallback: PlaybookDefinition;
  /** How long a process trusts its compiled set without a change event. Default 5000 ms. */
  cacheTtlMs?: number;
}

/** The compiled set one process selects from. */
interface CompiledSet {
  ordered: PlaybookDefinition[];
  fallback: PlaybookDefinition;
  readsAlert: boolean;
}

/**
 * The PlaybookSource: each process compiles the stored playbooks once and keeps them until a
 * `playbook_changed` event (a change through any replica reaches every process within about a
 * second) or the cache TTL (the safety net for a lost event or a change made without a bus).
 * Concurrent selections share one reload; a reload that started before an invalidation is used
 * once but not kept. When a reload fails, the previous set keeps serving (logged).
 */
export class PlaybookCatalog implements PlaybookSource {
  private cached: { at: number; set: CompiledSet } | undefined;
  private loading: Promise<CompiledSet> | undefined;
  /** Bumped on every invalidation: a load that started before one is not cached. */
  private generation = 0;
  private readonly ttl: number;
  private unsubscribe: (() => void) | undefined;
  private subscription: Promise<void> | undefined;
  private stopped = false;
  private readonly badRows = new Set<string>();

  constructor(private readonly o: PlaybookCatalogOptions) {
    this.ttl = o.cacheTtlMs ?? 5000;
  }

  get fallbackName(): string {
    return this.o.fallback.name;
  }

  /** Subscribes to change events. Idempotent; a bus that is down is logged, not fatal (TTL). */
  start(): Promise<void> {
    this.subscription ??= this.o.bus
      .subscribe((event) => {
        if (event.type === 'playbook_changed') this.invalidate();
      })
      .then(
        (unsubscribe) => {
          if (this.stopped) unsubscribe();
          else this.unsubscribe = unsubscribe;
        },
        (err: unknown) => {
          this.o.log.warn(
            { err: (err as Error).message },
            'playbook changes not subscribed; the compiled set expires after its TTL',
          );
        },
      );
    return this.subscription;
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Drops the compiled set now (the next selection reloads it). */
  invalidate(): void {
    this.generation++;
    this.cached = undefined;
  }

  async forIncident(subject: PlaybookSubject, signal?: AbortSignal): Promise<PlaybookDefinition> {
    signal?.throwIfAborted();
    const set = await this.compiled();
    return selectPlaybook(set.ordered, subject, set.fallback);
  }

  /** True when some enabled trigger reads `alert.<path>` (the SLA check then loads alerts). */
  async readsAlert(): Promise<boolean> {
    return (await this.compiled()).readsAlert;
  }

  /** The shortest SLA of each kind among enabled playbooks: younger incidents cannot be late. */
  async shortestSla(): Promise<PlaybookSla> {
    const set = await this.compiled();
    const out: PlaybookSla = {};
    for (const pb of [...set.ordered, set.fallback]) {
      for (const k of ['time_to_triage_ms', 'time_to_respond_ms'] as const) {
        const v = pb.sla?.[k];
        if (v !== undefined && (out[k] === undefined || v < out[k])) out[k] = v;
      }
    }
    return out;
  }

  /**
   * Compiles a stored row (its switch and version are the row's). A row that no longer compiles
   * (stored before a stricter validator) is logged once per process; selection skips it.
   */
  compileRow(row: PlaybookRow): CompileResult {
    const compiled = compilePlaybook(row.source, {
      file: `playbook ${row.name}`,
      origin: row.origin,
      version: row.version,
    });
    if (compiled.ok) {
      compiled.definition.enabled = row.enabled;
      if (compiled.definition.name !== row.name) {
        const message = 'name differs from the stored one';
        return { ok: false, errors: [{ file: row.name, line: 0, column: 0, field: 'name', message }] };
      }
    } else if (!this.badRows.has(row.name)) {
      this.badRows.add(row.name);
      this.o.log.error(
        { playbook: row.name, errors: compiled.errors.length },
        'stored playbook does not compile; it is skipped until fixed (GET /api/v1/playbooks/<name>)',
      );
    }
    return compiled;
  }

  private async compiled(): Promise<CompiledSet> {
    const hit = this.cached;
    if (hit && Date.now() - hit.at < this.ttl) return hit.set;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    try {
      return await this.loading;
    } catch (err) {
      // The database is briefly unreachable: keep selecting with what we had rather than fail triage.
      if (hit) {
        this.o.log.warn({ err: (err as Error).message }, 'playbooks not reloaded; using the previous set');
        return hit.set;
      }
      throw err;
    }
  }

  private async load(): Promise<CompiledSet> {
    const generation = this.generation;
    const at = Date.now();
    const rows = await this.o.store.list();
    const ordered: PlaybookDefinition[] = [];
    let fallback = this.o.fallback;
    for (const row of rows) {
      const compiled = this.compileRow(row);
      if (!compiled.ok) continue;
      // The fallback always serves (it cannot be disabled through the API).
      if (row.name === this.o.fallback.name) fallback = { ...compiled.definition, enabled: true };
      else if (row.enabled) ordered.push(compiled.definition);
    }
    ordered.sort(bySelectionOrder);
    const set = { ordered, fallback, readsAlert: readsAlert(ordered) };
    if (generation === this.generation) this.cached = { at, set };
    return set;
  }
}
