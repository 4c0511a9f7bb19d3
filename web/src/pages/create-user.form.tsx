import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { APPROVAL_LEVELS, ROLES } from '../../../src/contracts/vocabulary.ts';
import { api } from '../api/client.ts';
import type { User } from '../api/types.ts';
import { ErrorState } from '../components/states.tsx';

const EMPTY = { username: '', password: '', role: 'analyst', approval_level: 'analyst' };

/** POST /api/v1/users: a password user (12+ characters); single sign-on users arrive by logging in. */
export function CreateUserForm() {
  const client = useQueryClient();
  const [form, setForm] = useState(EMPTY);
  const create = useMutation({
    mutationFn: () => api.post<User>('/api/v1/users', form),
    onSuccess: () => {
      setForm(EMPTY);
      void client.invalidateQueries({ queryKey: ['users'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [k]: e.target.value });
  return (
    <form className="row" onSubmit={submit} aria-label="Create a user">
      <label>
        Username
        <input required value={form.username} onChange={set('username')} autoComplete="off" />
      </label>
      <label>
        Password
        <input
          required
          type="password"
          minLength={12}
          value={form.password}
          onChange={set('password')}
          autoComplete="new-password"
        />
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
        Approval level
        <select aria-label="Approval level" value={form.approval_level} onChange={set('approval_level')}>
          {APPROVAL_LEVELS.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      <button type="submit" className="primary" disabled={create.isPending}>
        Create user
      </button>
      {create.isError && <ErrorState error={create.error} />}
    </form>
  );
}
