import type { NormalizedAlert } from '../../contracts/index.ts';
import type {
  DedupPolicy,
  EnqueueRequest,
  EventBus,
  EventInput,
  IncidentRecord,
  IncidentStore,
  IngestResult,
  JobQueue,
  Logger,
  Telemetry,
} from '../../ports/index.ts';
import type { JobPayloads } from '../jobs/job-catalog.ts';
import { withTimeout } from '../shared/timeout.ts';
import { Batcher } from './batcher.ts';

export interface IngestBatchOptions {
  /** Most alerts committed in one transaction. Default 200. */
  maxBatch?: number;
  /** Ingest transactions in flight at once per process. Default 2. */
  maxConcurrent?: number;
  /** Alerts waiting for a transaction beyond which ingest answers SERVICE_UNAVAILABLE. Default 10 000. */
  maxQueued?: number;
}

export interface IngestServiceDeps {
  store: IncidentStore;
  queue: JobQueue<JobPayloads>;
  bus: EventBus;
  log: Logger;
  telemetry: Telemetry;
  /** Repeats fold into an open incident whose first alert arrived within this window. */
  dedupWindowMs: number;
  /** Most alerts folded into one incident (triage.dedup_max_alerts). Default 1000. */
  dedupMaxAlerts?: number;
  /** A repeat of a closed incident: a new linked incident (default) or reopen it. */
  onRepeatAfterClose?: 'new_incident' | 'reopen';
  /**
   * Longest wait for the queue and the bus after the incident is committed (default 2000). Past it
   * the caller is answered anyway: the incident is durable and the leader's reconciler enqueues it.
   */
  handoffTimeoutMs?: number;
  /** Group commit (see {@link Batcher}). Defaults as documented per field. */
  batch?: IngestBatchOptions;
}

export interface IngestOutcome {
  incident: IncidentRecord;
  created: boolean;
  /** False when the queue could not take the job now (the reconciler will). */
  queued: boolean;
  /** Set when this alert sent its incident back to `new` (reopened, or new evidence), from this status. */
  requeued_from?: IngestResult['requeued_from'];
}

/** One alert's stored result, with the hand-off its batch shares. */
interface Stored extends IngestResult {
  handoff: Promise<boolean[]>;
  index: number;
}

/**
 * Ingest: commit first, then hand off. The incident is in the database before this resolves
 * (DESIGN.md invariant 1); queue and bus failures after that are logged, never lose the alert.
 *
 * Concurrent ingests share work: they are committed together in one transaction (group commit, see
 * {@link Batcher}), then announced with one bus call and enqueued with one queue call per batch.
 */
export class IngestService {
  private readonly handoffTimeoutMs: number;
  private readonly dedup: DedupPolicy;
  private readonly batcher: Batcher<NormalizedAlert, Stored>;

  constructor(private readonly deps: IngestServiceDeps) {
    this.handoffTimeoutMs = deps.handoffTimeoutMs ?? 2000;
    this.dedup = {
      windowMs: deps.dedupWindowMs,
      maxAlerts: deps.dedupMaxAlerts ?? 1000,
      onRepeatAfterClose: deps.onRepeatAfterClose ?? 'new_incident',
    };
    this.batcher = new Batcher<NormalizedAlert, Stored>({
      maxBatch: deps.batch?.maxBatch ?? 200,
      maxConcurrent: deps.batch?.maxConcurrent ?? 2,
      maxQueued: deps.batch?.maxQueued ?? 10_000,
      flush: (alerts) => this.commit(alerts),
      // The store's COMMIT failed with its outcome unknown: retrying could store the alerts twice.
      retryAlone: (err) => (err as { name?: unknown } | null)?.name !== 'CommitOutcomeUnknownError',
      onBatchError: (err, size) =>
        deps.log.warn({ err: String(err), size }, 'ingest batch failed; retrying its alerts one by one'),
    });
  }

  async ingest(alert: NormalizedAlert): Promise<IngestOutcome> {
    const { incident, created, handoff, index, requeued_from } = await this.batcher.submit(alert);
    this.deps.telemetry.incidentIngested(alert.source, created ? 'created' : 'deduplicated');
    const queued = (await handoff)[index] ?? false;
    return { incident, created, queued, ...(requeued_from ? { requeued_from } : {}) };
  }

  /** Commits a batch; its hand-off starts at once but the next batch need not wait for it. */
  private async commit(alerts: NormalizedAlert[]): Promise<Stored[]> {
    const results = await this.deps.store.ingestMany(alerts, this.dedup);
    const handoff = this.handoff(alerts, results);
    return results.map((r, index) => ({ ...r, handoff, index }));
  }

  /** Announces and enqueues a committed batch; resolves with whether each alert's triage is queued. Never rejects. */
  private async handoff(alerts: NormalizedAlert[], results: IngestResult[]): Promise<boolean[]> {
    const { queue, bus, log } = this.deps;
    const events: EventInput[] = [];
    const jobs: EnqueueRequest<JobPayloads>[] = [];
    const enqueued = new Set<string>();
    const needsTriage = results.map(({ incident, created, requeued_from }, i) => {
      events.push({
        type: 'alert_received',
        data: {
          incident_id: incident.id,
          source: alerts[i]!.source,
          deduplicated: !created,
          occurrence_count: incident.occurrence_count,
        },
      });
      if (created) {
        events.push({
          type: 'incident_created',
          data: {
            incident_id: incident.id,
            source: incident.source,
            severity: incident.severity,
            incident_type: incident.incident_type,
            title: incident.title,
          },
        });
      }
      if (requeued_from) {
        // Reopened, or new evidence for a triaged incident: the fold sent it back to `new`.
        events.push({
          type: 'status_changed',
          data: { incident_id: incident.id, from: requeued_from, to: 'new', by: 'system' },
        });
      }
      // A folded alert needs no new triage unless its incident (again) waits for one.
      const needs = created || incident.status === 'new';
      if (needs && !enqueued.has(incident.id)) {
        enqueued.add(incident.id);
        jobs.push({ name: 'triage', id: incident.id, payload: { incident_id: incident.id } });
      }
      return needs;
    });
    const [eventsResult, queueResult] = await Promise.allSettled([
      withTimeout(bus.publishMany(events), this.handoffTimeoutMs, 'event publish'),
      jobs.length > 0
        ? withTimeout(queue.enqueueMany(jobs), this.handoffTimeoutMs, 'enqueue')
        : Promise.resolve([]),
    ]);
    const ids = () => [...new Set(results.map((r) => r.incident.id))].slice(0, 20);
    if (eventsResult.status === 'rejected') {
      log.warn(
        { incident_ids: ids(), err: String(eventsResult.reason) },
        'event publish failed after commit',
      );
    }
    if (queueResult.status === 'rejected') {
      log.warn(
        { incident_ids: ids(), err: String(queueResult.reason) },
        'enqueue failed after commit; the reconciler will re-enqueue',
      );
      return needsTriage.map(() => false);
    }
    return needsTriage;
  }
}
