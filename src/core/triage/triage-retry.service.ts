import { AppError } from '../../contracts/index.ts';
import type {
  EventBus,
  IncidentRecord,
  IncidentStore,
  JobQueue,
  Logger,
  TriageStateStore,
} from '../../ports/index.ts';
import type { JobPayloads } from '../jobs/job-catalog.ts';
import { withTimeout } from '../shared/timeout.ts';

export interface TriageRetryServiceDeps {
  store: Pick<IncidentStore, 'get'> & Pick<TriageStateStore, 'retryDeadLettered'>;
  queue: JobQueue<JobPayloads>;
  bus: EventBus;
  log: Logger;
  /** Longest wait for the queue after the retry is committed (default 2000); the reconciler covers the rest. */
  handoffTimeoutMs?: number;
}

export interface RetryOutcome {
  incidents: IncidentRecord[];
  /** False when the queue could not take the jobs now: the reconciler enqueues them later. */
  queued: boolean;
}

/**
 * Takes incidents out of the triage dead letter (docs/INCIDENT-LIFECYCLE.md): the retry is committed
 * (failure count reset, audit entry), then the incidents are enqueued.
 */
export class TriageRetryService {
  constructor(private readonly deps: TriageRetryServiceDeps) {}

  /** One incident; NOT_FOUND when it does not exist, CONFLICT when it is not dead-lettered. */
  async retry(id: string, actor: string): Promise<RetryOutcome> {
    const incidents = await this.deps.store.retryDeadLettered({ ids: [id], limit: 1 }, actor);
    if (incidents.length === 0) {
      if (!(await this.deps.store.get(id))) throw new AppError('NOT_FOUND', `incident ${id} not found`);
      throw new AppError('CONFLICT', `incident ${id} is not dead-lettered: its triage has not been given up`);
    }
    return { incidents, queued: await this.enqueue(incidents) };
  }

  /** Every dead-lettered incident, oldest first, up to `limit` per call (default 1000). */
  async retryAll(actor: string, limit = 1000): Promise<RetryOutcome> {
    const incidents = await this.deps.store.retryDeadLettered({ limit }, actor);
    return { incidents, queued: incidents.length === 0 || (await this.enqueue(incidents)) };
  }

  private async enqueue(incidents: IncidentRecord[]): Promise<boolean> {
    const { queue, bus, log } = this.deps;
    const ms = this.deps.handoffTimeoutMs ?? 2000;
    try {
      await withTimeout(
        queue.enqueueMany(
          incidents.map((i) => ({ name: 'triage', id: i.id, payload: { incident_id: i.id } })),
        ),
        ms,
        'enqueue',
      );
    } catch (err) {
      log.warn(
        { err: String(err), n: incidents.length },
        'retry enqueue failed; the reconciler will enqueue',
      );
      return false;
    }
    // Detail caches drop their copies on any event naming the incident.
    await withTimeout(
      bus.publishMany(
        incidents.map((i) => ({
          type: 'status_changed' as const,
          data: { incident_id: i.id, from: i.status, to: i.status, by: 'triage.retry' },
        })),
      ),
      ms,
      'event publish',
    ).catch((err: unknown) => log.warn({ err: String(err) }, 'event publish failed after retry'));
    return true;
  }
}
