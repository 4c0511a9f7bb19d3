import { useQuery } from '@tanstack/react-query';
import { CLASSIFICATIONS, INCIDENT_STATUSES, SEVERITIES } from '../../../src/contracts/vocabulary.ts';
import { api } from '../api/client.ts';
import { useCount } from '../api/incidents.ts';
import { metricValue, useMetrics } from '../api/metrics.ts';
import type { KillSwitch } from '../api/types.ts';
import { ErrorState, Loading } from '../components/states.tsx';
import { Link } from '../router.tsx';
import { OverviewStatsSection } from './overview-stats.tsx';

function CountTile({ label, filter }: { label: string; filter: Record<string, string> }) {
  const q = useCount(filter);
  const [key, value] = Object.entries(filter)[0]!;
  return (
    <li className="tile">
      <Link to={`/incidents?${key}=${value}`}>
        <span className="tile-label">{label.replaceAll('_', ' ')}</span>
        <span className="tile-value">
          {q.isPending ? '…' : q.isError ? '—' : `${q.data.total}${q.data.exact ? '' : '+'}`}
        </span>
      </Link>
    </li>
  );
}

/** Verdict counts need the list's `classification` filter (case work); 400 means this server lacks it. */
function VerdictCounts() {
  const probe = useCount({ classification: 'malicious' });
  if (probe.isPending) return <Loading />;
  if (probe.isError)
    return <p className="state unavailable">Counts by verdict are not available on this server.</p>;
  return (
    <ul className="tiles">
      {CLASSIFICATIONS.map((c) => (
        <CountTile key={c} label={c} filter={{ classification: c }} />
      ))}
    </ul>
  );
}

function Operations() {
  const metrics = useMetrics();
  const kill = useQuery({
    queryKey: ['kill-switch'],
    queryFn: () => api.get<KillSwitch>('/api/v1/kill-switch'),
  });
  const approvals = useQuery({
    // Its own key under 'approvals' (the Approvals page caches the list itself under ['approvals']).
    queryKey: ['approvals', 'count'],
    queryFn: async () =>
      (await api.get<{ pagination: { total_items: number } }>('/api/v1/approvals', { per_page: 1 }))
        .pagination.total_items,
  });
  const depth = metrics.data ? metricValue(metrics.data, 'incident_queue_depth') : undefined;
  return (
    <ul className="tiles">
      <li className={`tile ${kill.data?.active ? 'alarm' : ''}`} data-testid="kill-switch-tile">
        <Link to="/kill-switch">
          <span className="tile-label">Kill switch</span>
          <span className="tile-value">
            {kill.isPending ? '…' : kill.isError ? '—' : kill.data.active ? 'ACTIVE' : 'off'}
          </span>
        </Link>
      </li>
      <li className="tile">
        <Link to="/approvals">
          <span className="tile-label">Approvals waiting</span>
          <span className="tile-value">
            {approvals.isPending ? '…' : approvals.isError ? 'n/a' : approvals.data}
          </span>
        </Link>
      </li>
      <li className="tile">
        <Link to="/cluster">
          <span className="tile-label">Queue depth</span>
          <span className="tile-value">{depth === undefined ? 'n/a' : depth}</span>
        </Link>
      </li>
    </ul>
  );
}

export function OverviewPage() {
  const total = useCount({});
  return (
    <>
      <h1>Overview</h1>
      <section aria-labelledby="ops-h">
        <h2 id="ops-h">Operations</h2>
        <Operations />
      </section>
      <OverviewStatsSection />
      <section aria-labelledby="status-h">
        <h2 id="status-h">
          Incidents by status{' '}
          <span className="muted">
            {total.data ? `(${total.data.total}${total.data.exact ? '' : '+'} in all)` : ''}
          </span>
        </h2>
        {total.isError ? (
          <ErrorState error={total.error} />
        ) : (
          <ul className="tiles">
            {INCIDENT_STATUSES.map((s) => (
              <CountTile key={s} label={s} filter={{ status: s }} />
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="sev-h">
        <h2 id="sev-h">By severity</h2>
        <ul className="tiles">
          {SEVERITIES.map((s) => (
            <CountTile key={s} label={s} filter={{ severity: s }} />
          ))}
        </ul>
      </section>
      <section aria-labelledby="verdict-h">
        <h2 id="verdict-h">By verdict</h2>
        <VerdictCounts />
      </section>
      <p className="muted small">Counts are exact up to 1,000 (then shown as 1000+).</p>
    </>
  );
}
