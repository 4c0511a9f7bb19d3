import type { ActionType } from '../../contracts/index.ts';
import type { ActionRecord, ActionStore } from '../../ports/action-store.port.ts';
import type { ConnectorDirectory, ConnectorResult } from '../../ports/action-connector.port.ts';
import type { EventBus, EventInput, IncidentStore, KillSwitchView, Logger } from '../../ports/index.ts';
import type { PolicyProvider } from '../../ports/policy.port.ts';

/** What an `action.execute` job came to (also the `outcome` label of tw_actions_total). */
export type ExecutionOutcome =
  | 'executed'
  | 'failed'
  | 'kill_switch'
  | 'no_connector'
  | 'rate_limited'
  /** Nothing to do: not approved (any more), or another worker holds or finished it. */
  | 'skipped';

export interface ActionExecutorDeps {
  store: ActionStore;
  incidents: Pick<IncidentStore, 'get'>;
  policy: PolicyProvider;
  connectors: ConnectorDirectory;
  killSwitch: KillSwitchView;
  bus: EventBus;
  log: Logger;
  /** Bound on one connector call (`response.action_timeout`). */
  actionTimeoutMs: number;
  /** The claimer written on the action and the audit actor: `orchestrator:<instance>`. */
  actor: string;
  /** Counts outcomes (tw_actions_total{action_type, outcome}). */
  count?: (actionType: ActionType, outcome: ExecutionOutcome) => void;
}

const STARTABLE = ['approved', 'auto_approved'] as const;

/**
 * Runs one approved action at most once (docs/RESPONSE.md): refuses while the kill switch is active,
 * needs a connector, then claims the row (approved → executing, one worker wins, under the type's
 * cluster-wide rate limit), calls the connector with the action id as idempotency key, and records
 * the outcome. It throws only before the claim (a database error: the job retries); a crash after the
 * claim leaves the action `executing` until the leader marks it failed OUTCOME_UNKNOWN. Never re-run.
 * No process-local state: any worker may run any job.
 */
export class ActionExecutor {
  constructor(private readonly deps: ActionExecutorDeps) {}

  async execute(actionId: string): Promise<ExecutionOutcome> {
    const { store, log } = this.deps;
    const a = await store.get(actionId);
    if (!a) {
      log.info({ action_id: actionId }, 'action.execute: no such action (deleted with its incident?)');
      return 'skipped';
    }
    if (a.status !== 'approved' && a.status !== 'auto_approved') {
      log.info({ action_id: a.id, status: a.status }, 'action.execute: not startable, nothing to do');
      return 'skipped';
    }
    // Checked right before the start (docs/RESPONSE.md): a blocked action fails visibly; a person may
    // request it again once the switch is released. It is never started later behind their back.
    if (this.deps.killSwitch.isActive())
      return this.refuse(a, 'kill_switch', 'KILL_SWITCH_ACTIVE', 'the kill switch is active: not started');
    const found = await this.deps.connectors.resolve(a.action_type, a.connector);
    if (!found.connector) return this.refuse(a, 'no_connector', 'NO_CONNECTOR', found.reason);
    const policy = await this.deps.policy.active();
    const claimed = await store.claim(a.id, policy.rateLimit(a.action_type), this.deps.actor);
    if (!claimed.action) {
      if (claimed.reason === 'rate_limited') {
        await this.publish([
          {
            type: 'action_denied',
            data: { incident_id: a.incident_id, action_id: a.id, by: 'system:rate_limit' },
          },
          status(a, a.status, 'denied', 'system:rate_limit'),
        ]);
        return this.counted(a, 'rate_limited');
      }
      log.info({ action_id: a.id }, 'action.execute: another worker claimed it first');
      return 'skipped';
    }
    await this.publish([status(a, a.status, 'executing', this.deps.actor)]);
    const incident = await this.deps.incidents.get(a.incident_id).catch(() => null);
    const request = {
      action_id: a.id,
      action_type: a.action_type,
      target: a.target,
      parameters: a.parameters,
      incident: {
        id: a.incident_id,
        title: incident?.title ?? '',
        severity: incident?.severity ?? 'medium',
        incident_type: incident?.incident_type ?? 'unknown',
      },
      reason: a.reason,
    };
    let result: ConnectorResult;
    const timeout = AbortSignal.timeout(this.deps.actionTimeoutMs);
    try {
      result = found.dryRun
        ? await found.connector.dryRun(request)
        : await found.connector.execute(request, timeout);
      // Our bound fired (connectors see it as an abort): say so, and that the vendor may have acted.
      if (!result.ok && timeout.aborted && result.code === 'ABORTED')
        result = {
          ...result,
          code: 'TIMEOUT',
          message: `no answer within response.action_timeout (${this.deps.actionTimeoutMs} ms); the vendor may have acted`,
        };
    } catch (err) {
      // A connector must not throw; one that does may have sent the request.
      log.warn({ action_id: a.id, connector: found.connector.name, err: String(err) }, 'connector threw');
      result = {
        ok: false,
        code: 'OUTCOME_UNKNOWN',
        message: 'the connector failed unexpectedly; the vendor may have acted',
        not_applied: false,
        details: {},
      };
    }
    const connector = { connector: found.connector.name, dry_run: found.dryRun };
    const done = await store.finish(
      a.id,
      result.ok
        ? {
            status: 'executed',
            result: { vendor_ref: result.vendor_ref, ...connector, ...result.details },
            dry_run: found.dryRun,
          }
        : {
            status: 'failed',
            error: { code: result.code, message: result.message },
            result: { not_applied: result.not_applied, ...connector, ...result.details },
            dry_run: found.dryRun,
          },
    );
    if (!done) {
      // Only the stale sweep moves an executing action; it decided the call took too long.
      log.warn({ action_id: a.id }, 'action.execute: finished after the stale sweep marked it failed');
      return 'failed';
    }
    await this.publish([
      {
        type: 'action_executed',
        data: { incident_id: a.incident_id, action_id: a.id, result: result.ok ? 'success' : 'failure' },
      },
    ]);
    return this.counted(a, result.ok ? 'executed' : 'failed');
  }

  private async refuse(
    a: ActionRecord,
    outcome: ExecutionOutcome,
    code: string,
    message: string,
  ): Promise<ExecutionOutcome> {
    const failed = await this.deps.store.fail(a.id, [...STARTABLE], { code, message });
    if (!failed) return 'skipped';
    this.deps.log.warn({ action_id: a.id, code }, 'action not started');
    await this.publish([status(a, a.status, 'failed', this.deps.actor)]);
    return this.counted(a, outcome);
  }

  private counted(a: ActionRecord, outcome: ExecutionOutcome): ExecutionOutcome {
    this.deps.count?.(a.action_type, outcome);
    return outcome;
  }

  private async publish(events: EventInput[]): Promise<void> {
    try {
      await this.deps.bus.publishMany(events);
    } catch (err) {
      this.deps.log.warn({ err: String(err), events: events.map((e) => e.type) }, 'event publish failed');
    }
  }
}

function status(a: ActionRecord, from: string, to: string, by: string): EventInput {
  return {
    type: 'action_status_changed',
    data: { incident_id: a.incident_id, action_id: a.id, action_type: a.action_type, from, to, by },
  };
}
