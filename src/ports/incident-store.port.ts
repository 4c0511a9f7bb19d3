import type {
  AlertView,
  Asset,
  EnrichmentView,
  IncidentStatus,
  IncidentView,
  Indicator,
  IndicatorType,
  NormalizedAlert,
  Severity,
  Classification,
  TimelineEntryView,
  VerdictView,
} from '../contracts/index.ts';

import type { IntelVerdictValue } from './intel-provider.port.ts';
export interface IndicatorRecord extends Indicator {
  id: string;
}

/**
 * A stored incident: the API's IncidentView (contracts/incident.schema.ts, the one source of the
 * fields, case fields included) with its assets typed as the contracts' Asset.
 */
export interface IncidentRecord extends Omit<IncidentView, 'assets'> {
  assets: Asset[];
}

/** A stored enrichment: the API's EnrichmentView with the indicator type and the intel verdict typed. */
export interface EnrichmentRecord extends Omit<EnrichmentView, 'indicator_type' | 'verdict'> {
  indicator_type: IndicatorType;
  /** The provider's verdict on the indicator (the intel vocabulary: malicious suspicious clean unknown). */
  verdict: IntelVerdictValue;
}

/** A stored verdict: the API's VerdictView with its indicators typed. */
export interface AnalysisRecord extends Omit<VerdictView, 'indicators'> {
  indicators: Indicator[];
}

/** An audit entry as the incident's timeline shows it. */
export type AuditRecord = TimelineEntryView;

/** An alert folded into an incident, as the detail shows it. */
export type AlertRecord = AlertView;

export interface IncidentDetail extends IncidentRecord {
  alerts: AlertRecord[];
  indicators: IndicatorRecord[];
  enrichments: EnrichmentRecord[];
  verdict: AnalysisRecord | null;
  timeline: AuditRecord[];
}

export const INCIDENT_SORT_FIELDS = [
  'created_at',
  'updated_at',
  'last_seen',
  'severity',
  'occurrence_count',
] as const;
export type IncidentSortField = (typeof INCIDENT_SORT_FIELDS)[number];

export interface IncidentListQuery {
  status?: IncidentStatus[];
  severity?: Severity[];
  incident_type?: string[];
  source?: string[];
  since?: Date;
  until?: Date;
  /**
   * Search: words of title and description, indicator values (exact or prefix, any case), host and
   * user names (assets and hostname/username indicators) and words of the raw alert payloads.
   */
  q?: string;
  /** `{kind: 'none'}` unassigned; `{kind: 'user', username}` assigned to that user (`me` is resolved by the API). */
  assignee?: { kind: 'none' } | { kind: 'user'; username: string };
  /** Incidents carrying every one of these tags. */
  tag?: string[];
  classification?: Classification[];
  min_confidence?: number;
  max_confidence?: number;
  sort: IncidentSortField;
  order: 'asc' | 'desc';
  /** Offset pagination, from 1 (ignored when `cursor` is set). Bounded: deep pages need the cursor. */
  page: number;
  per_page: number;
  /** Keyset pagination: `pagination.next_cursor` of the previous page, with the same sort and order. */
  cursor?: string;
}

export interface Pagination {
  page: number;
  per_page: number;
  /** Exact up to the store's count cap; the cap itself when `total_exact` is false. */
  total_items: number;
  total_pages: number;
  /** False when more rows match than the count cap: `total_items` is then a lower bound. */
  total_exact: boolean;
  /** Opens the next page (keyset); null on the last page. */
  next_cursor: string | null;
}

export interface Page<T> {
  data: T[];
  pagination: Pagination;
}

export interface IngestResult {
  incident: IncidentRecord;
  /** False when the alert was folded into an existing incident (dedup). */
  created: boolean;
  /**
   * Set when this alert's fold moved the incident back to `new` for another triage run, from this
   * status: a reopened closed incident, or new evidence (indicators, higher severity) for one already
   * triaged or being triaged. See docs/INCIDENT-LIFECYCLE.md.
   */
  requeued_from?: IncidentStatus;
}

/** How repeats fold (docs/INCIDENT-LIFECYCLE.md); a bare number is the window with the other defaults. */
export interface DedupPolicy {
  /** A repeat folds into an open incident younger than this, counted from its first alert (triage.dedup_window). */
  windowMs: number;
  /** Most alerts one incident folds; the next opens a new, linked incident. Default 1000. */
  maxAlerts?: number;
  /** A repeat of a closed incident: a new linked incident (default) or reopen it (within the window). */
  onRepeatAfterClose?: 'new_incident' | 'reopen';
}

export interface NewEnrichment {
  indicator_type: IndicatorType;
  indicator_value: string;
  provider: string;
  verdict: EnrichmentRecord['verdict'];
  score: number | null;
  /** Default null. */
  first_seen?: string | null;
  last_seen?: string | null;
  details: Record<string, unknown>;
}

export type NewAnalysis = Omit<AnalysisRecord, 'id' | 'created_at'>;

export type Moved = IncidentRecord & { previous_status: IncidentStatus };

export interface Transition {
  id: string;
  from: IncidentStatus | readonly IncidentStatus[];
  to: IncidentStatus;
  actor: string;
  /** Audit action name, e.g. `triage.started`. */
  action: string;
  details?: Record<string, unknown>;
  /** Set `resolution_reason`. */
  reason?: string;
  /** Move only if the row's `version` is still this one (an analyst's compare-and-set). Default: any. */
  expectedVersion?: number;
}

/**
 * Durable incident storage. Every status move is a compare-and-set on the current status, so a job
 * delivered twice cannot apply twice: a move whose `from` no longer holds returns null and writes
 * nothing (no audit, no analysis).
 */
export interface IncidentStore {
  /**
   * Stores an alert atomically: folds it into the newest incident of the same source and fingerprint
   * when that one is open, younger than the window (from its first alert) and not full; else creates
   * a new incident linked to it (or reopens a closed one, per the policy). A fold that brings new
   * indicators or a higher severity raises the severity and sends a triaged incident back to `new`.
   * Committed before it resolves.
   */
  ingest(alert: NormalizedAlert, dedup: number | DedupPolicy): Promise<IngestResult>;
  /**
   * Stores several alerts in one transaction, with the outcome of `ingest` called on each in turn
   * (two alerts of one fingerprint fold into one incident; each result shows the incident as that
   * alert left it). All are committed before it resolves, or none are and it rejects.
   */
  ingestMany(alerts: readonly NormalizedAlert[], dedup: number | DedupPolicy): Promise<IngestResult[]>;
  get(id: string): Promise<IncidentRecord | null>;
  getDetail(id: string): Promise<IncidentDetail | null>;
  indicators(id: string): Promise<IndicatorRecord[]>;
  list(query: IncidentListQuery): Promise<Page<IncidentRecord>>;
  /** Moves status if `from` holds; returns the updated incident with the status it left. */
  transition(t: Transition): Promise<Moved | null>;
  /** Stores enrichments and moves status in one transaction; null (nothing written) if `from` no longer holds. */
  recordEnrichment(t: Transition, enrichments: NewEnrichment[]): Promise<IncidentRecord | null>;
  /** Stores the verdict and moves status in one transaction; null (nothing written) if `from` no longer holds. */
  recordAnalysis(t: Transition, analysis: NewAnalysis): Promise<IncidentRecord | null>;
  /** Incidents in `statuses` not updated for `olderThanMs`, oldest first. */
  findStale(
    statuses: readonly IncidentStatus[],
    olderThanMs: number,
    limit: number,
  ): Promise<IncidentRecord[]>;
  countByStatus(): Promise<Record<string, number>>;
  /** Response actions waiting for a human decision (approval_status = pending). */
  countPendingApprovals(): Promise<number>;
  /** Mean seconds from creation to verdict over incidents triaged within the window. */
  triageStats(windowMs: number): Promise<{ count: number; mean_seconds: number | null }>;
}

/** One failed triage run as counted by {@link TriageStateStore.recordTriageFailure}. */
export interface TriageFailure {
  /** Failed runs since the last success or retry, this one included. */
  attempts: number;
  /** True when this failure reached the limit: the incident is now in the dead letter. */
  dead_lettered: boolean;
}

/** A page of the reconciler's walk; `next` continues after it, null on the last page. */
export interface PendingTriagePage {
  ids: string[];
  next: string | null;
}

/**
 * Triage bookkeeping (docs/INCIDENT-LIFECYCLE.md): failures are counted per incident, and an
 * incident whose triage failed `max attempts` times is dead-lettered (`triage_failed_at`) instead of
 * being retried forever; an operator retries it. The reconciler walks past dead-lettered incidents.
 */
export interface TriageStateStore {
  /**
   * Counts a failed run (the error must be sanitised already). Null, writing nothing, when the
   * incident is gone, no longer owed triage, or already dead-lettered.
   */
  recordTriageFailure(
    id: string,
    error: string,
    maxAttempts: number,
    actor: string,
  ): Promise<TriageFailure | null>;
  /** Clears the dead letter of the incidents in `ids`, or of all (oldest first, up to `limit`). */
  retryDeadLettered(
    filter: { ids?: readonly string[]; limit: number },
    actor: string,
  ): Promise<IncidentRecord[]>;
  countDeadLettered(): Promise<number>;
  /** Incidents owed triage, not dead-lettered, untouched for `olderThanMs`: one keyset page, oldest first. */
  pendingTriage(olderThanMs: number, limit: number, after: string | null): Promise<PendingTriagePage>;
}

/** A leader's claim on a fence: its elector term and id, and the fence epoch it learned (if any). */
export interface Fence {
  name: string;
  term: number;
  holder: string;
  /** The epoch returned by this holder's first successful claim in this term; omitted before it. */
  epoch?: number;
}

/**
 * Writes made by leader-only jobs carry the leader's term (fencing token). The store keeps the
 * highest (epoch, term) it has seen; a write below it is refused, so a deposed leader that wakes up
 * late cannot act (DESIGN.md invariant 5). Epochs let a deployment take over a fence left by a stale
 * holder with larger terms (docs/INCIDENT-LIFECYCLE.md).
 */
export interface FencedStore {
  /** Raises the fence to `term` for `holder`. False (nothing written) when a higher term exists. */
  claimTerm(name: string, term: number, holder: string): Promise<boolean>;
  /**
   * Raises the fence to `fence`; returns the fence's epoch, or null (nothing written) when a newer
   * claim holds it. With `takeoverAfterMs`, a first claim (no epoch) facing a higher term whose holder
   * has not claimed for that long takes the fence over in a new epoch (`takeover` true).
   */
  claimFence(
    fence: Fence,
    options?: { takeoverAfterMs?: number },
  ): Promise<{ epoch: number; takeover: boolean } | null>;
  /**
   * Deletes closed incidents (resolved, false_positive, dismissed, closed) last updated before
   * `olderThanMs` ago, at most `limit`, only if `fence` still holds. Null when fenced out.
   */
  purgeClosedIncidents(fence: Fence, olderThanMs: number, limit: number): Promise<number | null>;
}
