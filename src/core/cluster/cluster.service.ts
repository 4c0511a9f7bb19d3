import type { ClusterView } from '../../contracts/cluster.ts';
import type { InstanceRegistry, JobCounts } from '../../ports/index.ts';

export interface ClusterServiceOptions {
  registry: InstanceRegistry;
  /** Cluster-wide job counts (the work queue). */
  queueCounts: () => Promise<JobCounts>;
  /** The fence the leader raises (`orchestrator`). */
  fenceName: string;
  heartbeatIntervalMs: number;
  /** A row not seen for this long is `stale` (default 3 heartbeat periods). */
  staleAfterMs?: number;
}

/** What `GET /api/v1/cluster` answers: the registry joined with the leader fence and the queue. */
export class ClusterService {
  constructor(private readonly options: ClusterServiceOptions) {}

  get staleAfterMs(): number {
    return this.options.staleAfterMs ?? 3 * this.options.heartbeatIntervalMs;
  }

  async view(): Promise<ClusterView> {
    const { registry } = this.options;
    const [instances, fence, counts] = await Promise.all([
      registry.list(this.staleAfterMs),
      registry.fenceHolder(this.options.fenceName),
      // The queue (Redis) being down must not hide the instances.
      this.options.queueCounts().catch(() => null),
    ]);
    for (const i of instances) i.leader = fence !== null && i.id === fence.holder;
    return {
      heartbeat_interval_s: this.options.heartbeatIntervalMs / 1000,
      stale_after_s: this.staleAfterMs / 1000,
      instances,
      leader: fence
        ? {
            id: fence.holder,
            term: fence.term,
            epoch: fence.epoch,
            claimed_at: fence.claimedAt.toISOString(),
            status: instances.find((i) => i.id === fence.holder)?.status ?? null,
          }
        : null,
      queue: counts
        ? {
            depth: counts.waiting + counts.delayed,
            waiting: counts.waiting,
            active: counts.active,
            delayed: counts.delayed,
            failed: counts.failed,
          }
        : null,
    };
  }
}
