import type { ColumnType, Generated } from 'kysely';

/** Kysely table types for the migrations in migrations.ts. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string, string>;

export interface IncidentsTable {
  id: string;
  incident_type: string;
  source: string;
  severity: string;
  severity_rank: number;
  status: ColumnType<string, string | undefined, string>;
  title: string;
  description: string | null;
  fingerprint: string;
  occurrence_count: ColumnType<number, number | undefined, number>;
  first_seen: Timestamp;
  last_seen: Timestamp;
  last_received_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: ColumnType<number, number | undefined, number>;
  tags: string[];
  assets: Json;
  mitre_techniques: string[];
  vendor_confidence: number | null;
  classification: string | null;
  confidence: number | null;
  triaged_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  resolution_reason: string | null;
  search: ColumnType<string, never, never>;
  related_incident_id: string | null;
  triage_attempts: ColumnType<number, number | undefined, number>;
  triage_error: string | null;
  triage_failed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  triage_run: ColumnType<number, number | undefined, number>;
  playbook_name: string | null;
  playbook_version: number | null;
  // --- case work (0015) ---
  assignee: ColumnType<string | null, string | null | undefined, string | null>;
  assigned_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  original_severity: ColumnType<string | null, string | null | undefined, string | null>;
  original_incident_type: ColumnType<string | null, string | null | undefined, string | null>;
  // --- closed_at (0016): when the incident entered a closed status; null while open ---
  closed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface IncidentCommentsTable {
  id: string;
  incident_id: string;
  author: string;
  body: string;
  mentions: string[];
  created_at: Timestamp;
}

export interface SavedViewsTable {
  id: string;
  owner: string;
  name: string;
  query: Json;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface TriageStepsTable {
  incident_id: string;
  run: number;
  step_id: string;
  kind: string;
  outcome: string;
  result: Json;
  created_at: Timestamp;
}

export interface AlertsTable {
  id: string;
  incident_id: string;
  source: string;
  vendor_id: string | null;
  title: string;
  severity: string;
  occurred_at: Timestamp;
  received_at: Timestamp;
  raw: Json;
  /** Migration 0009: triage has looked through the payload for raw messages. */
  email_scanned: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface IndicatorsTable {
  id: string;
  incident_id: string;
  type: string;
  value: string;
  context: string | null;
  created_at: Timestamp;
}

export interface EnrichmentsTable {
  id: string;
  incident_id: string;
  indicator_type: string;
  indicator_value: string;
  provider: string;
  verdict: string;
  score: number | null;
  first_seen: Timestamp | null;
  last_seen: Timestamp | null;
  details: Json;
  created_at: Timestamp;
}

export interface AnalysesTable {
  id: string;
  incident_id: string;
  analyzer: string;
  classification: string;
  confidence: number;
  category: string;
  reasoning: string;
  reasons: Json;
  recommended_actions: Json;
  mitre_techniques: Json;
  indicators: Json;
  score: number | null;
  created_at: Timestamp;
}

export interface AuditLogTable {
  id: Generated<string>;
  incident_id: string | null;
  actor: string;
  action: string;
  details: Json;
  created_at: Timestamp;
  /** Set by the audit_log_chain trigger (migration 0011, docs/AUDIT.md). */
  seq: Generated<string>;
  prev_hash: Generated<string>;
  hash: Generated<string>;
}

export interface SettingsTable {
  key: string;
  value: Json;
  updated_at: Timestamp;
  updated_by: string | null;
}

export interface LeaderFencesTable {
  name: string;
  term: ColumnType<string | number, number, number>;
  holder: string;
  updated_at: Timestamp;
  epoch: ColumnType<string | number, number | undefined, number>;
}

export interface UsersTable {
  id: string;
  username: string;
  email: string | null;
  display_name: string | null;
  role: string;
  approval_level: ColumnType<string, string | undefined, string>;
  password_hash: string | null;
  disabled: ColumnType<boolean, boolean | undefined, boolean>;
  sso_issuer: string | null;
  sso_subject: string | null;
  last_login_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  prefix: string;
  key_hash: string;
  name: string;
  role: string;
  scopes: string[] | null;
  created_by: string;
  expires_at: Date | null;
  last_used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Timestamp;
}

export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  ip: string | null;
  user_agent: string | null;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
}

export interface AuthEventsTable {
  id: Generated<string>;
  type: string;
  actor: string;
  subject: string | null;
  ip: string | null;
  details: Json;
  created_at: Timestamp;
}

export interface WebhookSourcesTable {
  name: string;
  secret_sealed: string | null;
  secret_key_id: string | null;
  previous_secret_sealed: string | null;
  previous_key_id: string | null;
  previous_valid_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  unsigned: ColumnType<boolean, boolean | undefined, boolean>;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  require_timestamp: ColumnType<boolean, boolean | undefined, boolean>;
  rate_limit: number | null;
  rotated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  version: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WebhookReplaysTable {
  key: string;
  committed: ColumnType<boolean, boolean | undefined, boolean>;
  expires_at: Timestamp;
}

export interface PlaybooksTable {
  name: string;
  version: ColumnType<number, number | undefined, number>;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  priority: ColumnType<number, number | undefined, number>;
  source: string;
  origin: string;
  file_hash: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  updated_by: string;
}

export interface PlaybookVersionsTable {
  id: Generated<string>;
  name: string;
  version: number;
  source: string;
  change: string;
  created_at: Timestamp;
  created_by: string;
}

export interface PlaybookSlaBreachesTable {
  incident_id: string;
  kind: string;
  playbook: string;
  due_at: Timestamp;
  breached_at: Timestamp;
}

export interface EmailAnalysesTable {
  id: string;
  incident_id: string;
  sha256: string;
  message_id: string | null;
  subject: string | null;
  from_address: string | null;
  source: string;
  alert_id: string | null;
  score: number;
  verdict: string;
  analysis: Json;
  created_by: string;
  created_at: Timestamp;
}

export interface LlmTranscriptsTable {
  id: string;
  incident_id: string;
  step_key: string;
  attempt_key: string;
  provider: string;
  model: string;
  outcome: string;
  decided_by: string | null;
  fallback_reason: string | null;
  verdict: ColumnType<unknown, string | null, string | null>;
  messages: Json;
  iterations: number;
  tool_calls: number;
  unknown_tool_calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
  latency_ms: number;
  injection: Json;
  redactions: Json;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DB {
  incidents: IncidentsTable;
  alerts: AlertsTable;
  indicators: IndicatorsTable;
  enrichments: EnrichmentsTable;
  analyses: AnalysesTable;
  audit_log: AuditLogTable;
  settings: SettingsTable;
  leader_fences: LeaderFencesTable;
  users: UsersTable;
  api_keys: ApiKeysTable;
  sessions: SessionsTable;
  auth_events: AuthEventsTable;
  webhook_sources: WebhookSourcesTable;
  webhook_replays: WebhookReplaysTable;
  playbooks: PlaybooksTable;
  playbook_versions: PlaybookVersionsTable;
  playbook_sla_breaches: PlaybookSlaBreachesTable;
  triage_steps: TriageStepsTable;
  email_analyses: EmailAnalysesTable;
  llm_transcripts: LlmTranscriptsTable;
  incident_comments: IncidentCommentsTable;
  saved_views: SavedViewsTable;
}
