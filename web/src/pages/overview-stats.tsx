import { useState } from 'react';
import { CLASSIFICATIONS, SEVERITIES } from '../../../src/contracts/vocabulary.ts';
import { NO_VERDICT, STATS_WINDOWS, type DurationStats } from '../../../src/contracts/stats.ts';
import { useOverviewStats, type OverviewStats, type StatsWindow } from '../api/stats.ts';
import { ErrorState, Loading } from '../components/states.tsx';
import { TimeChart, type Series } from '../components/time-chart.tsx';

const WINDOW_LABEL: Record<StatsWindow, string> = {
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
};

/** 95 s → "1.6 min"; null → "—". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(1)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

function bucketLabel(iso: string, bucket: OverviewStats['bucket']): string {
  // UTC, as the server cuts the buckets.
  return bucket === 'hour' ? `${iso.slice(11, 13)}:00` : iso.slice(5, 10);
}

function DurationTile({ label, d, testId }: { label: string; d: DurationStats; testId: string }) {
  return (
    <li className="tile" data-testid={testId}>
      <div className="tile-body">
        <span className="tile-label">{label}</span>
        <span className="tile-value">{formatDuration(d.mean_seconds)}</span>
        <span className="small muted">
          p50 {formatDuration(d.p50_seconds)} · p90 {formatDuration(d.p90_seconds)} · {d.count} incidents
        </span>
      </div>
    </li>
  );
}

function CountTile({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <li className="tile" data-testid={testId}>
      <div className="tile-body">
        <span className="tile-label">{label}</span>
        <span className="tile-value">{value}</span>
      </div>
    </li>
  );
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function Charts({ s }: { s: OverviewStats }) {
  const labels = s.buckets.map((b) => bucketLabel(b.start, s.bucket));
  const severity: Series[] = [...SEVERITIES].reverse().map((v) => ({
    key: v,
    label: v,
    className: `series-sev-${v}`,
    values: s.buckets.map((b) => b.by_severity[v]),
  }));
  const verdict: Series[] = ([...CLASSIFICATIONS, NO_VERDICT] as const).map((v) => ({
    key: v,
    label: v === NO_VERDICT ? 'no verdict' : v,
    className: `series-verdict-${v}`,
    values: s.buckets.map((b) => b.by_verdict[v]),
  }));
  const flow: Series[] = [
    {
      key: 'created',
      label: 'created',
      className: 'series-created',
      values: s.buckets.map((b) => b.created),
    },
    {
      key: 'triaged',
      label: 'triaged',
      className: 'series-triaged',
      values: s.buckets.map((b) => b.triaged),
    },
    { key: 'closed', label: 'closed', className: 'series-closed', values: s.buckets.map((b) => b.closed) },
  ];
  const per = s.bucket === 'hour' ? 'hour' : 'day';
  return (
    <>
      <ul className="tiles">
        <CountTile label="Created" value={sum(flow[0]!.values)} testId="stat-created" />
        <CountTile label="Triaged (throughput)" value={sum(flow[1]!.values)} testId="stat-triaged" />
        <CountTile label="Closed" value={sum(flow[2]!.values)} testId="stat-closed" />
        <DurationTile label="Mean time to triage" d={s.time_to_triage} testId="stat-mttt" />
        <DurationTile label="Mean time to respond" d={s.time_to_respond} testId="stat-mttr" />
      </ul>
      <div className="charts">
        <TimeChart
          title={`Created, triaged and closed per ${per}`}
          labels={labels}
          series={flow}
          stacked={false}
        />
        <TimeChart
          title={`Incidents created per ${per}, by severity`}
          labels={labels}
          series={severity}
          stacked
        />
        <TimeChart
          title={`Incidents created per ${per}, by verdict`}
          labels={labels}
          series={verdict}
          stacked
        />
      </div>
      <p className="muted small">
        Buckets are UTC {per}s; severity and verdict are the incidents&apos; current ones. Times to triage and
        to respond are over the incidents created in the window that have been triaged (or closed) so far.
        Updated {new Date(s.generated_at).toLocaleTimeString()}.
      </p>
    </>
  );
}

/** Issue 13: incidents over time, throughput and mean times, for a chosen window; live. */
export function OverviewStatsSection() {
  const [window, setWindow] = useState<StatsWindow>('24h');
  const q = useOverviewStats(window);
  return (
    <section aria-labelledby="trend-h" data-testid="overview-stats">
      <div className="row">
        <h2 id="trend-h">Over time</h2>
        <label>
          Window{' '}
          <select value={window} onChange={(e) => setWindow(e.target.value as StatsWindow)}>
            {STATS_WINDOWS.map((w) => (
              <option key={w} value={w}>
                {WINDOW_LABEL[w]}
              </option>
            ))}
          </select>
        </label>
      </div>
      {q.isPending ? (
        <Loading what="Loading statistics" />
      ) : q.isError ? (
        <ErrorState error={q.error} feature="Statistics over time" />
      ) : (
        <Charts s={q.data} />
      )}
    </section>
  );
}
