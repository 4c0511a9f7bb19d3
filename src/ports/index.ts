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
export { DEFAULT_RETRY_POLICY } from './job-queue.port.ts';
export type {
  EnqueueOptions,
  EnqueueRequest,
  JobCounts,
  JobHandler,
  JobQueue,
  JobRecord,
  ProcessOptions,
  RetryPolicy,
} from './job-queue.port.ts';
export { SEED_LEASE_TIMINGS } from './leader-elector.port.ts';
export type { LeaderElector, LeadershipState, LeaseTimings } from './leader-elector.port.ts';
export type { RateLimitResult, RateLimiter } from './rate-limiter.port.ts';
export { NOOP_LLM_TELEMETRY, NOOP_TELEMETRY, SILENT_LOGGER } from './telemetry.port.ts';
export type { LlmTelemetry, Logger, Telemetry } from './telemetry.port.ts';
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
  DecidedBy,
  LlmTranscriptProgress,
  LlmTranscriptRecord,
  LlmTranscriptStore,
  NewLlmTranscript,
  RawAlert,
  RelatedIncident,
  TranscriptMessage,
} from './llm-transcript-store.port.ts';
