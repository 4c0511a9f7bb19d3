import { useState } from 'react';
import { CLOSED_STATUSES, useIncidentWrite, type IncidentWrite } from '../../api/casework.ts';
import type { Incident } from '../../api/types.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { WriteError } from './write-error.tsx';

interface Move {
  label: string;
  write: (reason: string) => IncidentWrite;
  /** Whether the lifecycle's rules let an analyst make this move from `status`. */
  from: (status: string) => boolean;
}

const open = (s: string) => !CLOSED_STATUSES.has(s);
const status = (to: string) => (reason: string) => ({ kind: 'status', status: to, reason }) as const;

/** The analyst's moves (docs/INCIDENT-LIFECYCLE.md); the server checks them again. */
const MOVES: Move[] = [
  { label: 'Resolve', write: status('resolved'), from: open },
  { label: 'False positive', write: status('false_positive'), from: open },
  { label: 'Dismiss', write: status('dismissed'), from: open },
  { label: 'Escalate', write: status('escalated'), from: (s) => open(s) && s !== 'escalated' },
  { label: 'Close', write: status('closed'), from: (s) => s !== 'closed' },
  { label: 'Reopen', write: (reason) => ({ kind: 'reopen', reason }), from: (s) => CLOSED_STATUSES.has(s) },
];

/** Status change with a required reason (POST /incidents/:id/status) and reopen (POST …/reopen). */
export function StatusControls({ incident }: { incident: Incident }) {
  const write = useIncidentWrite(incident);
  const [move, setMove] = useState<Move | null>(null);
  const moves = MOVES.filter((m) => m.from(incident.status));
  return (
    <div className="row" role="group" aria-label="Status">
      {moves.map((m) => (
        <button key={m.label} type="button" onClick={() => setMove(m)}>
          {m.label}…
        </button>
      ))}
      {write.isError && <WriteError error={write.error} />}
      <ConfirmDialog
        open={move !== null}
        title={`${move?.label ?? ''}: ${incident.title}`}
        body={`Now ${incident.status.replaceAll('_', ' ')}. The reason goes to the timeline and the audit log.`}
        confirmLabel={move?.label ?? ''}
        onCancel={() => setMove(null)}
        onConfirm={async (reason) => {
          if (move) await write.mutateAsync(move.write(reason)).catch(() => undefined);
          setMove(null);
        }}
      />
    </div>
  );
}
