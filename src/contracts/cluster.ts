/**
 * The cluster registry (issue #13 page 7, docs/DASHBOARD.md "Cluster"): every API and orchestrator
 * process heartbeats a row with its load; `GET /api/v1/cluster` [system:read] answers
 * {@link ClusterView}. The dashboard imports these shapes.
 */

/** What a process runs: `all` is the embedded single process (`triage-warden start`). */
export type InstanceRole = 'all' | 'api' | 'orchestrator';

/**
 * `live`: heartbeat within the staleness window; `stale`: none since (crashed, frozen or cut off);
 * `gone`: it said so on a graceful shutdown.
 */
export type InstanceStatus = 'live' | 'stale' | 'gone';

/** Database pool of one process (the primary pool; PGlite has none, so null there). */
export interface PoolLoad {
  total: number;
  idle: number;
  waiting: number;
}

/** One heartbeat's figures; `*_in_interval` count since the previous heartbeat (`interval_s`). */
export interface InstanceLoad {
  interval_s: number;
  rss_mb: number;
  heap_used_mb: number;
  event_loop_lag_p99_ms: number | null;
  cpu_percent: number | null;
  http_requests_in_interval: number;
  http_in_flight: number;
  websocket_clients: number;
  jobs_active: number;
  jobs_completed_in_interval: number;
  jobs_failed_in_interval: number;
  db_pool: PoolLoad | null;
}

export interface InstanceView {
  /** The process's election id, `<server.instance_id>-<pid>-<random>` (unique per process start). */
  id: string;
  /** `server.instance_id` (default hostname-pid). */
  name: string;
  role: InstanceRole;
  hostname: string;
  pid: number;
  version: string;
  started_at: string;
  seen_at: string;
  /** Seconds since started_at / seen_at, by the database clock. */
  uptime_s: number;
  seen_ago_s: number;
  status: InstanceStatus;
  /** True for the holder of the leader fence. */
  leader: boolean;
  load: InstanceLoad;
}

export interface ClusterView {
  /** Heartbeat period and the staleness window (3 periods), seconds. */
  heartbeat_interval_s: number;
  stale_after_s: number;
  /** Rows not seen for an hour are pruned by the leader: `gone`/`stale` ones show until then. */
  instances: InstanceView[];
  /**
   * The leader as the fence records it (`leader_fences`, raised by every leader pass): its elector id,
   * term and when it last claimed. Null before any leader ran.
   */
  leader: {
    id: string;
    term: number;
    epoch: number;
    claimed_at: string;
    status: InstanceStatus | null;
  } | null;
  /** The work queue, cluster-wide; `depth` = waiting + delayed (as incident_queue_depth). */
  queue: { depth: number; waiting: number; active: number; delayed: number; failed: number } | null;
}
