import type { ActionRecord, ActionStore } from '../../ports/action-store.port.ts';
import type { ConnectorDirectory } from '../../ports/action-connector.port.ts';
import type { IncidentStore, Logger } from '../../ports/index.ts';

export interface ApprovalNotifierDeps {
  connectors: ConnectorDirectory;
  incidents: Pick<IncidentStore, 'get'>;
  store: Pick<ActionStore, 'note'>;
  log: Logger;
  /** Bound on the notification call (`response.action_timeout`). */
  timeoutMs: number;
}

/**
 * Tells approvers an action waits for them: when a connector handles `notify`, one message through it
 * (channel `approvers`), recorded in the audit log as `approval.notified`. Best effort and in the
 * background: the proposal never waits for it, and a failure is logged and audited, nothing more.
 */
export class ApprovalNotifier {
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly deps: ApprovalNotifierDeps) {}

  pending(action: ActionRecord): void {
    const p = this.send(action)
      .catch((err: unknown) =>
        this.deps.log.warn({ action_id: action.id, err: String(err) }, 'approval notification failed'),
      )
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  /** Waits for notifications under way (shutdown, tests). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }

  private async send(action: ActionRecord): Promise<void> {
    const found = await this.deps.connectors.resolve('notify');
    if (!found.connector) return;
    const incident = await this.deps.incidents.get(action.incident_id);
    if (!incident) return;
    const message =
      `Approval needed (${action.approval_level ?? 'analyst'}): ${action.action_type} on ` +
      `${action.target.type} ${action.target.value} for incident ${incident.id} (${incident.severity})`;
    const result = await found.connector.execute(
      {
        action_id: action.id,
        action_type: 'notify',
        target: { type: 'channel', value: 'approvers' },
        parameters: { message },
        incident: {
          id: incident.id,
          title: incident.title,
          severity: incident.severity,
          incident_type: incident.incident_type,
        },
        reason: 'approval requested',
      },
      AbortSignal.timeout(this.deps.timeoutMs),
    );
    await this.deps.store.note(action, 'system:approvals', 'approval.notified', {
      connector: found.connector.name,
      ok: result.ok,
      ...(result.ok ? {} : { code: result.code }),
    });
  }
}
