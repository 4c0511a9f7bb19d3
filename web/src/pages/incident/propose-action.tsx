import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ACTION_TYPES, TARGET_TYPES } from '../../../../src/contracts/response.ts';
import { api } from '../../api/client.ts';
import type { ActionCreated } from '../../api/types.ts';
import { ErrorState } from '../../components/states.tsx';

/** Request a response action; the policy decides at once (allowed, denied or needs approval). */
export function ProposeAction({ incidentId }: { incidentId: string }) {
  const client = useQueryClient();
  const [form, setForm] = useState({ action_type: 'block_ip', type: 'ip', value: '', reason: '' });
  const propose = useMutation({
    mutationFn: () =>
      api.post<ActionCreated>(`/api/v1/incidents/${incidentId}/actions`, {
        action_type: form.action_type,
        target: { type: form.type, value: form.value.trim() },
        ...(form.reason.trim() ? { reason: form.reason.trim() } : {}),
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['actions', incidentId] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    propose.mutate();
  };
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [k]: e.target.value });
  return (
    <form className="row" onSubmit={submit} aria-label="Request a response action">
      <label>
        Action
        <select aria-label="Action" value={form.action_type} onChange={set('action_type')}>
          {ACTION_TYPES.map((t) => (
            <option key={t} value={t}>
              {t.replaceAll('_', ' ')}
            </option>
          ))}
        </select>
      </label>
      <label>
        Target type
        <select aria-label="Target type" value={form.type} onChange={set('type')}>
          {TARGET_TYPES.map((t) => (
            <option key={t} value={t}>
              {t.replaceAll('_', ' ')}
            </option>
          ))}
        </select>
      </label>
      <label>
        Target
        <input required value={form.value} onChange={set('value')} />
      </label>
      <label>
        Reason
        <input value={form.reason} onChange={set('reason')} />
      </label>
      <button type="submit" disabled={propose.isPending || !form.value.trim()}>
        Request
      </button>
      {propose.data && (
        <span role="status">
          Policy: {propose.data.decision.outcome.replaceAll('_', ' ')} — {propose.data.decision.message}
        </span>
      )}
      {propose.isError && <ErrorState error={propose.error} feature="Response actions" />}
    </form>
  );
}
