import { auditKey, either, has, is, like, not, oneOf } from './conditions.ts';
import type { VendorRule } from './rule.model.ts';

/**
 * CrowdStrike Falcon streaming API events (`metadata.eventType`, `event.*`): detection summaries with
 * their `Severity` (1–5) and the console audit streams `AuthActivityAuditEvent` /
 * `UserActivityAuditEvent` (`event.OperationName`, `event.ServiceName`, `event.Success`,
 * `event.AuditKeyValues[]`). CrowdStrike's own event dictionary is behind the customer portal
 * (Falcon console, Documentation → Streaming API Event Dictionary); the field shapes below are also
 * shown by the public detection rules of Panther and Elastic cited per rule.
 */
const PANTHER =
  'https://github.com/panther-labs/panther-analysis/tree/main/rules/crowdstrike_rules/event_stream_rules';
const FALCON_DOCS = 'https://falcon.crowdstrike.com/documentation/ (Streaming API Event Dictionary)';

const type = (...names: string[]) => oneOf('metadata.eventType', ...names);
const operation = (...names: string[]) => oneOf('event.OperationName', ...names);
const DETECTIONS = ['DetectionSummaryEvent', 'EppDetectionSummaryEvent', 'XdrDetectionSummaryEvent'];
const ok = either(is('event.Success', true), not(has('event.Success')));

export const CROWDSTRIKE_RULES: readonly VendorRule[] = [
  {
    id: 'crowdstrike.detection_critical',
    vendor: 'crowdstrike',
    event_type: 'DetectionSummaryEvent / EppDetectionSummaryEvent with Severity 5 (Critical)',
    severity: 'critical',
    title: 'Falcon critical-severity detection',
    mitre: [],
    reference: FALCON_DOCS,
    when: [
      type(...DETECTIONS),
      either(oneOf('event.Severity', '5'), oneOf('event.SeverityName', 'Critical')),
    ],
  },
  {
    id: 'crowdstrike.detection_high',
    vendor: 'crowdstrike',
    event_type: 'DetectionSummaryEvent / EppDetectionSummaryEvent with Severity 4 (High)',
    severity: 'high',
    title: 'Falcon high-severity detection',
    mitre: [],
    reference: FALCON_DOCS,
    when: [type(...DETECTIONS), either(oneOf('event.Severity', '4'), oneOf('event.SeverityName', 'High'))],
  },
  {
    id: 'crowdstrike.detection_medium',
    vendor: 'crowdstrike',
    event_type: 'DetectionSummaryEvent / EppDetectionSummaryEvent with Severity 3 (Medium)',
    severity: 'medium',
    title: 'Falcon medium-severity detection',
    mitre: [],
    reference: FALCON_DOCS,
    when: [type(...DETECTIONS), either(oneOf('event.Severity', '3'), oneOf('event.SeverityName', 'Medium'))],
  },
  {
    id: 'crowdstrike.identity_detection',
    vendor: 'crowdstrike',
    event_type: 'IdpDetectionSummaryEvent (Falcon Identity Protection)',
    severity: 'high',
    title: 'Falcon Identity Protection detection',
    mitre: ['T1078'],
    reference: FALCON_DOCS,
    incident_type: 'suspicious_login',
    when: [type('IdpDetectionSummaryEvent')],
  },
  {
    id: 'crowdstrike.admin_role_granted',
    vendor: 'crowdstrike',
    event_type: 'AuthActivityAuditEvent grantUserRoles with an admin role',
    severity: 'high',
    title: 'Falcon console administrator role granted',
    mitre: ['T1098.003'],
    reference: PANTHER,
    incident_type: 'privilege_escalation',
    when: [type('AuthActivityAuditEvent'), operation('grantUserRoles'), auditKey('roles', 'admin'), ok],
  },
  {
    id: 'crowdstrike.api_client_created',
    vendor: 'crowdstrike',
    event_type: 'AuthActivityAuditEvent CreateAPIClient',
    severity: 'high',
    title: 'Falcon API client (key) created',
    mitre: ['T1098.001'],
    reference: PANTHER,
    incident_type: 'privilege_escalation',
    when: [type('AuthActivityAuditEvent'), operation('CreateAPIClient'), ok],
  },
  {
    id: 'crowdstrike.mfa_secret_reset',
    vendor: 'crowdstrike',
    event_type: 'AuthActivityAuditEvent requestResetAuthSecret / resetAuthSecret',
    severity: 'high',
    title: "A Falcon console user's two-factor secret was reset",
    mitre: ['T1556.006'],
    reference: PANTHER,
    incident_type: 'suspicious_login',
    when: [type('AuthActivityAuditEvent'), like('event.OperationName', 'ResetAuthSecret$'), ok],
  },
  {
    id: 'crowdstrike.protection_policy_tampered',
    vendor: 'crowdstrike',
    event_type:
      'UserActivityAuditEvent / AuthActivityAuditEvent disabling or deleting a prevention, sensor-update or response policy',
    severity: 'high',
    title: 'Falcon protection policy disabled or deleted',
    mitre: ['T1562.001'],
    reference: FALCON_DOCS,
    incident_type: 'policy_violation',
    when: [
      type('UserActivityAuditEvent', 'AuthActivityAuditEvent'),
      like('event.OperationName', '(disable|delete|remove)_?\\w*polic|polic\\w*_?(disable|delete|remove)'),
      ok,
    ],
  },
  {
    id: 'crowdstrike.allowlist_changed',
    vendor: 'crowdstrike',
    event_type: 'AuthActivityAuditEvent CreateAllowlistGroup / UpdateAllowlistGroup / DeleteAllowlistGroup',
    severity: 'medium',
    title: 'Falcon console IP allowlist changed',
    mitre: ['T1562'],
    reference: PANTHER,
    incident_type: 'policy_violation',
    when: [
      type('AuthActivityAuditEvent'),
      like('event.OperationName', '^(Create|Update|Delete)AllowlistGroup$'),
      ok,
    ],
  },
  {
    id: 'crowdstrike.user_deleted',
    vendor: 'crowdstrike',
    event_type: 'AuthActivityAuditEvent deleteUser',
    severity: 'medium',
    title: 'Falcon console user deleted',
    mitre: ['T1531'],
    reference: PANTHER,
    when: [type('AuthActivityAuditEvent'), operation('deleteUser'), ok],
  },
  {
    id: 'crowdstrike.rtr_session',
    vendor: 'crowdstrike',
    event_type: 'RemoteResponseSessionStartEvent',
    severity: 'low',
    title: 'Real Time Response shell opened on a host',
    mitre: ['T1219'],
    reference: FALCON_DOCS,
    when: [type('RemoteResponseSessionStartEvent')],
  },
  // Routine events.
  {
    id: 'crowdstrike.routine_console_activity',
    vendor: 'crowdstrike',
    event_type:
      'AuthActivityAuditEvent userAuthenticate, twoFactorAuthenticate, saml2Assert, streamStarted, activateUser, createUser; UserActivityAuditEvent detection_update',
    severity: 'info',
    title: 'Routine Falcon console sign-in or analyst activity',
    mitre: [],
    reference: PANTHER,
    when: [
      type('AuthActivityAuditEvent', 'UserActivityAuditEvent'),
      operation(
        'userAuthenticate',
        'twoFactorAuthenticate',
        'saml2Assert',
        'streamStarted',
        'streamStopped',
        'activateUser',
        'createUser',
        'detection_update',
        'update_detects',
        'revokeUserRoles',
      ),
    ],
  },
];
