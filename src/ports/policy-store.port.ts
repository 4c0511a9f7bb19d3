import type { ActionType } from '../contracts/index.ts';
import type { ActionCounts } from './policy.port.ts';

/** Where a stored policy version came from. */
export type PolicyOrigin = 'builtin' | 'file' | 'api' | 'rollback';

/** One stored guardrails version (table policy_versions, migration 0013_policies). */
export interface PolicyVersionRow {
  version: number;
  source: string;
  origin: PolicyOrigin;
  createdBy: string;
  createdAt: Date;
  comment: string | null;
  active: boolean;
}

/** What a start-up did with the configured (or built-in) document. */
export type PolicySyncResult = 'created' | 'updated' | 'unchanged';

/**
 * Versioned guardrails (docs/POLICY.md). Every write stores a new version and makes it the only
 * active one, with the audit rows `policy.created` and `policy.activated`, in one transaction;
 * writers are serialised so concurrent writers never produce two versions of one number.
 */
export interface PolicyStore {
  active(): Promise<PolicyVersionRow | undefined>;
  get(version: number): Promise<PolicyVersionRow | undefined>;
  /** Newest first. */
  list(offset: number, limit: number): Promise<{ rows: PolicyVersionRow[]; total: number }>;
  /**
   * Stores `source` as a new active version. With `expectedVersion`, refuses (`conflict`) unless it
   * is the active version at the time of the write.
   */
  create(
    input: {
      source: string;
      origin: PolicyOrigin;
      comment: string | null;
      expectedVersion?: number;
      rollbackOf?: number;
    },
    actor: string,
  ): Promise<PolicyVersionRow | 'conflict'>;
  /**
   * At start: stores `source` as version 1 when no version exists, or as a new version when it came
   * from the configured file and that file's content was not loaded before and is not active.
   */
  sync(
    source: string,
    origin: 'builtin' | 'file',
    actor: string,
  ): Promise<{ result: PolicySyncResult; version: number }>;
}

/** Cluster-wide action counts for the rate limits (swappable: the actions store owns the table). */
export type ActionCountSource = (actionType: ActionType) => Promise<ActionCounts>;
