export type { Asset, Indicator, NormalizedAlert } from './alert.ts';
export { AppError, ERROR_CATALOG, PermanentJobError, isAppError, isPermanentJobError } from './errors.ts';
export type { ErrorCode } from './errors.ts';
export { EVENT_NAMES, INTERNAL_EVENT_NAMES } from './events.ts';
export type { BusEvent, EventMap, EventName } from './events.ts';
export {
  APPROVAL_LEVELS,
  APPROVAL_STATUSES,
  CLASSIFICATIONS,
  CLOSED_INCIDENT_STATUSES,
  INCIDENT_STATUSES,
  INCIDENT_TYPES,
  INDICATOR_TYPES,
  OPERATION_MODES,
  ROLES,
  SEVERITIES,
  SEVERITY_RANK,
  TRIAGED_STATUSES,
  TRIAGE_PENDING_STATUSES,
} from './vocabulary.ts';
export type {
  ApprovalLevel,
  ApprovalStatus,
  Classification,
  IncidentStatus,
  IncidentType,
  IndicatorType,
  OperationMode,
  Role,
  Severity,
} from './vocabulary.ts';
export { ACTION_TYPES, TARGET_TYPES } from './response.ts';
export type {
  ActionCreated,
  ActionOrigin,
  ActionTarget,
  ActionType,
  ActionView,
  AuditEntryView,
  ConnectorKindView,
  ConnectorView,
  PolicyDecision,
  PolicyVersionView,
  TargetType,
} from './response.ts';
export { BULK_OPS } from './casework.ts';
export type {
  BulkItemResult,
  BulkOp,
  BulkResult,
  CaseFields,
  CommentView,
  RelatedIncident,
  SavedView,
} from './casework.ts';
export { NO_VERDICT, STATS_WINDOWS, STATS_WINDOW_SHAPE } from './stats.ts';
export type { DurationStats, OverviewStats, StatsBucket, StatsWindow } from './stats.ts';
export { Enum, Nullable } from './schema-builders.ts';
export {
  AlertSchema,
  EnrichmentSchema,
  IncidentDetailSchema,
  IncidentSchema,
  IndicatorSchema,
  SeveritySchema,
  StatusSchema,
  TimelineEntrySchema,
  VerdictSchema,
} from './incident.schema.ts';
export type {
  AlertView,
  EnrichmentView,
  IncidentDetailView,
  IncidentView,
  TimelineEntryView,
  VerdictView,
} from './incident.schema.ts';
