import type { InstanceLoad, InstanceRole, InstanceView } from '../contracts/cluster.ts';
import type { Fence } from './incident-store.port.ts';

/** What a process says of itself in each heartbeat. */
export interface InstanceHeartbeat {
  id: string;
  name: string;
  role: InstanceRole;
  hostname: string;
  pid: number;
  version: string;
  startedAt: Date;
  load: InstanceLoad;
}

/** The leader as the fence records it. */
export interface FenceHolder {
  holder: string;
  term: number;
  epoch: number;
  claimedAt: Date;
}

/**
 * The registry of running processes (docs/DASHBOARD.md "Cluster"), in the database every process
 * shares. Every write is one autocommitted statement (safe through PgBouncer in transaction mode).
 */
export interface InstanceRegistry {
  /** Upserts the process's row: seen now (database clock), not gone, with this load. */
  heartbeat(beat: InstanceHeartbeat): Promise<void>;
  /** Marks the row gone (graceful shutdown). */
  markGone(id: string): Promise<void>;
  /**
   * Every row, newest start first, with its status: `live` when seen within `staleAfterMs` and not
   * gone. Ages come from the database clock. `leader` is false here (the caller joins the fence).
   */
  list(staleAfterMs: number): Promise<InstanceView[]>;
  /** The holder of the named leader fence, if any leader ever claimed it. */
  fenceHolder(name: string): Promise<FenceHolder | null>;
  /**
   * Deletes rows not seen for `olderThanMs`, under the fence (nothing when a newer term holds it).
   * Returns the rows deleted, or null when fenced out.
   */
  prune(fence: Fence, olderThanMs: number): Promise<number | null>;
}
