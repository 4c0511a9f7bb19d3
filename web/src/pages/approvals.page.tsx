import { useQuery } from '@tanstack/react-query';
import { fetchApprovals } from '../api/actions.ts';
import { ActionRow } from '../components/action-row.tsx';
import { QueryView } from '../components/states.tsx';

export function ApprovalsPage() {
  const q = useQuery({ queryKey: ['approvals'], queryFn: fetchApprovals });
  return (
    <>
      <h1>Approvals</h1>
      <QueryView
        query={q}
        feature="Approvals"
        empty="No action is waiting for approval."
        isEmpty={(d) => d.length === 0}
      >
        {(d) => (
          <ul className="actions">
            {d.map((a) => (
              <ActionRow key={a.id} action={a} showIncident />
            ))}
          </ul>
        )}
      </QueryView>
    </>
  );
}
