import { either, gparam, not, oneOf } from './conditions.ts';
import type { VendorRule } from './rule.model.ts';

/**
 * Google Workspace Admin SDK Reports API activities (`id.applicationName`, `events[].name`,
 * `events[].parameters[]`): admin console, login and Drive audit events.
 */
const REPORTS = 'https://developers.google.com/admin-sdk/reports/v1/appendix/activity';
const ADMIN_ROLES = `${REPORTS}/admin-delegated-admin-settings`;
const ADMIN_USERS = `${REPORTS}/admin-user-settings`;
const ADMIN_SECURITY = `${REPORTS}/admin-security-settings`;
const LOGIN = `${REPORTS}/login`;
const DRIVE = `${REPORTS}/drive`;

const event = (...names: string[]) => oneOf('events[].name', ...names);
const flaggedSuspicious = gparam('is_suspicious', '^true$');

export const GOOGLE_WORKSPACE_RULES: readonly VendorRule[] = [
  {
    id: 'google_workspace.admin_role_assigned',
    vendor: 'google_workspace',
    event_type: 'admin: ASSIGN_ROLE, GRANT_ADMIN_PRIVILEGE',
    severity: 'high',
    title: 'Google Workspace admin role assigned or admin privilege granted',
    mitre: ['T1098.003'],
    reference: ADMIN_ROLES,
    incident_type: 'privilege_escalation',
    when: [event('ASSIGN_ROLE', 'GRANT_ADMIN_PRIVILEGE', 'GRANT_DELEGATED_ADMIN_PRIVILEGES')],
  },
  {
    id: 'google_workspace.role_privilege_added',
    vendor: 'google_workspace',
    event_type: 'admin: CREATE_ROLE, ADD_PRIVILEGE',
    severity: 'medium',
    title: 'Google Workspace admin role created or given a new privilege',
    mitre: ['T1098.003'],
    reference: ADMIN_ROLES,
    incident_type: 'privilege_escalation',
    when: [event('CREATE_ROLE', 'ADD_PRIVILEGE')],
  },
  {
    id: 'google_workspace.domain_wide_delegation',
    vendor: 'google_workspace',
    event_type: 'admin: AUTHORIZE_API_CLIENT_ACCESS',
    severity: 'high',
    title: 'API client granted domain-wide delegation (can act as any user)',
    mitre: ['T1098.001'],
    reference: ADMIN_SECURITY,
    incident_type: 'privilege_escalation',
    when: [event('AUTHORIZE_API_CLIENT_ACCESS')],
  },
  {
    id: 'google_workspace.2sv_disabled',
    vendor: 'google_workspace',
    event_type: 'login: 2sv_disable',
    severity: 'high',
    title: '2-step verification disabled on an account',
    mitre: ['T1556.006'],
    reference: LOGIN,
    incident_type: 'suspicious_login',
    when: [event('2sv_disable')],
  },
  {
    id: 'google_workspace.2sv_enforcement_off',
    vendor: 'google_workspace',
    event_type: 'admin: ENFORCE_STRONG_AUTHENTICATION with NEW_VALUE false',
    severity: 'high',
    title: '2-step verification enforcement turned off for an organizational unit',
    mitre: ['T1556.006'],
    reference: ADMIN_SECURITY,
    incident_type: 'policy_violation',
    when: [event('ENFORCE_STRONG_AUTHENTICATION'), gparam('NEW_VALUE', '^(false|off|disabled)$')],
  },
  {
    id: 'google_workspace.admin_password_change',
    vendor: 'google_workspace',
    event_type: 'admin: CHANGE_PASSWORD',
    severity: 'medium',
    title: "An admin changed a user's Google Workspace password",
    mitre: ['T1098'],
    reference: ADMIN_USERS,
    incident_type: 'suspicious_login',
    when: [event('CHANGE_PASSWORD')],
  },
  {
    id: 'google_workspace.suspicious_login',
    vendor: 'google_workspace',
    event_type:
      'login: suspicious_login, suspicious_login_less_secure_app, suspicious_programmatic_login, login_success with is_suspicious',
    severity: 'high',
    title: 'Google flagged the login as suspicious',
    mitre: ['T1078.004'],
    reference: LOGIN,
    incident_type: 'suspicious_login',
    when: [
      either(
        event('suspicious_login', 'suspicious_login_less_secure_app', 'suspicious_programmatic_login'),
        flaggedSuspicious,
      ),
    ],
  },
  {
    id: 'google_workspace.account_hijacked',
    vendor: 'google_workspace',
    event_type: 'login: account_disabled_hijacked',
    severity: 'critical',
    title: 'Google disabled the account because it was hijacked',
    mitre: ['T1078.004'],
    reference: LOGIN,
    incident_type: 'suspicious_login',
    when: [event('account_disabled_hijacked')],
  },
  {
    id: 'google_workspace.password_leaked',
    vendor: 'google_workspace',
    event_type: 'login: account_disabled_password_leak',
    severity: 'high',
    title: 'Google disabled the account: its password was found in a leak',
    mitre: ['T1078.004'],
    reference: LOGIN,
    incident_type: 'suspicious_login',
    when: [event('account_disabled_password_leak')],
  },
  {
    id: 'google_workspace.gov_attack_warning',
    vendor: 'google_workspace',
    event_type: 'login: gov_attack_warning',
    severity: 'critical',
    title: 'Google warned of a government-backed attack on the account',
    mitre: ['T1078.004', 'T1566'],
    reference: LOGIN,
    incident_type: 'suspicious_login',
    when: [event('gov_attack_warning')],
  },
  {
    id: 'google_workspace.risky_action_blocked',
    vendor: 'google_workspace',
    event_type: 'login: risky_sensitive_action_blocked',
    severity: 'medium',
    title: 'Google blocked a risky sensitive action on the account',
    mitre: ['T1078.004'],
    reference: LOGIN,
    incident_type: 'suspicious_login',
    when: [event('risky_sensitive_action_blocked')],
  },
  {
    id: 'google_workspace.drive_made_public',
    vendor: 'google_workspace',
    event_type: 'drive: change_document_visibility / change_user_access to public or anyone with link',
    severity: 'medium',
    title: 'Drive file shared publicly or with anyone who has the link',
    mitre: ['T1567'],
    reference: DRIVE,
    incident_type: 'data_exfiltration',
    when: [
      event('change_document_visibility', 'change_user_access', 'change_document_access_scope'),
      gparam('visibility', '^(people_with_link|public_on_the_web)$'),
    ],
  },
  // Routine events.
  {
    id: 'google_workspace.routine_login',
    vendor: 'google_workspace',
    event_type: 'login: login_success, logout, login_failure, login_challenge (not flagged suspicious)',
    severity: 'info',
    title: 'Routine Google Workspace login activity, not flagged suspicious',
    mitre: [],
    reference: LOGIN,
    incident_type: 'suspicious_login',
    when: [
      event('login_success', 'logout', 'login_failure', 'login_challenge', '2sv_enroll'),
      not(flaggedSuspicious),
    ],
  },
  {
    id: 'google_workspace.routine_activity',
    vendor: 'google_workspace',
    event_type: 'drive: view, edit, create, download (private); admin: CREATE_USER, CHANGE_GROUP_SETTING…',
    severity: 'info',
    title: 'Routine Google Workspace document or directory activity',
    mitre: [],
    reference: REPORTS,
    when: [
      event(
        'view',
        'edit',
        'create',
        'download',
        'CREATE_USER',
        'ADD_GROUP_MEMBER',
        'CHANGE_FIRST_NAME',
        'CHANGE_LAST_NAME',
      ),
      not(gparam('visibility', '^(people_with_link|public_on_the_web)$')),
    ],
  },
];
