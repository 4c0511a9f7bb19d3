import { useState } from 'react';
import { useDecideAction } from '../api/actions.ts';
import type { ActionView } from '../api/types.ts';
import { Link } from '../router.tsx';
import { Badge, When } from './badge.tsx';
import { ConfirmDialog } from './confirm-dialog.tsx';
import { ErrorState } from './states.tsx';

/** One response action: what, on what, the policy's decision and, while pending, approve/deny. */
export function ActionRow({ action: a, showIncident }: { action: ActionView; showIncident?: boolean }) {
  const decide = useDecideAction();
  const [verb, setVerb] = useState<'approve' | 'deny' | null>(null);
  return (
    <li className="action">
      <div>
        <strong>{a.action_type.replaceAll('_', ' ')}</strong> {a.target.type} <code>{a.target.value}</code>{' '}
        <Badge kind="status" value={a.status} /> {a.dry_run && <span className="chip">dry run</span>}
        {showIncident && <Link to={`/incidents/${a.incident_id}`}>incident</Link>}
      </div>
      <div className="small">
        Policy: <Badge kind="plain" value={a.decision.outcome} /> by rule <code>{a.decision.rule}</code> (v
        {a.decision.policy_version}) — {a.decision.message}
        {a.approval_level && ` · needs ${a.approval_level} approval`}
      </div>
      <div className="small muted">
        requested by {a.requested_by} · <When at={a.created_at} />
        {a.decided_by && ` · decided by ${a.decided_by}`}
        {a.error && ` · ${a.error.code}: ${a.error.message}`}
      </div>
      {a.status === 'pending' && (
        <div className="row">
          <button type="button" className="primary" onClick={() => setVerb('approve')}>
            Approve…
          </button>
          <button type="button" className="danger" onClick={() => setVerb('deny')}>
            Deny…
          </button>
        </div>
      )}
      {decide.isError && <ErrorState error={decide.error} feature="Approvals" />}
      <ConfirmDialog
        open={verb !== null}
        title={`${verb === 'approve' ? 'Approve' : 'Deny'} ${a.action_type.replaceAll('_', ' ')}`}
        body={`${a.target.type} ${a.target.value}`}
        confirmLabel={verb === 'approve' ? 'Approve' : 'Deny'}
        danger={verb === 'deny'}
        onCancel={() => setVerb(null)}
        onConfirm={async (comment) => {
          if (verb) await decide.mutateAsync({ id: a.id, verb, comment }).catch(() => undefined);
          setVerb(null);
        }}
      />
    </li>
  );
}
