import type { CommentView, RelatedIncident, SavedView } from '../contracts/casework.ts';
import type { Severity } from '../contracts/index.ts';
import type { IncidentListQuery, IncidentRecord } from './incident-store.port.ts';

/**
 * Why a case-work write did not apply. `not_found`: no such incident; `version`: the caller's expected
 * version no longer holds (`current` is the version now); `unknown_user`: the assignee is no
 * (enabled) user; `too_many_tags`: the result would exceed the tag limit.
 */
export type CaseworkRefusal =
  | { refused: 'not_found' }
  | { refused: 'version'; current: number }
  | { refused: 'unknown_user' }
  | { refused: 'too_many_tags'; count: number };

/** A write that applied: the incident after it, and whether anything changed (no audit, no event when not). */
export interface CaseworkChange {
  incident: IncidentRecord;
  changed: boolean;
}

export type CaseworkOutcome = CaseworkChange | CaseworkRefusal;

/** Who acts, and the version they saw (optional compare-and-set). */
export interface CaseworkActor {
  actor: string;
  expectedVersion?: number;
}

/**
 * Case work storage (docs/CASEWORK.md). Every write locks the incident row, checks the expected
 * version when given, bumps `version` and writes its audit row in the same transaction.
 */
export interface CaseworkStore {
  /** Sets (a username; checked against enabled users, stored as spelled there) or clears the assignee. */
  assign(id: string, assignee: string | null, by: CaseworkActor): Promise<CaseworkOutcome>;
  /** Adds, then removes, normalised tags; at most `maxTags` after the change. */
  retag(
    id: string,
    change: { add: readonly string[]; remove: readonly string[] },
    maxTags: number,
    by: CaseworkActor,
  ): Promise<CaseworkOutcome>;
  /** Overrides severity and/or type; the first override of each keeps the value it replaced. */
  override(
    id: string,
    change: { severity?: Severity; incident_type?: string },
    reason: string,
    by: CaseworkActor,
  ): Promise<CaseworkOutcome>;
  /** Adds a comment; `candidates` are the `@names` found in the body, kept only when such users exist. */
  comment(
    id: string,
    comment: { id: string; author: string; body: string; candidates: readonly string[] },
  ): Promise<CommentView | null>;
  /** Comments oldest first (at most `limit`), or null when the incident does not exist. */
  comments(id: string, limit: number): Promise<CommentView[] | null>;
  /** Incidents sharing an indicator with this one, newest first; null when it does not exist. */
  related(id: string, limit: number): Promise<RelatedIncident[] | null>;
  /** Pages of incidents matching the list filters, newest first, walked by keyset (`after` = last row). */
  exportPage(
    filters: IncidentListQuery,
    after: { created_at: string; id: string } | null,
    size: number,
  ): Promise<{ rows: IncidentRecord[]; last: { created_at: string; id: string } | null }>;
  /** The canonical spelling of an enabled user's name, or null. */
  userNamed(username: string): Promise<string | null>;
}

export interface SavedViewStore {
  list(owner: string): Promise<SavedView[]>;
  /** `duplicate`: the owner already has a view of that name; `full`: the owner has `limit` views. */
  create(
    owner: string,
    view: { id: string; name: string; query: Record<string, string> },
    limit: number,
  ): Promise<SavedView | 'duplicate' | 'full'>;
  /** Null when no such view of this owner. */
  update(
    owner: string,
    id: string,
    change: { name?: string; query?: Record<string, string> },
  ): Promise<SavedView | null | 'duplicate'>;
  remove(owner: string, id: string): Promise<boolean>;
}
