import { useQuery } from '@tanstack/react-query';
import { metricValue, useMetrics } from '../api/metrics.ts';
import { ErrorState, Loading } from '../components/states.tsx';

interface Ready {
  status: string;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

/** What this API process can see of the cluster: readiness and its /metrics. */
export function ClusterPage() {
  const ready = useQuery({
    queryKey: ['ready'],
    // 503 still carries the checks: read the body whatever the status.
    queryFn: async () => {
      const res = await fetch('/ready', { headers: { accept: 'application/json' } });
      return (await res.json()) as Ready;
    },
    refetchInterval: 10_000,
  });
  const metrics = useMetrics();
  const m = (name: string) => (metrics.data ? metricValue(metrics.data, name) : undefined);
  const leader = m('tw_leader');
  return (
    <>
      <h1>Cluster</h1>
      <section aria-labelledby="ready-h">
        <h2 id="ready-h">Readiness of this API process</h2>
        {ready.isPending ? (
          <Loading />
        ) : ready.isError ? (
          <ErrorState error={ready.error} />
        ) : (
          <>
            <p>
              Status: <strong>{ready.data.status}</strong>
            </p>
            <ul>
              {Object.entries(ready.data.checks).map(([name, c]) => (
                <li key={name}>
                  {name}: {c.ok ? 'ok' : 'failing'} {c.detail && <span className="muted">({c.detail})</span>}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
      <section aria-labelledby="metrics-h">
        <h2 id="metrics-h">From /metrics</h2>
        {metrics.isPending ? (
          <Loading />
        ) : metrics.isError ? (
          <ErrorState error={metrics.error} />
        ) : (
          <dl className="facts">
            <dt>This process leads</dt>
            <dd>{leader === undefined ? 'n/a (no orchestrator here)' : leader === 1 ? 'yes' : 'no'}</dd>
            <dt>Leader term</dt>
            <dd>{m('tw_leader_term') ?? 'n/a'}</dd>
            <dt>Queue depth</dt>
            <dd>{m('incident_queue_depth') ?? 'n/a'}</dd>
            <dt>WebSocket clients</dt>
            <dd>{m('tw_websocket_connections') ?? 'n/a'}</dd>
            <dt>Approvals pending</dt>
            <dd>{m('tw_approvals_pending') ?? 'n/a'}</dd>
          </dl>
        )}
      </section>
    </>
  );
}
