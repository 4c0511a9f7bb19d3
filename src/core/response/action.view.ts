import type { ActionView } from '../../contracts/index.ts';
import type { ActionRecord } from '../../ports/action-store.port.ts';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** An action as the API returns it. `approval_level` only while it waits for one. */
export function toActionView(a: ActionRecord): ActionView {
  return {
    id: a.id,
    incident_id: a.incident_id,
    action_type: a.action_type,
    target: { type: a.target.type, value: a.target.value },
    parameters: a.parameters,
    status: a.status,
    origin: a.origin,
    requested_by: a.requested_by,
    reason: a.reason,
    mode: a.mode,
    decision: a.decision,
    approval_level: a.status === 'pending' ? a.approval_level : null,
    decided_by: a.decided_by,
    decided_at: iso(a.decided_at),
    decision_comment: a.decision_comment,
    connector: a.connector,
    dry_run: a.dry_run,
    executed_at: iso(a.executed_at),
    result: a.result,
    error: a.error,
    expires_at: iso(a.expires_at),
    created_at: a.created_at.toISOString(),
    updated_at: a.updated_at.toISOString(),
  };
}
