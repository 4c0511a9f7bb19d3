export type { Cache } from './cache.port.ts';
export type {
  EventBus,
  EventCursorProblem,
  EventInput,
  EventListener,
  SubscribeOptions,
} from './event-bus.port.ts';
export { EventCursorError, isEventCursorError } from './event-bus.port.ts';
export { INCIDENT_SORT_FIELDS } from './incident-store.port.ts';
export type {
  NewTriageStep,
  StepBatch,
  StepEffects,
  TriageRunStore,
  TriageStepKind,
  TriageStepOutcome,
  TriageStepRecord,
  TriageSubjectRecord,
} from './triage-run.port.ts';
export type {
  AlertRecord,
  AnalysisRecord,
  AuditRecord,
  EnrichmentRecord,
  Fence,
  FencedStore,
  IncidentDetail,
  IncidentListQuery,
  IncidentRecord,
  IncidentSortField,
  IncidentStore,
  IndicatorRecord,
  IngestResult,
  DedupPolicy,
  Moved,
  NewAnalysis,
  NewEnrichment,
  Page,
  PendingTriagePage,
  Transition,
  TriageFailure,
  TriageStateStore,
} from './incident-store.port.ts';
export { INTEL_PROVIDER_NAME, INTEL_VERDICTS, isIntelVerdict } from './intel-provider.port.ts';
export type { IntelCacheTtl, IntelProvider, IntelVerdict, IntelVerdictValue } from './intel-provider.port.ts';
export { DEFAULT_RETRY_POLICY, retryPolicyFor } from './job-queue.port.ts';
export type {
  EnqueueOptions,
  EnqueueRequest,
  JobCounts,
  JobHandler,
  JobPayloadMap,
  JobQueue,
  JobRecord,
  ProcessOptions,
  RetryPolicy,
  RetryPolicyByName,
} from './job-queue.port.ts';
export { SEED_LEASE_TIMINGS } from './leader-elector.port.ts';
export type { LeaderElector, LeadershipState, LeaseTimings } from './leader-elector.port.ts';
export type { RateLimitResult, RateLimiter } from './rate-limiter.port.ts';
export { NOOP_INTEL_TELEMETRY, NOOP_LLM_TELEMETRY, NOOP_TELEMETRY, SILENT_LOGGER } from './telemetry.port.ts';
export type {
  CircuitState,
  IntelOutcome,
  IntelTelemetry,
  LlmTelemetry,
  Logger,
  Telemetry,
} from './telemetry.port.ts';
export type {
  ApiKeyRecord,
  AuthEventQuery,
  AuthEventRecord,
  IdentityStore,
  NewApiKey,
  NewAuthEvent,
  NewSession,
  NewUser,
  SessionLookup,
  UserChanges,
  UserRecord,
} from './identity-store.port.ts';
export type {
  NewWebhookSourceRow,
  ReplayClaim,
  ReplayGuard,
  WebhookSourcePatch,
  WebhookSourceRow,
  WebhookSourceStore,
} from './webhook-source-store.port.ts';
export type {
  NewPlaybookRow,
  PlaybookRow,
  PlaybookStore,
  PlaybookSyncResult,
  PlaybookVersionRow,
  SlaCandidate,
  SlaKind,
  SlaStore,
} from './playbook-store.port.ts';
export type {
  EmailAnalysisRecord,
  EmailAnalysisStore,
  EmailAttachResult,
  NewEmailAnalysis,
} from './email-analysis-store.port.ts';
export type {
  DecidedBy,
  LlmTranscriptProgress,
  LlmTranscriptRecord,
  LlmTranscriptStore,
  NewLlmTranscript,
  RawAlert,
  RelatedIncident,
  TranscriptMessage,
} from './llm-transcript-store.port.ts';
export type { AuditChainProblem, AuditChainReport, AuditLogStore } from './audit-log.port.ts';
export type { KillSwitchState, KillSwitchStore, KillSwitchView } from './kill-switch.port.ts';
export type {
  ConnectorRow,
  ConnectorStore,
  ConnectorWrite,
  ConnectorWriteAudit,
} from './connector-store.port.ts';
export type {
  CaseworkActor,
  CaseworkChange,
  CaseworkOutcome,
  CaseworkRefusal,
  CaseworkStore,
  SavedViewStore,
} from './casework-store.port.ts';
export type {
  ActionCountSource,
  PolicyOrigin,
  PolicyStore,
  PolicySyncResult,
  PolicyVersionRow,
} from './policy-store.port.ts';
export type { AuditFilter, AuditQueryStore } from './audit-query.port.ts';
export type { IncidentStatsStore } from './incident-stats.port.ts';
export type { FenceHolder, InstanceHeartbeat, InstanceRegistry } from './instance-registry.port.ts';
