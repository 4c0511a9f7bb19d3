import { createHash } from 'node:crypto';
import { AppError } from '../../contracts/index.ts';
import type {
  EmailAnalysisRecord,
  EmailAnalysisStore,
  EmailAttachResult,
  EventBus,
  IncidentStore,
  JobQueue,
  Logger,
  Page,
  Telemetry,
} from '../../ports/index.ts';
import type { JobPayloads } from '../jobs/job-catalog.ts';
import { withTimeout } from '../shared/timeout.ts';
import { findAlertMessages } from './alert-email.ts';
import { analyzeEmail, EMAIL_DEFAULTS } from './analyze.ts';
import type { EmailAnalysis, EmailAnalysisOptions } from './email.types.ts';
import { emailEvidence } from './evidence.ts';

export interface EmailAnalysisServiceDeps {
  store: EmailAnalysisStore;
  incidents: Pick<IncidentStore, 'get'>;
  queue: JobQueue<JobPayloads>;
  bus: EventBus;
  log: Logger;
  /** Counts analyses (`tw_email_analyses_total`). Default none. */
  telemetry?: Pick<Telemetry, 'emailAnalyzed'>;
  /** Limits and trust (config `email`); defaults in EMAIL_DEFAULTS. */
  options: EmailAnalysisOptions;
  /** Longest wait for the queue and the bus after a commit (default 2000); the reconciler covers the rest. */
  handoffTimeoutMs?: number;
}

export interface AttachOutcome extends EmailAttachResult {
  analysis: EmailAnalysis;
  /** False when the incident went back to `new` but the queue could not take it now (the reconciler will). */
  queued: boolean;
}

/** Alerts of an incident looked at for raw messages before each triage run (newest first). */
const ALERT_SCAN_LIMIT = 50;
/** Messages analysed in one triage run's email step; more wait for the next run. */
export const MAX_ANALYSES_PER_RUN = 10;

/**
 * Email analysis for incidents (docs/EMAIL-ANALYSIS.md): a dry run, an upload attached to an incident
 * as new evidence (stored, its indicators and findings added, the incident re-triaged), and the
 * messages found inside an incident's own alerts, analysed just before triage.
 */
export class EmailAnalysisService {
  constructor(private readonly deps: EmailAnalysisServiceDeps) {}

  /** The findings only; nothing is stored. */
  analyze(raw: Buffer | string, source: 'upload' | 'alert' | 'dry_run' = 'dry_run'): Promise<EmailAnalysis> {
    return analyzeEmail(raw, this.deps.options).then(
      (a) => {
        this.deps.telemetry?.emailAnalyzed?.(source, a.verdict);
        return a;
      },
      (err: unknown) => {
        this.deps.telemetry?.emailAnalyzed?.(source, 'error');
        throw err;
      },
    );
  }

  /** Analyses `raw` and attaches it to the incident; NOT_FOUND when there is no such incident. */
  async attach(
    incidentId: string,
    raw: Buffer | string,
    actor: string,
    origin: { source: 'upload' } | { source: 'alert'; alertId: string } = { source: 'upload' },
  ): Promise<AttachOutcome> {
    // Existence first: a missing incident should not cost an analysis.
    if (!(await this.deps.incidents.get(incidentId))) throw notFound(incidentId);
    const analysis = await this.analyze(raw, origin.source);
    const result = await this.deps.store.attach(
      this.record(incidentId, analysis, actor, origin.source === 'alert' ? origin.alertId : undefined),
    );
    if (!result) throw notFound(incidentId);
    const queued = result.created ? await this.handoff(result, actor) : true;
    return { ...result, analysis, queued };
  }

  async list(incidentId: string, page: number, perPage: number): Promise<Page<EmailAnalysisRecord>> {
    const result = await this.deps.store.list(incidentId, page, perPage);
    if (!result) throw notFound(incidentId);
    return result;
  }

  /**
   * Before a triage run: analyses the raw messages in the incident's alerts not looked through yet, so
   * their evidence is there when enrichment and analysis run. A message that cannot be analysed is
   * logged (its reason code, never its content) and skipped; a storage failure fails the run (the
   * job is retried). At most {@link MAX_ANALYSES_PER_RUN} analyses per run, stopping when `signal`
   * aborts: alerts not reached are left for the next run.
   */
  async fromAlerts(incidentId: string, actor: string, signal?: AbortSignal): Promise<number> {
    const maxBytes = this.deps.options.maxBytes ?? EMAIL_DEFAULTS.maxBytes;
    const alerts = await this.deps.store.alertPayloads(incidentId, ALERT_SCAN_LIMIT);
    if (alerts.length === 0) return 0;
    let known: Set<string> | undefined;
    let analysed = 0;
    let attached = 0;
    // Alerts are marked once looked through, except one with a message that timed out (a loaded
    // worker should not lose it for good) and those not reached.
    const done: string[] = [];
    for (const a of alerts) {
      const messages = findAlertMessages(a.raw, maxBytes);
      if (messages.length > 0 && (analysed >= MAX_ANALYSES_PER_RUN || signal?.aborted)) break;
      let complete = true;
      for (const m of messages) {
        known ??= await this.deps.store.knownHashes(incidentId);
        const sha256 = createHash('sha256').update(m.bytes).digest('hex');
        if (known.has(sha256)) continue;
        analysed++;
        let analysis: EmailAnalysis;
        try {
          analysis = await this.analyze(m.bytes, 'alert');
        } catch (err) {
          const reason =
            ((err as AppError).details as { reason?: string } | undefined)?.reason ?? 'EMAIL_ERROR';
          if (reason === 'EMAIL_TIMEOUT') complete = false;
          this.deps.log.warn(
            { incident_id: incidentId, alert_id: a.id, path: m.path, reason },
            'raw email in alert not analysed',
          );
          continue;
        }
        known.add(sha256);
        const result = await this.deps.store.attach(this.record(incidentId, analysis, actor, a.id));
        if (result?.created) {
          attached++;
          await this.publish(result, actor);
        }
      }
      if (complete) done.push(a.id);
    }
    await this.deps.store.markAlertsScanned(done);
    return attached;
  }

  private record(incidentId: string, analysis: EmailAnalysis, actor: string, alertId?: string) {
    const evidence = emailEvidence(analysis);
    return {
      incident_id: incidentId,
      sha256: analysis.sha256,
      message_id: analysis.summary.message_id,
      subject: analysis.summary.subject,
      from_address: analysis.summary.from,
      source: alertId ? ('alert' as const) : ('upload' as const),
      ...(alertId ? { alert_id: alertId } : {}),
      score: analysis.score,
      verdict: analysis.verdict,
      analysis,
      indicators: evidence.indicators,
      enrichments: evidence.enrichments,
      actor,
    };
  }

  /** After the commit: re-triage when the incident went back to `new`, and announce the analysis. */
  private async handoff(result: EmailAttachResult, actor: string): Promise<boolean> {
    let queued = true;
    if (result.requeued_from) {
      try {
        await withTimeout(
          this.deps.queue.enqueueMany([
            { name: 'triage', id: result.incident.id, payload: { incident_id: result.incident.id } },
          ]),
          this.deps.handoffTimeoutMs ?? 2000,
          'enqueue',
        );
      } catch (err) {
        queued = false;
        this.deps.log.warn(
          { incident_id: result.incident.id, err: String(err) },
          'enqueue after email analysis failed; the reconciler will re-enqueue',
        );
      }
    }
    await this.publish(result, actor);
    return queued;
  }

  private async publish(result: EmailAttachResult, actor: string): Promise<void> {
    const incidentId = result.incident.id;
    const events = [
      {
        type: 'email_analyzed' as const,
        data: {
          incident_id: incidentId,
          analysis_id: result.record.id,
          verdict: result.record.verdict,
          score: result.record.score,
          indicators_added: result.indicators_added,
        },
      },
      ...(result.requeued_from
        ? [
            {
              type: 'status_changed' as const,
              data: { incident_id: incidentId, from: result.requeued_from, to: 'new' as const, by: actor },
            },
          ]
        : []),
    ];
    await withTimeout(
      this.deps.bus.publishMany(events),
      this.deps.handoffTimeoutMs ?? 2000,
      'event publish',
    ).catch((err: unknown) =>
      this.deps.log.warn(
        { incident_id: incidentId, err: String(err) },
        'event publish failed after email analysis',
      ),
    );
  }
}

function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `incident ${id} not found`);
}

/**
 * The triage step that runs first (without the triage service knowing): analyse the raw messages
 * in the incident's alerts, then triage. Wraps anything with the triage service's `triage` method.
 */
export function withEmailEvidence<R>(
  triage: { triage(incidentId: string, signal: AbortSignal): Promise<R> },
  email: EmailAnalysisService,
  actor: string,
): { triage(incidentId: string, signal: AbortSignal): Promise<R> } {
  return {
    async triage(incidentId, signal) {
      await email.fromAlerts(incidentId, actor, signal);
      signal.throwIfAborted();
      return triage.triage(incidentId, signal);
    },
  };
}
