import { useEffect } from 'react';
import { useMe } from './api/session.ts';
import { ErrorState, Loading } from './components/states.tsx';
import { Layout } from './layout.tsx';
import { LoginPage } from './pages/login.page.tsx';
import { PAGES, pageFor } from './pages/index.ts';
import { navigate, useLocation } from './router.tsx';

export function App() {
  const me = useMe();
  const { path } = useLocation();
  const loggedIn = Boolean(me.data);
  useEffect(() => {
    if (me.isSuccess && !me.data && path !== '/login') navigate('/login', { replace: true });
    if (me.data && path === '/login') navigate('/', { replace: true });
  }, [me.isSuccess, me.data, path]);
  if (me.isPending) return <Loading what="Starting" />;
  if (me.isError) return <ErrorState error={me.error} />;
  if (!loggedIn) return <LoginPage />;
  const match = pageFor(path);
  return (
    <Layout me={me.data!} pages={PAGES} current={match?.page.path ?? ''}>
      {match ? <match.page.component params={match.params} /> : <p className="state">No page at {path}.</p>}
    </Layout>
  );
}
