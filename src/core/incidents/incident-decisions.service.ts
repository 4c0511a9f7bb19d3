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
export class IncidentDecisionsService {
  constructor(private readonly deps: { store: IncidentStore; bus: EventBus; log: Logger }) {}

  async decide(
    id: string,
    decision: AnalystDecision,
    reason: string,
    actor: string,
  ): Promise<IncidentRecord> {
    const to = TARGET[decision];
    const from = decision === 'escalate' ? OPEN_STATUSES.filter((s) => s !== 'escalated') : OPEN_STATUSES;
    const moved = await this.deps.store.transition({
      id,
      from,
      to,
      actor,
      action: `incident.${decision}`,
      details: { reason },
      reason,
    });
    if (!moved) {
      const current = await this.deps.store.get(id);
      if (!current) throw new AppError('NOT_FOUND', `incident ${id} not found`);
      throw new AppError('CONFLICT', `incident ${id} is ${current.status}; cannot ${decision} it`, {
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
      if (decision !== 'escalate') {
        await this.deps.bus.publish('incident_resolved', { incident_id: id, status: to, reason, by: actor });
      }
    };
    await publish().catch((err) =>
      this.deps.log.warn({ err: String(err), incident_id: id }, 'event publish failed'),
    );
    return moved;
  }
}
