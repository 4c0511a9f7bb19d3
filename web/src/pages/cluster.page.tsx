import { useQuery } from '@tanstack/react-query';
import type { ClusterView, InstanceView } from '../../../src/contracts/cluster.ts';
import { api } from '../api/client.ts';
import { metricValue, useMetrics } from '../api/metrics.ts';
import { SimpleTable, type Column } from '../components/simple-table.tsx';
import { ErrorState, Loading, QueryView } from '../components/states.tsx';

interface Ready {
  status: string;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

/** 93784 → "1d 2h", 3725 → "1h 2m", 65 → "1m 5s". */
function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

const num = (v: number | null | undefined, unit = '') =>
  v === null || v === undefined ? <span className="muted">n/a</span> : `${v}${unit}`;

const COLUMNS: Column<InstanceView>[] = [
  {
    header: 'Instance',
    cell: (i) => (
      <>
        <code title={i.id}>{i.name}</code>
        {i.leader && (
          <>
            {' '}
            <span className="badge leader">leader</span>
          </>
        )}
      </>
    ),
  },
  { header: 'Role', cell: (i) => i.role },
  { header: 'Status', cell: (i) => <span className={`badge instance-${i.status}`}>{i.status}</span> },
  { header: 'Host / PID', cell: (i) => `${i.hostname} / ${i.pid}` },
  { header: 'Version', cell: (i) => i.version },
  { header: 'Uptime', cell: (i) => duration(i.uptime_s) },
  { header: 'Seen', cell: (i) => `${duration(i.seen_ago_s)} ago` },
  { header: 'CPU', cell: (i) => num(i.load.cpu_percent, ' %') },
  { header: 'RSS', cell: (i) => num(i.load.rss_mb, ' MB') },
  { header: 'Loop lag p99', cell: (i) => num(i.load.event_loop_lag_p99_ms, ' ms') },
  {
    header: 'HTTP req / open',
    cell: (i) => `${i.load.http_requests_in_interval} / ${i.load.http_in_flight}`,
  },
  { header: 'WebSockets', cell: (i) => i.load.websocket_clients },
  {
    header: 'Jobs run / done / failed',
    cell: (i) =>
      `${i.load.jobs_active} / ${i.load.jobs_completed_in_interval} / ${i.load.jobs_failed_in_interval}`,
  },
  {
    header: 'Pool total / idle / wait',
    cell: (i) =>
      i.load.db_pool ? (
        `${i.load.db_pool.total} / ${i.load.db_pool.idle} / ${i.load.db_pool.waiting}`
      ) : (
        <span className="muted">n/a (embedded)</span>
      ),
  },
];

function Registry({ view }: { view: ClusterView }) {
  const live = view.instances.filter((i) => i.status === 'live').length;
  return (
    <>
      <dl className="facts">
        <dt>Leader</dt>
        <dd>
          {view.leader ? (
            <>
              <code>{view.leader.id}</code> ({view.leader.status ?? 'not in the registry'})
            </>
          ) : (
            <span className="muted">none yet</span>
          )}
        </dd>
        <dt>Leader term</dt>
        <dd>{view.leader ? view.leader.term : <span className="muted">n/a</span>}</dd>
        <dt>Queue depth</dt>
        <dd>
          {view.queue ? (
            `${view.queue.depth} (active ${view.queue.active}, failed ${view.queue.failed})`
          ) : (
            <span className="muted">unavailable</span>
          )}
        </dd>
        <dt>Instances live</dt>
        <dd>
          {live} of {view.instances.length} (stale after {view.stale_after_s} s without a heartbeat)
        </dd>
      </dl>
      <div className="table-scroll" role="region" aria-label="Instances, scrollable" tabIndex={0}>
        <SimpleTable label="Instances" rows={view.instances} rowKey={(i) => i.id} columns={COLUMNS} />
      </div>
      <p className="small muted">
        HTTP req, jobs done and failed count the {view.heartbeat_interval_s} s before each instance&apos;s
        last heartbeat; open and run are at that moment. Pool: the primary database pool.
      </p>
    </>
  );
}

/** The deployment's processes from the registry, plus what this API process itself sees. */
export function ClusterPage() {
  const cluster = useQuery({
    queryKey: ['cluster'],
    queryFn: () => api.get<ClusterView>('/api/v1/cluster'),
    refetchInterval: 5_000,
  });
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
  return (
    <>
      <h1>Cluster</h1>
      <section aria-labelledby="instances-h">
        <h2 id="instances-h">Instances</h2>
        <QueryView
          query={cluster}
          feature="The cluster registry"
          empty="No instance has reported yet."
          isEmpty={(v) => v.instances.length === 0}
        >
          {(v) => <Registry view={v} />}
        </QueryView>
      </section>
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
        <h2 id="metrics-h">This process&apos;s /metrics</h2>
        {metrics.isPending ? (
          <Loading />
        ) : metrics.isError ? (
          <ErrorState error={metrics.error} />
        ) : (
          <dl className="facts">
            <dt>WebSocket clients</dt>
            <dd>{m('tw_websocket_connections') ?? 'n/a'}</dd>
            <dt>Approvals pending</dt>
            <dd>{m('tw_approvals_pending') ?? 'n/a (shown by the leader)'}</dd>
          </dl>
        )}
      </section>
    </>
  );
}
