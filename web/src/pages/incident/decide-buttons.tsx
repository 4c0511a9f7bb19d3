import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client.ts';
import type { Incident } from '../../api/types.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { ErrorState } from '../../components/states.tsx';

const DECISIONS = ['resolve', 'dismiss', 'escalate'] as const;
type Decision = (typeof DECISIONS)[number];
const CLOSED = new Set(['resolved', 'false_positive', 'dismissed', 'closed']);

export function DecideButtons({ incident }: { incident: Incident }) {
  const client = useQueryClient();
  const [decision, setDecision] = useState<Decision | null>(null);
  const decide = useMutation({
    mutationFn: (v: { decision: Decision; reason: string }) =>
      api.post<Incident>(`/api/v1/incidents/${incident.id}/${v.decision}`, { reason: v.reason }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['incident', incident.id] }),
  });
  if (CLOSED.has(incident.status)) return null;
  return (
    <div className="row" role="group" aria-label="Decide">
      {DECISIONS.map((d) => (
        <button key={d} type="button" onClick={() => setDecision(d)}>
          {d[0]!.toUpperCase() + d.slice(1)}…
        </button>
      ))}
      {decide.isError && <ErrorState error={decide.error} />}
      <ConfirmDialog
        open={decision !== null}
        title={`${decision ?? ''} this incident`}
        body={incident.title}
        confirmLabel={decision ?? ''}
        onCancel={() => setDecision(null)}
        onConfirm={async (reason) => {
          if (decision) await decide.mutateAsync({ decision, reason }).catch(() => undefined);
          setDecision(null);
        }}
      />
    </div>
  );
}
