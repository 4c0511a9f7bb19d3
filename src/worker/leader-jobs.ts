import { TRIAGE_PENDING_STATUSES } from '../contracts/index.ts';
import type { JobPayloads } from '../core/jobs/job-catalog.ts';
import type { Metrics } from '../observability/metrics.ts';
import type {
  EventBus,
  FencedStore,
  IncidentStore,
  JobQueue,
  LeaderElector,
  Logger,
} from '../ports/index.ts';

export interface LeaderJobsDeps {
  elector: LeaderElector;
  store: IncidentStore & FencedStore;
  queue: JobQueue<JobPayloads['triage']>;
  bus: EventBus;
  metrics: Metrics;
  log: Logger;
  /** Cluster-wide Redis client count, when Redis is in use. */
  redisConnectedClients?: () => Promise<number>;
  intervals: {
    reconcileMs: number;
    staleAfterMs: number;
    metricsMs: number;
    housekeepingMs: number;
    retentionMs: number;
  };
}

const FENCE = 'orchestrator';
const RECONCILE_BATCH = 500;

/**
 * The singleton jobs (DESIGN.md invariant 5): they run only while this instance leads. Writes to
 * PostgreSQL go through the fence with the current term, so a deposed leader cannot act.
 */
export class LeaderJobs {
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe?: () => void;
  private running = new Set<Promise<unknown>>();
  /** Counters for tests and logs. */
  readonly stats = { reconciled: 0, reconcileRuns: 0, purged: 0, fencedOut: 0 };

  constructor(private readonly deps: LeaderJobsDeps) {}

  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.deps.elector.onChange((state) => {
      this.deps.log.info(
        { leader: state.isLeader, term: state.term },
        state.isLeader ? 'became leader' : 'lost leadership',
      );
      if (state.isLeader) this.lead(state.term);
      else this.stopTimers();
      if (state.isLeader) {
        this.deps.bus
          .publish('leader_changed', { leader_id: this.deps.elector.id, term: state.term })
          .catch((err) => this.deps.log.warn({ err: String(err) }, 'leader_changed publish failed'));
      }
    });
    const now = this.deps.elector.state();
    if (now.isLeader) this.lead(now.term);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.stopTimers();
    await Promise.allSettled([...this.running]);
  }

  /** Runs one reconciler pass now (also used by tests). Returns how many incidents were re-enqueued. */
  async reconcile(): Promise<number> {
    if (!this.deps.elector.state().isLeader) return 0;
    const stale = await this.deps.store.findStale(
      TRIAGE_PENDING_STATUSES,
      this.deps.intervals.staleAfterMs,
      RECONCILE_BATCH,
    );
    let added = 0;
    for (const incident of stale) {
      if (!this.deps.elector.state().isLeader) break;
      const r = await this.deps.queue.enqueue('triage', incident.id, { incident_id: incident.id });
      if (r.added) added++;
    }
    this.stats.reconcileRuns++;
    this.stats.reconciled += added;
    if (added) this.deps.metrics.reconciled.inc(added);
    if (added > 0)
      this.deps.log.info(
        { re_enqueued: added, stale: stale.length },
        'reconciler re-enqueued stuck incidents',
      );
    return added;
  }

  /** Aggregates cluster-wide gauges; only the leader exposes them. */
  async aggregate(): Promise<void> {
    const { metrics, queue, store } = this.deps;
    const [counts, byStatus, triage, approvals, clients] = await Promise.all([
      queue.counts(),
      store.countByStatus(),
      store.triageStats(3_600_000),
      store.countPendingApprovals(),
      this.deps.redisConnectedClients?.().catch(() => undefined),
    ]);
    metrics.queueDepth.set(counts.waiting + counts.delayed);
    metrics.incidentsByStatus.reset();
    for (const [status, n] of Object.entries(byStatus)) metrics.incidentsByStatus.set({ status }, n);
    if (triage.mean_seconds !== null) metrics.meanTimeToTriage.set(triage.mean_seconds);
    metrics.approvalsPending.set(approvals);
    if (clients !== undefined) metrics.redisClients.set(clients);
  }

  /** Retention under the fence. Returns rows deleted, or null when a newer leader holds the fence. */
  async housekeeping(term: number): Promise<number | null> {
    const deleted = await this.deps.store.purgeClosedIncidents(
      { name: FENCE, term, holder: this.deps.elector.id },
      this.deps.intervals.retentionMs,
      1000,
    );
    if (deleted === null) {
      this.stats.fencedOut++;
      this.deps.metrics.fencedOut.inc();
      this.deps.log.warn({ term }, 'housekeeping refused: a newer leader holds the fence');
    } else {
      this.stats.purged += deleted;
    }
    return deleted;
  }

  private lead(term: number): void {
    this.stopTimers();
    const every = (ms: number, name: string, fn: () => Promise<unknown>) => {
      const run = () => {
        const p = fn()
          .catch((err) => this.deps.log.warn({ job: name, err: String(err) }, 'leader job failed'))
          .finally(() => this.running.delete(p));
        this.running.add(p);
      };
      run();
      const t = setInterval(run, ms);
      t.unref();
      this.timers.push(t);
    };
    // The first housekeeping pass claims the fence at once, so writes of any earlier term are refused
    // from now on; every reconciler pass re-checks it, so a leader that slept through its deposition
    // stops acting at its next pass.
    every(this.deps.intervals.housekeepingMs, 'housekeeping', async () => {
      if (await this.holdsFence(term)) await this.housekeeping(term);
    });
    every(this.deps.intervals.reconcileMs, 'reconcile', async () => {
      if (await this.holdsFence(term)) await this.reconcile();
    });
    every(this.deps.intervals.metricsMs, 'metrics', () => this.aggregate());
  }

  /** Raises the fence to our term; false (counted, logged) when a newer term holds it. */
  private async holdsFence(term: number): Promise<boolean> {
    if (await this.deps.store.claimTerm(FENCE, term, this.deps.elector.id)) return true;
    this.stats.fencedOut++;
    this.deps.metrics.fencedOut.inc();
    this.deps.log.warn({ term }, 'fenced out: a newer leader holds the fence; skipping leader job');
    return false;
  }

  private stopTimers(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }
}
