import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ROLES } from '../../../src/contracts/vocabulary.ts';
import { api } from '../api/client.ts';
import { ErrorState } from '../components/states.tsx';

/** POST /api/v1/api-keys: the key is shown once here and stored nowhere but as a hash. */
export function CreateKeyForm() {
  const client = useQueryClient();
  const [form, setForm] = useState({ name: '', role: 'analyst', expires_in: '90d' });
  const create = useMutation({
    mutationFn: () =>
      api.post<{ key: string }>('/api/v1/api-keys', {
        name: form.name.trim(),
        role: form.role,
        ...(form.expires_in ? { expires_in: form.expires_in } : {}),
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['api-keys'] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [k]: e.target.value });
  return (
    <>
      <form className="row" onSubmit={submit} aria-label="Create an API key">
        <label>
          Name
          <input required value={form.name} onChange={set('name')} />
        </label>
        <label>
          Role
          <select aria-label="Role" value={form.role} onChange={set('role')}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          Expires in (e.g. 30d, 12h; empty: never)
          <input value={form.expires_in} onChange={set('expires_in')} />
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create key
        </button>
      </form>
      {create.isError && <ErrorState error={create.error} />}
      {create.data && (
        <p className="state" role="status">
          New key (shown only now; store it): <code>{create.data.key}</code>
        </p>
      )}
    </>
  );
}
