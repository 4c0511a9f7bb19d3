import type { JobPayloads } from '../core/jobs/job-catalog.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { ActionSweeps } from './action-sweeps.ts';
import type {
  AuditLogStore,
  EventBus,
  FencedStore,
  IncidentStore,
  InstanceRegistry,
  TriageStateStore,
  JobQueue,
  LeaderElector,
  Logger,
} from '../ports/index.ts';

export interface LeaderJobsDeps {
  elector: LeaderElector;
  store: IncidentStore & FencedStore & TriageStateStore;
  queue: JobQueue<JobPayloads>;
  bus: EventBus;
  metrics: Metrics;
  log: Logger;
  /** Cluster-wide Redis client count, when Redis is in use. */
  redisConnectedClients?: () => Promise<number>;
  /** The playbook SLA check (core/playbooks/sla.check.ts), run under the fence every `intervalMs`. */
  sla?: { intervalMs: number; run(): Promise<unknown> };
  /** Audit retention (docs/AUDIT.md): its own period, `intervals.auditRetentionMs`; 0 keeps audit forever. */
  audit?: AuditLogStore;
  /** Response: approval expiry, stale executing actions, lost enqueues; under the fence every `intervals.actionsMs`. */
  actions?: ActionSweeps;
  /** The cluster registry: rows not seen for `intervals.instancesMaxAgeMs` (default 1 h) are pruned every `intervals.instancesPruneMs` (default 60 s). */
  instances?: Pick<InstanceRegistry, 'prune'>;
  intervals: {
    /** Period of the response sweeps (default reconcileMs). */
    actionsMs?: number;
    reconcileMs: number;
    staleAfterMs: number;
    metricsMs: number;
    housekeepingMs: number;
    retentionMs: number;
    auditRetentionMs?: number;
    /**
     * A fence whose holder (with a higher term) has not claimed it for this long is taken over in a
     * new epoch: it was left by another deployment or a holder long gone. An active leader claims it
     * every reconciler pass, so this must be several reconcile periods. Default: never.
     */
    fenceTakeoverMs?: number;
    instancesPruneMs?: number;
    instancesMaxAgeMs?: number;
  };
}

/** The fence every leader write goes through (also read by the cluster view as "the leader"). */
export const LEADER_FENCE = 'orchestrator';
const FENCE = LEADER_FENCE;
/** Incidents per page of the reconciler's walk (one query and one enqueue round trip each). */
const RECONCILE_PAGE = 500;

/**
 * The singleton jobs (DESIGN.md invariant 5): they run only while this instance leads. Writes to
 * PostgreSQL go through the fence with the current term, so a deposed leader cannot act.
 */
export class LeaderJobs {
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe?: () => void;
  private running = new Set<Promise<unknown>>();
  /** Counters for tests and logs. */
  readonly stats = {
    reconciled: 0,
    reconcileRuns: 0,
    purged: 0,
    auditPurged: 0,
    fencedOut: 0,
    fenceTakeovers: 0,
  };
  /** The fence epoch learned by this term's first successful claim (reset on each new term). */
  private fenceEpoch: number | undefined;

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

  /**
   * Runs one reconciler pass now (also used by tests): walks every incident owed triage and not
   * dead-lettered, untouched for `staleAfterMs` (default intervals.staleAfterMs), oldest first, page by
   * page (keyset), and enqueues each (one job per id: those already queued are left alone). Walking
   * past the end rather than taking a fixed first page means incidents that keep failing cannot hide
   * a newer one whose enqueue was lost. Returns how many were enqueued.
   */
  async reconcile(staleAfterMs = this.deps.intervals.staleAfterMs): Promise<number> {
    if (!this.deps.elector.state().isLeader) return 0;
    let added = 0;
    let seen = 0;
    let after: string | null = null;
    do {
      const page = await this.deps.store.pendingTriage(staleAfterMs, RECONCILE_PAGE, after);
      if (page.ids.length === 0 || !this.deps.elector.state().isLeader) break;
      seen += page.ids.length;
      const results = await this.deps.queue.enqueueMany(
        page.ids.map((id) => ({ name: 'triage', id, payload: { incident_id: id } })),
      );
      added += results.filter((r) => r.added).length;
      after = page.next;
    } while (after !== null);
    this.stats.reconcileRuns++;
    this.stats.reconciled += added;
    if (added) this.deps.metrics.reconciled.inc(added);
    if (added > 0)
      this.deps.log.info({ re_enqueued: added, pending: seen }, 'reconciler re-enqueued stuck incidents');
    return added;
  }

  /** Aggregates cluster-wide gauges; only the leader exposes them. */
  async aggregate(): Promise<void> {
    const { metrics, queue, store } = this.deps;
    const [counts, byStatus, triage, approvals, clients, deadLettered] = await Promise.all([
      queue.counts(),
      store.countByStatus(),
      store.triageStats(3_600_000),
      store.countPendingApprovals(),
      this.deps.redisConnectedClients?.().catch(() => undefined),
      store.countDeadLettered(),
    ]);
    metrics.deadLettered.set(deadLettered);
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
      {
        name: FENCE,
        term,
        holder: this.deps.elector.id,
        ...(this.fenceEpoch !== undefined ? { epoch: this.fenceEpoch } : {}),
      },
      this.deps.intervals.retentionMs,
      1000,
    );
    if (deleted !== null && this.deps.audit && this.deps.intervals.auditRetentionMs) {
      const fence = {
        name: FENCE,
        term,
        holder: this.deps.elector.id,
        ...(this.fenceEpoch !== undefined ? { epoch: this.fenceEpoch } : {}),
      };
      const audited = await this.deps.audit.purge(fence, this.deps.intervals.auditRetentionMs, 10_000);
      if (audited) this.stats.auditPurged += audited;
    }
    if (deleted === null) {
      this.stats.fencedOut++;
      this.deps.metrics.fencedOut.inc();
      this.deps.log.warn({ term }, 'housekeeping refused: a newer leader holds the fence');
    } else {
      this.stats.purged += deleted;
    }
    return deleted;
  }

  /** One pass of the response sweeps under the fence (also used by tests). */
  async sweepActions(term = this.deps.elector.state().term): Promise<unknown> {
    if (!this.deps.actions || !this.deps.elector.state().isLeader) return null;
    const r = await this.deps.actions.run({
      name: FENCE,
      term,
      holder: this.deps.elector.id,
      ...(this.fenceEpoch !== undefined ? { epoch: this.fenceEpoch } : {}),
    });
    if (r === null) {
      this.stats.fencedOut++;
      this.deps.metrics.fencedOut.inc();
    }
    return r;
  }

  /** Prunes registry rows not seen for `instancesMaxAgeMs` under the fence (also used by tests). */
  async pruneInstances(term = this.deps.elector.state().term): Promise<number | null> {
    if (!this.deps.instances || !this.deps.elector.state().isLeader) return null;
    const pruned = await this.deps.instances.prune(
      {
        name: FENCE,
        term,
        holder: this.deps.elector.id,
        ...(this.fenceEpoch !== undefined ? { epoch: this.fenceEpoch } : {}),
      },
      this.deps.intervals.instancesMaxAgeMs ?? 3_600_000,
    );
    if (pruned === null) {
      this.stats.fencedOut++;
      this.deps.metrics.fencedOut.inc();
    }
    return pruned;
  }

  private lead(term: number): void {
    this.stopTimers();
    this.fenceEpoch = undefined;
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
    // The first pass on becoming leader takes every incident owed triage, however recent: after a
    // crash (kill -9 of an embedded process, a lost in-memory queue) acknowledged incidents must not
    // wait for stale_after. Enqueueing is idempotent per id, so incidents other workers hold are
    // left alone.
    let first = true;
    every(this.deps.intervals.reconcileMs, 'reconcile', async () => {
      if (!(await this.holdsFence(term))) return;
      const recovery = first;
      first = false;
      await this.reconcile(recovery ? 0 : undefined);
    });
    every(this.deps.intervals.metricsMs, 'metrics', () => this.aggregate());
    const actions = this.deps.actions;
    if (actions)
      every(this.deps.intervals.actionsMs ?? this.deps.intervals.reconcileMs, 'actions', async () => {
        if (await this.holdsFence(term)) await this.sweepActions(term);
      });
    const instances = this.deps.instances;
    if (instances)
      every(this.deps.intervals.instancesPruneMs ?? 60_000, 'instances', () => this.pruneInstances(term));
    const sla = this.deps.sla;
    if (sla)
      every(sla.intervalMs, 'sla', async () => {
        if (await this.holdsFence(term)) await sla.run();
      });
  }

  /** Raises the fence to our term; false (counted, logged) when a newer term holds it. */
  private async holdsFence(term: number): Promise<boolean> {
    const known = this.fenceEpoch;
    const claimed = await this.deps.store.claimFence(
      { name: FENCE, term, holder: this.deps.elector.id, ...(known !== undefined ? { epoch: known } : {}) },
      this.deps.intervals.fenceTakeoverMs !== undefined
        ? { takeoverAfterMs: this.deps.intervals.fenceTakeoverMs }
        : {},
    );
    if (claimed) {
      if (claimed.takeover) {
        this.stats.fenceTakeovers++;
        this.deps.log.warn(
          { term, epoch: claimed.epoch },
          'took over the leader fence: its holder had a higher term but was stale (another deployment?)',
        );
      }
      this.fenceEpoch = claimed.epoch;
      return true;
    }
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
