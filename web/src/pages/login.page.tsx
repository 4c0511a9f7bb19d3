import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client.ts';
import { login, useSsoConfig } from '../api/session.ts';
import { ThemeToggle } from '../components/theme-toggle.tsx';

export function LoginPage() {
  const client = useQueryClient();
  const sso = useSsoConfig();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username, password);
      await client.invalidateQueries({ queryKey: ['me'] });
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? 'Wrong username or password.'
          : err instanceof ApiError
            ? err.message
            : 'The server could not be reached.',
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="login">
      <form onSubmit={submit} className="card" aria-labelledby="login-title">
        <h1 id="login-title">Triage Warden</h1>
        <label>
          Username
          <input
            autoComplete="username"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p className="state error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        {sso.data?.enabled && sso.data.login_url && (
          <a className="button" href={sso.data.login_url}>
            Log in with single sign-on
          </a>
        )}
        <ThemeToggle />
      </form>
    </main>
  );
}
