/** The shared vocabulary of DESIGN.md. One list each, used by schemas, SQL checks and code. */

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Rank used for sorting and comparisons (info = 0 … critical = 4). */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = Object.freeze({
  info: 0,
  low: 1,
  medium: 2,
  high: 3,
  critical: 4,
});

export const INCIDENT_STATUSES = [
  'new',
  'enriching',
  'analyzing',
  'pending_review',
  'pending_approval',
  'executing',
  'resolved',
  'false_positive',
  'dismissed',
  'escalated',
  'closed',
] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** Statuses in which automated triage is still owed; the reconciler watches these. */
export const TRIAGE_PENDING_STATUSES: readonly IncidentStatus[] = ['new', 'enriching', 'analyzing'];

/** Statuses where triage has finished (whatever the outcome). */
export const TRIAGED_STATUSES: readonly IncidentStatus[] = [
  'pending_review',
  'pending_approval',
  'executing',
  'resolved',
  'false_positive',
  'dismissed',
  'escalated',
  'closed',
];

export const INCIDENT_TYPES = [
  'malware',
  'phishing',
  'suspicious_login',
  'data_exfiltration',
  'privilege_escalation',
  'lateral_movement',
  'ransomware',
  'policy_violation',
  'reconnaissance',
  'denial_of_service',
  'cloud_misconfiguration',
  'insider_threat',
  'other',
] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];

export const CLASSIFICATIONS = ['malicious', 'suspicious', 'benign', 'inconclusive'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

export const APPROVAL_STATUSES = [
  'pending',
  'auto_approved',
  'approved',
  'denied',
  'executing',
  'executed',
  'failed',
] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export const OPERATION_MODES = ['assisted', 'supervised', 'autonomous'] as const;
export type OperationMode = (typeof OPERATION_MODES)[number];

export const APPROVAL_LEVELS = ['analyst', 'senior', 'manager'] as const;
export type ApprovalLevel = (typeof APPROVAL_LEVELS)[number];

export const INDICATOR_TYPES = [
  'ipv4',
  'ipv6',
  'domain',
  'url',
  'email',
  'md5',
  'sha1',
  'sha256',
  'hostname',
  'username',
  'cloud_resource',
] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];

/** User roles: what a person or an API key may do (the role → permission table is in the access layer). */
export const ROLES = ['admin', 'analyst', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Statuses that close an incident: entering one from an open status sets its `closed_at`, leaving
 * them (reopen, a repeat reopening it) clears it (docs/INCIDENT-LIFECYCLE.md#closed_at).
 */
export const CLOSED_INCIDENT_STATUSES: readonly IncidentStatus[] = [
  'resolved',
  'false_positive',
  'dismissed',
  'closed',
];
