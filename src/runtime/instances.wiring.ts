import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { SqlInstanceRegistry, type SqlDatabase } from '../adapters/sql/index.ts';
import type { InstanceLoad, InstanceRole } from '../contracts/cluster.ts';
import type { Config } from '../config/index.ts';
import { ClusterService } from '../core/cluster/cluster.service.ts';
import { InstanceHeartbeatLoop } from '../core/cluster/instance-heartbeat.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { JobQueue, Logger } from '../ports/index.ts';
import { LEADER_FENCE } from '../worker/leader-jobs.ts';

/** Jobs of this process: running now, and finished/failed since start (JobWorker.stats). */
type JobTally = () => { active: number; completed: number; failed: number };

export interface InstancesWiring {
  /** This process's heartbeat: start with the runtime, stop (marks it gone) before the database closes. */
  heartbeat: InstanceHeartbeatLoop;
  /** GET /api/v1/cluster. */
  cluster: ClusterService;
  registry: SqlInstanceRegistry;
  /** The worker's job tally, once it exists (orchestrator roles). */
  bindJobs(tally: JobTally): void;
}

export interface InstancesWiringInput {
  config: Config;
  role: InstanceRole;
  database: SqlDatabase;
  metrics: Metrics;
  queue: Pick<JobQueue, 'counts'>;
  /** This process's election id (`<instance_id>-<pid>-<random>`): the fence names the leader by it. */
  id: string;
  log: Logger;
}

const MB = 1024 * 1024;
const round1 = (n: number) => Math.round(n * 10) / 10;

/** package.json's version (two levels up from src/runtime/ and dist/runtime/ alike). */
function version(): string {
  try {
    const file = new URL('../../package.json', import.meta.url);
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * The cluster registry (docs/DASHBOARD.md "Cluster"): this process's heartbeat, whose load figures are
 * the ones /metrics already keeps (event-loop lag, CPU, WebSockets, pool), and the cluster view.
 */
export function createInstances(input: InstancesWiringInput): InstancesWiring {
  const { config, database, metrics } = input;
  const registry = new SqlInstanceRegistry(database);
  const intervalMs = Math.max(100, config.server.heartbeat_interval);
  let jobs: JobTally | undefined;
  let last = { http: metrics.httpRequestsAnswered, completed: 0, failed: 0 };
  const sample = async (intervalS: number): Promise<InstanceLoad> => {
    const mem = process.memoryUsage();
    // The gauges /metrics shows. Lag p99 and CPU are windows that each reading restarts (prom-client
    // resets the lag histogram; the CPU gauge takes a usage delta), so a heartbeat and a scrape share one
    // measurement: each covers the time since the last reading by either.
    const [lag, cpu, ws] = await Promise.all([
      metrics.currentValue('nodejs_eventloop_lag_p99_seconds'),
      metrics.currentValue('cpu_usage_percent'),
      metrics.currentValue('tw_websocket_connections'),
    ]);
    const j = jobs?.() ?? { active: 0, completed: 0, failed: 0 };
    const http = metrics.httpRequestsAnswered;
    const load: InstanceLoad = {
      interval_s: round1(intervalS),
      rss_mb: round1(mem.rss / MB),
      heap_used_mb: round1(mem.heapUsed / MB),
      event_loop_lag_p99_ms: lag === undefined ? null : round1(lag * 1000),
      cpu_percent: cpu === undefined ? null : round1(cpu),
      http_requests_in_interval: http - last.http,
      http_in_flight: metrics.httpRequestsInFlight,
      websocket_clients: ws ?? 0,
      jobs_active: j.active,
      jobs_completed_in_interval: j.completed - last.completed,
      jobs_failed_in_interval: j.failed - last.failed,
      // PGlite is one in-process connection: no pool to report.
      db_pool: database.kind === 'postgres' ? { ...database.poolStats().primary } : null,
    };
    last = { http, completed: j.completed, failed: j.failed };
    return load;
  };
  const heartbeat = new InstanceHeartbeatLoop({
    registry,
    self: {
      id: input.id,
      name: config.server.instance_id,
      role: input.role,
      hostname: hostname(),
      pid: process.pid,
      version: version(),
      startedAt: new Date(Date.now() - process.uptime() * 1000),
    },
    sample,
    intervalMs,
    log: input.log.child({ component: 'instances' }),
  });
  const cluster = new ClusterService({
    registry,
    queueCounts: () => input.queue.counts(),
    fenceName: LEADER_FENCE,
    heartbeatIntervalMs: intervalMs,
  });
  return {
    heartbeat,
    cluster,
    registry,
    bindJobs: (tally) => {
      jobs = tally;
      const now = tally();
      last = { ...last, completed: now.completed, failed: now.failed };
    },
  };
}
