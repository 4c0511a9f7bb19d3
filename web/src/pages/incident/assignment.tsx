import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import type { Incident } from '../../api/types.ts';
import { ErrorState } from '../../components/states.tsx';

/** PUT /incidents/:id/assignee (case work); the assignee field is absent on servers without it. */
export function Assignment({ incident }: { incident: Incident }) {
  const client = useQueryClient();
  const [name, setName] = useState(incident.assignee ?? '');
  const assign = useMutation({
    mutationFn: (assignee: string | null) =>
      api.put(`/api/v1/incidents/${incident.id}/assignee`, { assignee }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['incident', incident.id] }),
  });
  if (incident.assignee === undefined)
    return <p className="muted small">Assignment is not available on this server.</p>;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    assign.mutate(name.trim() || null);
  };
  return (
    <form className="row" onSubmit={submit} aria-label="Assignment">
      <label>
        Assignee
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="unassigned" />
      </label>
      <button type="submit" disabled={assign.isPending}>
        Assign
      </button>
      {assign.isError && <ErrorState error={assign.error} feature="Assignment" />}
    </form>
  );
}
