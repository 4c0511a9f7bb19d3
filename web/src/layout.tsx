import { useEffect, useRef, type ReactNode } from 'react';
import { useLogout } from './api/session.ts';
import { useEventStream } from './api/stream.ts';
import type { Me } from './api/types.ts';
import { ThemeToggle } from './components/theme-toggle.tsx';
import type { PageDef } from './pages/index.ts';
import { Link, navigate } from './router.tsx';

export function Layout({
  me,
  pages,
  current,
  children,
}: {
  me: Me;
  pages: readonly PageDef[];
  current: string;
  children: ReactNode;
}) {
  const stream = useEventStream(true);
  const logout = useLogout();
  const main = useRef<HTMLElement>(null);
  const title = pages.find((p) => p.path === current)?.title ?? 'Triage Warden';
  useEffect(() => {
    document.title = `${title} · Triage Warden`;
  }, [title]);
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Triage Warden</span>
        <span className={`live ${stream}`} role="status" aria-label={`Live updates: ${stream}`}>
          {stream === 'live' ? 'Live' : stream === 'connecting' ? 'Connecting' : 'Reconnecting'}
        </span>
        <span className="spacer" />
        <ThemeToggle />
        <span className="who">
          {me.name ?? me.id} ({me.role ?? me.kind})
        </span>
        <button
          type="button"
          onClick={() => {
            void logout().then(() => navigate('/login'));
          }}
        >
          Log out
        </button>
      </header>
      <nav aria-label="Main" className="side">
        <ul>
          {pages
            .filter((p) => p.nav)
            .map((p) => (
              <li key={p.path}>
                <Link to={p.path} aria-current={p.path === current ? 'page' : undefined}>
                  {p.title}
                </Link>
              </li>
            ))}
        </ul>
      </nav>
      <main id="main" ref={main} tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
