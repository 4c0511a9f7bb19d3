import { jobRequest, JOB_CATALOG, type JobPayloads } from '../core/jobs/job-catalog.ts';
import type { ActionRecord, ActionStore } from '../ports/action-store.port.ts';
import type { EventBus, EventInput, Fence, JobQueue, Logger } from '../ports/index.ts';

export interface ActionSweepsDeps {
  store: ActionStore;
  bus: EventBus;
  queue: Pick<JobQueue<JobPayloads>, 'enqueueMany'>;
  log: Logger;
  /** `response.stale_executing_after`: an action executing this long is failed OUTCOME_UNKNOWN. */
  staleExecutingMs: number;
  /** An approved action untouched this long without a job (its enqueue was lost) is queued again. */
  orphanAfterMs?: number;
  now?: () => Date;
}

const BATCH = 500;

/**
 * The leader's response sweeps (docs/RESPONSE.md), under the fence: pending approvals past their
 * expiry → denied (`action.expired`, by `system:expiry`); actions left `executing` longer than
 * `staleExecutingMs` (their worker died mid-call) → failed OUTCOME_UNKNOWN for a person to check, never
 * re-run; approved actions whose `action.execute` enqueue was lost → queued again (one job per action;
 * the claim makes a duplicate harmless).
 */
export class ActionSweeps {
  constructor(private readonly deps: ActionSweepsDeps) {}

  /** One pass. Null when a newer leader holds the fence (nothing written). */
  async run(fence: Fence): Promise<{ expired: number; stale: number; requeued: number } | null> {
    const { store } = this.deps;
    const now = (this.deps.now ?? (() => new Date()))();
    const expired = await store.expirePending(fence, now, BATCH);
    if (expired === null) return null;
    const stale = await store.failStaleExecuting(fence, this.deps.staleExecutingMs, BATCH);
    if (stale === null) return null;
    const events: EventInput[] = [];
    for (const a of expired)
      events.push(
        { type: 'action_denied', data: { incident_id: a.incident_id, action_id: a.id, by: 'system:expiry' } },
        status(a, 'pending', 'system:expiry'),
      );
    for (const a of stale)
      events.push(
        { type: 'action_executed', data: { incident_id: a.incident_id, action_id: a.id, result: 'failure' } },
        status(a, 'executing', 'system:stale_executing'),
      );
    if (events.length)
      await this.deps.bus
        .publishMany(events)
        .catch((err: unknown) =>
          this.deps.log.warn({ err: String(err) }, 'action sweep events not published'),
        );
    if (stale.length)
      this.deps.log.warn(
        { actions: stale.map((a) => a.id) },
        'actions left executing by a stopped worker marked failed OUTCOME_UNKNOWN (not re-run)',
      );
    const requeued = await this.requeue(now);
    return { expired: expired.length, stale: stale.length, requeued };
  }

  private async requeue(now: Date): Promise<number> {
    const before = now.getTime() - (this.deps.orphanAfterMs ?? 300_000);
    const { items } = await this.deps.store.list({
      status: ['approved', 'auto_approved'],
      page: 1,
      per_page: BATCH,
    });
    const orphans = items.filter((a) => a.updated_at.getTime() < before);
    if (!orphans.length) return 0;
    const added = await this.deps.queue.enqueueMany(
      orphans.map((a) => jobRequest(JOB_CATALOG, 'action.execute', { action_id: a.id })),
    );
    return added.filter((r) => r.added).length;
  }
}

function status(a: ActionRecord, from: string, by: string): EventInput {
  return {
    type: 'action_status_changed',
    data: { incident_id: a.incident_id, action_id: a.id, action_type: a.action_type, from, to: a.status, by },
  };
}
