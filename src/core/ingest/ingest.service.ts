import type { NormalizedAlert } from '../../contracts/index.ts';
import type {
  EventBus,
  IncidentRecord,
  IncidentStore,
  JobQueue,
  Logger,
  Telemetry,
} from '../../ports/index.ts';
import type { JobPayloads } from '../jobs/job-catalog.ts';
import { withTimeout } from '../shared/timeout.ts';

export interface IngestServiceDeps {
  store: IncidentStore;
  queue: JobQueue<JobPayloads['triage']>;
  bus: EventBus;
  log: Logger;
  telemetry: Telemetry;
  /** Repeated alerts within this window fold into one incident. */
  dedupWindowMs: number;
  /**
   * Longest wait for the queue and the bus after the incident is committed (default 2000). Past it
   * the caller is answered anyway: the incident is durable and the leader's reconciler enqueues it.
   */
  handoffTimeoutMs?: number;
}

export interface IngestOutcome {
  incident: IncidentRecord;
  created: boolean;
  /** False when the queue could not take the job now (the reconciler will). */
  queued: boolean;
}

/**
 * Ingest: commit first, then hand off. The incident is in the database before this resolves
 * (DESIGN.md invariant 1); queue and bus failures after that are logged, never lose the alert.
 */
export class IngestService {
  private readonly handoffTimeoutMs: number;

  constructor(private readonly deps: IngestServiceDeps) {
    this.handoffTimeoutMs = deps.handoffTimeoutMs ?? 2000;
  }

  async ingest(alert: NormalizedAlert): Promise<IngestOutcome> {
    const { store, queue, bus, log, telemetry } = this.deps;
    const { incident, created } = await store.ingest(alert, this.deps.dedupWindowMs);
    telemetry.incidentIngested(alert.source, created ? 'created' : 'deduplicated');

    const events = async () => {
      await bus.publish('alert_received', {
        incident_id: incident.id,
        source: alert.source,
        deduplicated: !created,
        occurrence_count: incident.occurrence_count,
      });
      if (created) {
        await bus.publish('incident_created', {
          incident_id: incident.id,
          source: incident.source,
          severity: incident.severity,
          incident_type: incident.incident_type,
          title: incident.title,
        });
      }
    };
    let queued = false;
    // A folded alert needs no new triage unless its incident still waits for one.
    const needsTriage = created || incident.status === 'new';
    const [eventsResult, queueResult] = await Promise.allSettled([
      withTimeout(events(), this.handoffTimeoutMs, 'event publish'),
      needsTriage
        ? withTimeout(
            queue.enqueue('triage', incident.id, { incident_id: incident.id }),
            this.handoffTimeoutMs,
            'enqueue',
          )
        : Promise.resolve({ added: false }),
    ]);
    if (eventsResult.status === 'rejected') {
      log.warn(
        { incident_id: incident.id, err: String(eventsResult.reason) },
        'event publish failed after commit',
      );
    }
    if (queueResult.status === 'rejected') {
      log.warn(
        { incident_id: incident.id, err: String(queueResult.reason) },
        'enqueue failed after commit; the reconciler will re-enqueue',
      );
    } else {
      queued = needsTriage;
    }
    return { incident, created, queued };
  }
}
