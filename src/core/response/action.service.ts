import { randomUUID } from 'node:crypto';
import {
  AppError,
  type ActionTarget,
  type ActionType,
  type Classification,
  type OperationMode,
  type PolicyDecision,
} from '../../contracts/index.ts';
import type { ActionRecord, ActionStore, NewAction } from '../../ports/action-store.port.ts';
import type { ConnectorDirectory } from '../../ports/action-connector.port.ts';
import type {
  EventBus,
  EventInput,
  IncidentRecord,
  IncidentStore,
  JobQueue,
  Logger,
} from '../../ports/index.ts';
import type { PolicyProvider, PolicySubject } from '../../ports/policy.port.ts';
import { jobRequest, JOB_CATALOG, type JobPayloads } from '../jobs/job-catalog.ts';
import { targetAllowed } from './action-targets.ts';
import type { ApprovalNotifier } from './approval-notifier.ts';
import { levelMeets, type Approver } from './approval-levels.ts';

export interface ActionServiceDeps {
  store: ActionStore;
  incidents: Pick<IncidentStore, 'get'>;
  policy: PolicyProvider;
  connectors: ConnectorDirectory;
  bus: EventBus;
  queue: Pick<JobQueue<JobPayloads>, 'enqueue'>;
  log: Logger;
  /** The global operation mode (`response.mode`); a playbook's `mode` overrides it for its actions. */
  mode: OperationMode;
  /** How long a pending approval waits before the leader expires it (`response.approval_ttl`). */
  approvalTtlMs: number;
  /** Tells approvers an action waits for them (best effort, never blocking). */
  notifier?: ApprovalNotifier;
  now?: () => Date;
}

/** A person's (or API key's) request: `POST /incidents/:id/actions`. */
export interface ManualRequest {
  incident_id: string;
  action_type: ActionType;
  target: ActionTarget;
  parameters: Record<string, unknown>;
  reason: string;
  /** A connector by name; default: the only enabled one for the type. */
  connector?: string | null;
  /** The audit actor: `user:alice`, `api_key:ab12cd34`. */
  requested_by: string;
}

/** A playbook step's recommendation, with the verdict it follows. */
export interface Recommendation {
  incident: IncidentRecord;
  action_type: ActionType;
  target: ActionTarget;
  parameters: Record<string, unknown>;
  reason: string | null;
  /** `playbook:phishing@3/quarantine-email`. */
  requested_by: string;
  /** The playbook's own mode, when it sets one. */
  mode?: OperationMode;
  verdict: { classification: Classification; confidence: number } | null;
  /** `<run>:<step id>:<target>`: a redelivered job gets the first action back. */
  dedupe_key: string;
}

/**
 * Proposes response actions through the policy engine and decides approvals (docs/RESPONSE.md).
 * A proposal is stored with its decision: `allowed` → auto_approved (queued for execution),
 * `requires_approval` → pending until a person with the level decides or it expires, `denied` → denied.
 * Execution is the `action.execute` job (ActionExecutor); nothing here calls a vendor.
 */
export class ActionService {
  constructor(private readonly deps: ActionServiceDeps) {}

  /** A manual action on an incident (404 unknown incident, 400 target type the action does not take). */
  async request(req: ManualRequest): Promise<{ action: ActionRecord; decision: PolicyDecision }> {
    checkTarget(req.action_type, req.target);
    const incident = await this.deps.incidents.get(req.incident_id);
    if (!incident) throw new AppError('NOT_FOUND', 'incident not found');
    const connector = await this.connectorFor(req.action_type, req.connector ?? null, true);
    const { action } = await this.propose(
      incident,
      {
        action_type: req.action_type,
        target: req.target,
        parameters: req.parameters,
        reason: req.reason,
        requested_by: req.requested_by,
        origin: 'manual',
        dedupe_key: null,
        verdict:
          incident.classification !== null
            ? { classification: incident.classification, confidence: incident.confidence ?? 0 }
            : null,
      },
      this.deps.mode,
      connector,
    );
    await this.release([action]);
    return { action, decision: action.decision };
  }

  /**
   * A playbook step's action, stored but not yet announced or queued: the caller calls `release`
   * once the verdict it follows is committed. Same dedupe key → the first action, unchanged.
   */
  async recommend(rec: Recommendation): Promise<{ action: ActionRecord; created: boolean }> {
    checkTarget(rec.action_type, rec.target);
    const connector = await this.connectorFor(rec.action_type, null, false);
    return this.propose(
      rec.incident,
      { ...rec, origin: 'recommended' },
      rec.mode ?? this.deps.mode,
      connector,
    );
  }

  /**
   * Announces proposed actions (`actions_proposed`, `action_status_changed`) and queues those policy
   * allowed. Idempotent: queuing is one job per action and the executor runs an action at most once.
   */
  async release(actions: readonly ActionRecord[]): Promise<void> {
    if (actions.length === 0) return;
    const events: EventInput[] = [];
    const byIncident = new Map<string, string[]>();
    for (const a of actions) {
      byIncident.set(a.incident_id, [...(byIncident.get(a.incident_id) ?? []), a.id]);
      events.push(statusEvent(a, null, a.requested_by));
      if (a.status === 'denied')
        events.push({
          type: 'action_denied',
          data: { incident_id: a.incident_id, action_id: a.id, by: `policy:${a.decision.rule}` },
        });
    }
    for (const [incident_id, action_ids] of byIncident)
      events.unshift({ type: 'actions_proposed', data: { incident_id, action_ids } });
    await this.publish(events);
    for (const a of actions) {
      if (a.status === 'auto_approved' || a.status === 'approved') await this.enqueue(a.id);
      else if (a.status === 'pending') this.deps.notifier?.pending(a);
    }
  }

  /** `release` by id (a triage run's proposals, after its verdict committed). */
  async releaseIds(ids: readonly string[]): Promise<void> {
    const found = await Promise.all(ids.map((id) => this.deps.store.get(id)));
    await this.release(found.filter((a): a is ActionRecord => a !== null));
  }

  /** pending → approved by a person whose level meets the rule; queued for execution at once. */
  async approve(id: string, approver: Approver, comment: string | null): Promise<ActionRecord> {
    const a = await this.decidable(id, approver);
    if (a.origin === 'manual' && a.requested_by === approver.actor && !approver.adminKey)
      throw new AppError(
        'FORBIDDEN',
        'you requested this action: another person must approve it (four eyes)',
      );
    const done = await this.deps.store.decide(id, 'approved', approver.actor, comment);
    if (!done) throw notPending();
    await this.publish([
      { type: 'action_approved', data: { incident_id: done.incident_id, action_id: id, by: approver.actor } },
      statusEvent(done, 'pending', approver.actor),
    ]);
    await this.enqueue(id);
    return done;
  }

  /** pending → denied by a person whose level meets the rule (the requester may withdraw their own). */
  async deny(id: string, approver: Approver, comment: string | null): Promise<ActionRecord> {
    await this.decidable(id, approver);
    const done = await this.deps.store.decide(id, 'denied', approver.actor, comment);
    if (!done) throw notPending();
    await this.publish([
      { type: 'action_denied', data: { incident_id: done.incident_id, action_id: id, by: approver.actor } },
      statusEvent(done, 'pending', approver.actor),
    ]);
    return done;
  }

  private async decidable(id: string, approver: Approver): Promise<ActionRecord> {
    const a = await this.deps.store.get(id);
    if (!a) throw new AppError('NOT_FOUND', 'action not found');
    if (a.status !== 'pending') throw notPending(a.status);
    const required = a.approval_level ?? 'analyst';
    if (!levelMeets(approver.level, required))
      throw new AppError(
        'FORBIDDEN',
        `this action needs approval level ${required}; yours is ${approver.level}`,
      );
    return a;
  }

  private async propose(
    incident: IncidentRecord,
    p: Omit<Recommendation, 'incident' | 'mode' | 'dedupe_key'> & {
      origin: 'manual' | 'recommended';
      dedupe_key: string | null;
    },
    mode: OperationMode,
    connector: string | null,
  ): Promise<{ action: ActionRecord; created: boolean }> {
    const subject: PolicySubject = {
      action_type: p.action_type,
      target: p.target,
      origin: p.origin,
      requested_by: p.requested_by,
      mode,
      incident: {
        id: incident.id,
        severity: incident.severity,
        incident_type: incident.incident_type,
        tags: incident.tags,
        classification: p.verdict?.classification ?? null,
        confidence: p.verdict?.confidence ?? null,
      },
    };
    const policy = await this.deps.policy.active();
    const decision = policy.decide(subject, await this.deps.store.counts(p.action_type));
    const now = (this.deps.now ?? (() => new Date()))();
    const action: NewAction = {
      id: randomUUID(),
      incident_id: incident.id,
      action_type: p.action_type,
      target: p.target,
      parameters: p.parameters,
      status:
        decision.outcome === 'allowed'
          ? 'auto_approved'
          : decision.outcome === 'denied'
            ? 'denied'
            : 'pending',
      origin: p.origin,
      requested_by: p.requested_by,
      reason: p.reason,
      mode,
      decision,
      approval_level: decision.outcome === 'requires_approval' ? decision.level : null,
      connector,
      expires_at:
        decision.outcome === 'requires_approval' ? new Date(now.getTime() + this.deps.approvalTtlMs) : null,
      dedupe_key: p.dedupe_key,
    };
    return this.deps.store.create(action, p.requested_by);
  }

  /** The connector's name, or null when none is configured (the action then fails NO_CONNECTOR). */
  private async connectorFor(type: ActionType, name: string | null, strict: boolean): Promise<string | null> {
    const found = await this.deps.connectors.resolve(type, name);
    if (found.connector) return found.connector.name;
    if (name !== null && strict)
      throw new AppError('VALIDATION_ERROR', `connector: ${found.reason}`, [
        { field: 'connector', message: found.reason },
      ]);
    return null;
  }

  private async enqueue(actionId: string): Promise<void> {
    const req = jobRequest(JOB_CATALOG, 'action.execute', { action_id: actionId });
    try {
      await this.deps.queue.enqueue(req.name, req.id, req.payload);
    } catch (err) {
      // The action is stored approved: the leader's sweep queues approved actions left without a job.
      this.deps.log.warn({ action_id: actionId, err: String(err) }, 'action.execute enqueue failed');
    }
  }

  private async publish(events: EventInput[]): Promise<void> {
    try {
      await this.deps.bus.publishMany(events);
    } catch (err) {
      this.deps.log.warn({ err: String(err), events: events.map((e) => e.type) }, 'event publish failed');
    }
  }
}

function checkTarget(type: ActionType, target: ActionTarget): void {
  if (!targetAllowed(type, target.type))
    throw new AppError('VALIDATION_ERROR', `${type} does not act on a target of type ${target.type}`, [
      { field: 'target.type', message: `not a target type of ${type}` },
    ]);
  if (!target.value.trim())
    throw new AppError('VALIDATION_ERROR', 'target.value is blank', [
      { field: 'target.value', message: 'blank' },
    ]);
}

function notPending(status?: string): AppError {
  return new AppError('CONFLICT', `the action is no longer pending${status ? ` (it is ${status})` : ''}`);
}

function statusEvent(a: ActionRecord, from: string | null, by: string): EventInput {
  return {
    type: 'action_status_changed',
    data: { incident_id: a.incident_id, action_id: a.id, action_type: a.action_type, from, to: a.status, by },
  };
}
