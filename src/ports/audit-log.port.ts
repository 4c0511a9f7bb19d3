import type { Fence } from './incident-store.port.ts';

/** Where a chain check stopped: the first row that does not hold (docs/AUDIT.md). */
export interface AuditChainProblem {
  /**
   * `edited`: the row's content no longer gives its hash. `missing`: a row of the expected sequence is
   * absent (a gap, the oldest retained row, or the newest rows). `reordered`: the row is intact but
   * does not follow the row before it (its prev_hash names another row).
   */
  kind: 'edited' | 'missing' | 'reordered';
  /** The sequence number expected at this position. */
  seq: string;
  /** The audit_log id of the row found there, when one is. */
  id: string | null;
  detail: string;
}

export interface AuditChainReport {
  ok: boolean;
  /** Rows checked (all retained rows when ok). */
  rows: number;
  /** The anchor: the oldest retained row's seq and the prev_hash trusted for it. */
  anchor: { seq: string; prevHash: string; movedAt: Date | null };
  /** The chain head: the last seq and hash written. */
  head: { seq: string; hash: string };
  problem?: AuditChainProblem;
}

/**
 * The audit log as a whole (the `audit_log` table). Rows are written in the transaction of the change
 * they record (every INSERT INTO audit_log is chained by the database itself, see migration
 * 0011_audit_chain); this port checks the chain and applies audit's own retention.
 */
export interface AuditLogStore {
  /** Walks the retained rows from the anchor to the head; stops at the first bad row. */
  verify(): Promise<AuditChainReport>;
  /**
   * Deletes up to `limit` of the oldest rows written more than `olderThanMs` ago (a prefix of the
   * chain, never the newest row) and moves the anchor past them, under the leader fence. Returns the
   * rows deleted, or null when a newer leader holds the fence.
   */
  purge(fence: Fence, olderThanMs: number, limit: number): Promise<number | null>;
}
