/**
 * The API's shapes as the dashboard reads them. Case-work and response shapes come from the server's
 * contracts (types only); the incident shapes mirror src/api/schemas.ts, which has no contract type.
 */
import type { CaseFields } from '../../../src/contracts/casework.ts';
import type { Classification, IncidentStatus, Severity } from '../../../src/contracts/vocabulary.ts';

export type {
  ActionCreated,
  ActionView,
  AuditEntryView,
  ConnectorView,
  PolicyDecision,
  PolicyVersionView,
} from '../../../src/contracts/response.ts';
export type { BulkResult, CommentView, RelatedIncident, SavedView } from '../../../src/contracts/casework.ts';
export type { BusEvent, EventName } from '../../../src/contracts/events.ts';
export type { Classification, IncidentStatus, Severity };

export interface Incident extends Partial<CaseFields> {
  id: string;
  incident_type: string;
  source: string;
  severity: Severity;
  status: IncidentStatus;
  title: string;
  description: string | null;
  occurrence_count: number;
  first_seen: string;
  last_seen: string;
  created_at: string;
  updated_at: string;
  version: number;
  tags: string[];
  assets: { kind: string; name: string; id?: string }[];
  mitre_techniques: string[];
  classification: Classification | null;
  confidence: number | null;
  triaged_at: string | null;
  closed_at: string | null;
  resolution_reason: string | null;
  related_incident_id: string | null;
  triage_error: string | null;
}

export interface Pagination {
  page: number;
  per_page: number;
  total_items: number;
  total_pages: number;
  total_exact: boolean;
  next_cursor: string | null;
}

export interface IncidentPage {
  data: Incident[];
  pagination: Pagination;
}

export interface Verdict {
  analyzer: string;
  classification: Classification;
  confidence: number;
  category: string;
  reasoning: string;
  reasons: string[];
  recommended_actions: string[];
  mitre_techniques: string[];
  indicators: { type: string; value: string }[];
  score: number | null;
  created_at: string;
}

export interface IncidentDetail extends Incident {
  indicators: { id?: string; type: string; value: string; context?: string }[];
  alerts: {
    id: string;
    source: string;
    vendor_id: string | null;
    title: string;
    severity: Severity;
    occurred_at: string;
    received_at: string;
    raw: unknown;
  }[];
  enrichments: {
    id: string;
    indicator_type: string;
    indicator_value: string;
    provider: string;
    verdict: string;
    score: number | null;
    details: Record<string, unknown>;
  }[];
  verdict: Verdict | null;
  timeline: {
    id: string;
    actor: string;
    action: string;
    details: Record<string, unknown>;
    created_at: string;
  }[];
}

export interface TranscriptMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content?: string;
  tool_calls?: { id: string; name: string; arguments: string }[];
  name?: string;
  is_error?: boolean;
}

export interface Transcript {
  id: string;
  provider: string;
  model: string;
  outcome: 'verdict' | 'fallback' | 'in_progress';
  fallback_reason: string | null;
  messages: TranscriptMessage[];
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
  latency_ms: number;
  created_at: string;
}

export interface Me {
  kind: string;
  id: string;
  name: string | null;
  role: string | null;
  approval_level: string | null;
  permissions: string[];
  csrf_token: string | null;
}

export interface KillSwitch {
  active: boolean;
  reason: string | null;
  changed_by: string | null;
  changed_at: string | null;
}

export interface PlaybookError {
  line: number;
  column: number;
  field: string;
  message: string;
}

export interface Playbook {
  name: string;
  version: number;
  enabled: boolean;
  priority: number;
  description: string;
  origin: string;
  valid: boolean;
  errors?: PlaybookError[];
  updated_at: string;
  updated_by: string;
  yaml?: string;
}

export interface User {
  id: string;
  username: string;
  role: string;
  approval_level: string;
  disabled: boolean;
  has_password: boolean;
  last_login_at: string | null;
}

export interface ApiKey {
  id: string;
  prefix: string;
  name: string;
  role: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  created_at: string;
}

export interface WebhookSource {
  name: string;
  origin: string;
  read_only: boolean;
  enabled: boolean;
  unsigned: boolean;
  has_secret: boolean;
  /** Whether requests must carry X-Webhook-Timestamp, signed as `<timestamp>.<body>`. */
  require_timestamp?: boolean;
  /** Set while a rotation's previous secret is still accepted. */
  previous_secret_valid_until?: string | null;
  rotated_at?: string | null;
}

export interface ListOf<T> {
  data: T[];
}
