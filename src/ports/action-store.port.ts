import type {
  ActionOrigin,
  ActionTarget,
  ActionType,
  ApprovalLevel,
  ApprovalStatus,
  ActionView,
  OperationMode,
  PolicyDecision,
} from '../contracts/index.ts';
import type { Fence } from './incident-store.port.ts';
import type { ActionCounts, ActionRateLimit } from './policy.port.ts';

/**
 * A stored response action (table `actions`, docs/RESPONSE.md): the API's ActionView (one source of
 * the fields) with its times as Dates, plus the row version.
 */
export interface ActionRecord extends Omit<
  ActionView,
  'decided_at' | 'executed_at' | 'expires_at' | 'created_at' | 'updated_at'
> {
  decided_at: Date | null;
  executed_at: Date | null;
  expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
  version: number;
}

export interface NewAction {
  id: string;
  incident_id: string;
  action_type: ActionType;
  target: ActionTarget;
  parameters: Record<string, unknown>;
  status: Extract<ApprovalStatus, 'pending' | 'auto_approved' | 'denied'>;
  origin: ActionOrigin;
  requested_by: string;
  reason: string | null;
  mode: OperationMode;
  decision: PolicyDecision;
  approval_level: ApprovalLevel | null;
  connector: string | null;
  expires_at: Date | null;
  /**
   * For recommended actions: `<run>:<step id>:<target>` so a redelivered triage job proposes it once
   * (unique per incident). Null for manual actions.
   */
  dedupe_key: string | null;
}

export interface ActionListQuery {
  incident_id?: string;
  status?: ApprovalStatus[];
  action_type?: ActionType;
  /** Exactly this required approval level. */
  approval_level?: ApprovalLevel;
  /** Pending actions whose required level the caller meets (analyst < senior < manager). */
  max_level?: ApprovalLevel;
  page: number;
  per_page: number;
}

/**
 * Where actions persist. Every status move is a conditional update (compare-and-set on the current
 * status) that writes its audit row in the same transaction; a move that lost the race returns null.
 */
export interface ActionStore {
  /** Inserts with its audit row; returns the existing row when `dedupe_key` was already used. */
  create(action: NewAction, actor: string): Promise<{ action: ActionRecord; created: boolean }>;
  get(id: string): Promise<ActionRecord | null>;
  list(query: ActionListQuery): Promise<{ items: ActionRecord[]; total: number }>;
  /** pending → approved | denied by a person. */
  decide(
    id: string,
    to: 'approved' | 'denied',
    by: string,
    comment: string | null,
  ): Promise<ActionRecord | null>;
  /**
   * approved | auto_approved → executing, only when the type's rate limit allows (counted across the
   * cluster under a per-type transaction lock). `rate_limited` names the window that refused it (the
   * action then moves to denied with rule `rate_limit.<type>.<window>`).
   */
  claim(
    id: string,
    limit: ActionRateLimit | null,
    by: string,
  ): Promise<
    { action: ActionRecord } | { action: null; reason: 'not_claimable' | 'rate_limited'; window?: string }
  >;
  /** executing → executed | failed with the connector's outcome. */
  finish(
    id: string,
    outcome:
      | { status: 'executed'; result: Record<string, unknown>; dry_run?: boolean }
      | {
          status: 'failed';
          error: { code: string; message: string };
          result: Record<string, unknown> | null;
          dry_run?: boolean;
        },
  ): Promise<ActionRecord | null>;
  /** Moves a not-started action to failed (kill switch active, no connector…). */
  fail(
    id: string,
    from: ApprovalStatus[],
    error: { code: string; message: string },
  ): Promise<ActionRecord | null>;
  counts(actionType: ActionType): Promise<ActionCounts>;
  /** An audit row about an action that moves no status (`approval.notified`). */
  note(action: ActionRecord, actor: string, what: string, details: Record<string, unknown>): Promise<void>;
  /** Leader: pending actions past `expires_at` → denied (decided_by `system:expiry`). */
  expirePending(fence: Fence, now: Date, limit: number): Promise<ActionRecord[] | null>;
  /** Leader: executing longer than `olderThanMs` → failed OUTCOME_UNKNOWN (never re-run). */
  failStaleExecuting(fence: Fence, olderThanMs: number, limit: number): Promise<ActionRecord[] | null>;
}
