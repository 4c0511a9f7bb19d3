/**
 * Case work on incidents (issue #13): assignment, comments, tags, overrides, reopen, bulk, related,
 * saved views. The shapes the HTTP API returns; the dashboard imports these.
 *
 * Routes (all under /api/v1, permission in brackets):
 * - PUT    /incidents/:id/assignee        {assignee: string|null}            [incidents:write]
 * - GET    /incidents?assignee=me|<user>|none                                 [incidents:read]
 * - GET    /incidents/:id/comments  → {data: CommentView[]}                   [incidents:read]
 * - POST   /incidents/:id/comments        {body}  → 201 CommentView          [incidents:write]
 * - PUT    /incidents/:id/tags            {add?: string[], remove?: string[]} [incidents:write]
 * - PATCH  /incidents/:id                 {severity?, incident_type?, reason} [incidents:write]
 * - POST   /incidents/:id/status          {status, reason}                    [incidents:decide]
 * - POST   /incidents/:id/reopen          {reason}                            [incidents:decide]
 * - POST   /incidents/bulk                {op, ids? | filter?, ...} → BulkResult [incidents:decide]
 * - GET    /incidents/:id/related → {data: RelatedIncident[]}                 [incidents:read]
 * - GET    /incidents/export?format=csv|jsonl&<list filters>  (streamed)      [incidents:read]
 * - GET/POST /views, PUT/DELETE /views/:id (saved views, per user)           [incidents:read]
 * Write bodies (assignee, tags, PATCH, status, reopen) also take an optional `version`: the incident's
 * version the caller read; if it changed since, 409 CONFLICT (details.version = current) and nothing is written.
 * Bulk `op` extras: `reason` (resolve, dismiss), `assignee` (assign: username | me | null), `tags` (tag, untag).
 * List filters added to GET /incidents: `q` (title, description, indicators, hosts, users, raw
 * payload fields), `classification`, `min_confidence`, `max_confidence`, `assignee`, `tag`.
 */
import type { IncidentView } from './incident.schema.ts';
import type { IncidentStatus, Severity } from './vocabulary.ts';

/**
 * Case fields every incident carries (beside the triage fields): assignee (username or null),
 * assigned_at, and the originals of an analyst's first severity / type override. Their schema is
 * part of the incident's (contracts/incident.schema.ts).
 */
export type CaseFields = Pick<
  IncidentView,
  'assignee' | 'assigned_at' | 'original_severity' | 'original_incident_type'
>;

export interface CommentView {
  id: string;
  incident_id: string;
  /** `user:alice` or `api_key:ab12cd34`. */
  author: string;
  body: string;
  /** Usernames mentioned as `@name` that exist. */
  mentions: string[];
  created_at: string;
}

export const BULK_OPS = ['resolve', 'dismiss', 'assign', 'tag', 'untag'] as const;
export type BulkOp = (typeof BULK_OPS)[number];

export interface BulkItemResult {
  id: string;
  ok: boolean;
  /** The status after the operation, when ok. */
  status?: IncidentStatus;
  /** Stable error code when not ok (NOT_FOUND, CONFLICT…). */
  code?: string;
  message?: string;
}

export interface BulkResult {
  op: BulkOp;
  succeeded: number;
  failed: number;
  results: BulkItemResult[];
}

export interface RelatedIncident {
  id: string;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  created_at: string;
  /** Indicators both incidents share (`type:value`). */
  shared: string[];
}

export interface SavedView {
  id: string;
  name: string;
  /** List query parameters as the incidents list takes them. */
  query: Record<string, string>;
  created_at: string;
  updated_at: string;
}
