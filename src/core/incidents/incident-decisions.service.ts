import { AppError, type IncidentStatus } from '../../contracts/index.ts';
import type { EventBus, IncidentRecord, IncidentStore, Logger } from '../../ports/index.ts';

/** Statuses an incident cannot leave by resolve/dismiss/escalate. */
export const CLOSED_STATUSES: readonly IncidentStatus[] = [
  'resolved',
  'false_positive',
  'dismissed',
  'closed',
];

const OPEN_STATUSES = (
  [
    'new',
    'enriching',
    'analyzing',
    'pending_review',
    'pending_approval',
    'executing',
    'escalated',
  ] as const satisfies readonly IncidentStatus[]
).filter((s) => !CLOSED_STATUSES.includes(s));

export type AnalystDecision = 'resolve' | 'dismiss' | 'escalate';

const TARGET: Record<AnalystDecision, IncidentStatus> = {
  resolve: 'resolved',
  dismiss: 'dismissed',
  escalate: 'escalated',
};

/**
 * An analyst's decision on an incident (resolve, dismiss, escalate): a status move, not a response
 * action ("action" means only what is done to the environment: isolate a host, disable an account). Works from any open status (a decision taken mid-triage
 * wins: the triage worker's next compare-and-set fails and it stops). Deciding on a closed incident
 * is a CONFLICT, and so is escalating one already escalated.
 */
/** Statuses an analyst may set by `POST /incidents/:id/status` (the rest belong to the pipeline). */
export const ANALYST_STATUSES = [
  'resolved',
  'false_positive',
  'dismissed',
  'escalated',
  'closed',
  'pending_review',
] as const satisfies readonly IncidentStatus[];
export type AnalystStatus = (typeof ANALYST_STATUSES)[number];

/** Where each analyst-set status may be entered from: the one table of the rules. */
const ENTER_FROM: Record<AnalystStatus, readonly IncidentStatus[]> = {
  resolved: OPEN_STATUSES,
  false_positive: OPEN_STATUSES,
  dismissed: OPEN_STATUSES,
  escalated: OPEN_STATUSES.filter((s) => s !== 'escalated'),
  // Closing archives an open incident or one already resolved/dismissed/false positive.
  closed: [...OPEN_STATUSES, ...CLOSED_STATUSES.filter((s) => s !== 'closed')],
  // Back to the analyst's queue: reopening a closed-ish incident.
  pending_review: CLOSED_STATUSES,
};

/**
 * An analyst's decision on an incident (resolve, dismiss, escalate), a status set with a reason, or a
 * reopen: a status move, not a response action ("action" means only what is done to the
 * environment: isolate a host, disable an account). Works from any open status (a decision taken
 * mid-triage wins: the triage worker's next compare-and-set fails and it stops). Deciding on a closed
 * incident is a CONFLICT, and so is escalating one already escalated; reopening works only from a
 * closed status. With `expectedVersion` the move also requires the row's version (else CONFLICT).
 */
export class IncidentDecisionsService {
  constructor(private readonly deps: { store: IncidentStore; bus: EventBus; log: Logger }) {}

  async decide(
    id: string,
    decision: AnalystDecision,
    reason: string,
    actor: string,
  ): Promise<IncidentRecord> {
    return this.move(id, TARGET[decision], `incident.${decision}`, `${decision} it`, reason, actor);
  }

  /** Sets an analyst status (ANALYST_STATUSES) with a reason: `incident.status_changed` (`incident.reopened` for pending_review). */
  async setStatus(
    id: string,
    to: IncidentStatus,
    reason: string,
    actor: string,
    expectedVersion?: number,
  ): Promise<IncidentRecord> {
    if (!(ANALYST_STATUSES as readonly string[]).includes(to)) {
      throw new AppError('VALIDATION_ERROR', `status ${to} is set by triage, not by an analyst`, {
        allowed: ANALYST_STATUSES,
      });
    }
    if (to === 'pending_review') return this.reopen(id, reason, actor, expectedVersion);
    return this.move(id, to, 'incident.status_changed', `set it to ${to}`, reason, actor, expectedVersion);
  }

  /** A closed-ish incident (resolved, false_positive, dismissed, closed) back to pending_review. */
  async reopen(id: string, reason: string, actor: string, expectedVersion?: number): Promise<IncidentRecord> {
    return this.move(id, 'pending_review', 'incident.reopened', 'reopen it', reason, actor, expectedVersion);
  }

  private async move(
    id: string,
    to: IncidentStatus,
    action: string,
    verb: string,
    reason: string,
    actor: string,
    expectedVersion?: number,
  ): Promise<IncidentRecord> {
    const from = ENTER_FROM[to as AnalystStatus];
    const moved = await this.deps.store.transition({
      id,
      from,
      to,
      actor,
      action,
      details: { reason },
      // A reopened incident keeps its last resolution reason until it is closed again.
      ...(to === 'pending_review' ? {} : { reason }),
      ...(expectedVersion !== undefined ? { expectedVersion } : {}),
    });
    if (!moved) {
      const current = await this.deps.store.get(id);
      if (!current) throw new AppError('NOT_FOUND', `incident ${id} not found`);
      if (expectedVersion !== undefined && current.version !== expectedVersion) {
        throw new AppError('CONFLICT', `incident ${id} changed: it is at version ${current.version}`, {
          version: current.version,
        });
      }
      throw new AppError('CONFLICT', `incident ${id} is ${current.status}; cannot ${verb}`, {
        status: current.status,
      });
    }
    const publish = async () => {
      await this.deps.bus.publish('status_changed', {
        incident_id: id,
        from: moved.previous_status,
        to,
        by: actor,
      });
      if (CLOSED_STATUSES.includes(to)) {
        await this.deps.bus.publish('incident_resolved', { incident_id: id, status: to, reason, by: actor });
      }
    };
    await publish().catch((err) =>
      this.deps.log.warn({ err: String(err), incident_id: id }, 'event publish failed'),
    );
    return moved;
  }
}
