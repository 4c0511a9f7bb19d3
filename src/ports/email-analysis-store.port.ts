import type { Indicator, IncidentStatus } from '../contracts/index.ts';
import type { IncidentRecord, NewEnrichment, Page } from './incident-store.port.ts';

/** One stored email analysis of an incident (migration 0009_email_analyses). */
export interface EmailAnalysisRecord {
  id: string;
  incident_id: string;
  /** SHA-256 of the raw message: one analysis per message per incident. */
  sha256: string;
  message_id: string | null;
  subject: string | null;
  from_address: string | null;
  /** `upload` (POST /incidents/:id/email) or `alert` (found in an alert's payload at triage). */
  source: 'upload' | 'alert';
  /** The alert the message came from (source `alert`). */
  alert_id: string | null;
  score: number;
  verdict: 'malicious' | 'suspicious' | 'benign';
  /** The whole analysis (core/email EmailAnalysis), as JSON. */
  analysis: Record<string, unknown>;
  created_by: string;
  created_at: string;
}

export interface NewEmailAnalysis {
  incident_id: string;
  sha256: string;
  message_id: string | null;
  subject: string | null;
  from_address: string | null;
  source: 'upload' | 'alert';
  alert_id?: string;
  score: number;
  verdict: EmailAnalysisRecord['verdict'];
  analysis: object;
  /** Added to the incident's indicators (existing ones are kept as they are). */
  indicators: readonly Indicator[];
  /** Stored as the incident's enrichments (provider `email_analysis`). */
  enrichments: readonly NewEnrichment[];
  actor: string;
}

export interface EmailAttachResult {
  record: EmailAnalysisRecord;
  /** False when this message was already analysed for the incident: nothing was written. */
  created: boolean;
  indicators_added: number;
  /** The incident after the write. */
  incident: IncidentRecord;
  /** Set when the new evidence sent the incident back to `new` for another triage run, from this status. */
  requeued_from?: IncidentStatus;
}

/**
 * Email analyses of incidents. `attach` is one transaction: the analysis, its indicators and
 * enrichments, an audit entry, and — as for a repeat bringing new evidence
 * (docs/INCIDENT-LIFECYCLE.md) — the incident back to `new` when it was being or had been triaged
 * (`enriching`, `analyzing`, `pending_review`). Incidents a human owns or that are closed keep their
 * status. A message already stored for the incident (same SHA-256) writes nothing.
 */
export interface EmailAnalysisStore {
  /** Null (nothing written) when the incident does not exist. */
  attach(input: NewEmailAnalysis): Promise<EmailAttachResult | null>;
  /** Newest first. Null when the incident does not exist. */
  list(incidentId: string, page: number, perPage: number): Promise<Page<EmailAnalysisRecord> | null>;
  /** SHA-256 of every message already analysed for the incident. */
  knownHashes(incidentId: string): Promise<Set<string>>;
  /**
   * The newest `limit` alert payloads of the incident not yet looked through for raw messages
   * (see {@link markAlertsScanned}).
   */
  alertPayloads(incidentId: string, limit: number): Promise<Array<{ id: string; raw: unknown }>>;
  /** Marks alerts as looked through: `alertPayloads` no longer returns them. */
  markAlertsScanned(alertIds: readonly string[]): Promise<void>;
}
