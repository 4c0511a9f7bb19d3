import { sql, type Kysely } from 'kysely';
import type { Fence } from '../../ports/index.ts';
import type { DB } from './schema.ts';

/**
 * The fencing check, in the caller's transaction: raises the stored fence to `fence` unless a newer
 * one is there, and returns the fence's epoch (null when refused). The row stays locked until the
 * transaction ends, so a newer leader's claim waits for our writes or wins first.
 *
 * Order: (epoch, term). Within an epoch the higher elector term wins. A holder that knows its epoch
 * (it claimed before in this term) is compared on both; a first claim adopts the stored epoch when its
 * term is at least the stored one. Takeover: a first claim facing a higher term whose holder has not
 * touched the fence for `takeoverAfterMs` (an active leader claims it every reconciler pass) opens
 * the next epoch. That is how a deployment recovers the fence after the database was used by another
 * one whose terms are larger (Redis terms are microsecond clocks; the in-process elector counts from
 * 1), and the old holder, should it come back, is refused: its epoch is lower.
 */
export async function raiseFence(
  tx: Kysely<DB>,
  fence: Fence,
  takeoverAfterMs?: number,
): Promise<{ epoch: number; takeover: boolean } | null> {
  // Read (and lock) first: a takeover shows as the epoch moving on.
  const before = await sql<{ epoch: string | number }>`
    SELECT epoch FROM leader_fences WHERE name = ${fence.name} FOR UPDATE`.execute(tx);
  const term = sql`${String(fence.term)}::bigint`;
  const ok =
    fence.epoch === undefined
      ? sql`leader_fences.term <= ${term}`
      : sql`(leader_fences.epoch, leader_fences.term) <= (${String(fence.epoch)}::bigint, ${term})`;
  const takeover =
    fence.epoch === undefined && takeoverAfterMs !== undefined
      ? sql`leader_fences.updated_at < now() - make_interval(secs => ${takeoverAfterMs / 1000})`
      : sql`false`;
  const r = await sql<{ epoch: string | number }>`
    INSERT INTO leader_fences (name, term, holder) VALUES (${fence.name}, ${term}, ${fence.holder})
    ON CONFLICT (name) DO UPDATE SET term = EXCLUDED.term, holder = EXCLUDED.holder, updated_at = now(),
      epoch = CASE WHEN ${ok} THEN leader_fences.epoch ELSE leader_fences.epoch + 1 END
      WHERE ${ok} OR ${takeover}
    RETURNING epoch`.execute(tx);
  const row = r.rows[0];
  if (!row) return null;
  const prior = before.rows[0];
  const epoch = Number(row.epoch);
  return { epoch, takeover: prior !== undefined && epoch > Number(prior.epoch) };
}
