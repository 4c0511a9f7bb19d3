import { either, oneOf, param, not } from './conditions.ts';
import type { VendorRule } from './rule.model.ts';

/**
 * Microsoft 365 Management Activity API audit records (`Operation`, `Workload`, `RecordType`,
 * `Parameters[]` of Exchange cmdlets, `ModifiedProperties[]` of directory changes).
 */
const SCHEMA =
  'https://learn.microsoft.com/en-us/office/office-365-management-api/office-365-management-activity-api-schema';
const ACTIVITIES = 'https://learn.microsoft.com/en-us/purview/audit-log-activities';
const AUDIT_OFF = 'https://learn.microsoft.com/en-us/purview/audit-log-enable-disable';

const op = (...names: string[]) => oneOf('Operation', ...names);
/** Directory operations are logged with a trailing period (`Add member to role.`); accept both. */
const dirOp = (...names: string[]) => oneOf('Operation', ...names.flatMap((n) => [n, `${n}.`]));
const FORWARD_PARAMS = ['ForwardTo', 'RedirectTo', 'ForwardAsAttachmentTo'];

export const MICROSOFT_365_RULES: readonly VendorRule[] = [
  {
    id: 'microsoft_365.audit_log_disabled',
    vendor: 'microsoft_365',
    event_type: 'Set-AdminAuditLogConfig with UnifiedAuditLogIngestionEnabled/AdminAuditLogEnabled False',
    severity: 'critical',
    title: 'Microsoft 365 audit logging turned off',
    mitre: ['T1562.008'],
    reference: AUDIT_OFF,
    incident_type: 'cloud_misconfiguration',
    when: [
      op('Set-AdminAuditLogConfig'),
      either(
        param('Parameters', 'UnifiedAuditLogIngestionEnabled', '^(false|\\$false|0)$'),
        param('Parameters', 'AdminAuditLogEnabled', '^(false|\\$false|0)$'),
      ),
    ],
  },
  {
    id: 'microsoft_365.mailbox_audit_bypass',
    vendor: 'microsoft_365',
    event_type: 'Set-MailboxAuditBypassAssociation AuditBypassEnabled True; Set-Mailbox AuditEnabled False',
    severity: 'critical',
    title: 'Mailbox auditing bypassed or disabled',
    mitre: ['T1562.008'],
    reference: ACTIVITIES,
    incident_type: 'cloud_misconfiguration',
    when: [
      either(
        param('Parameters', 'AuditBypassEnabled', '^(true|\\$true|1)$'),
        param('Parameters', 'AuditEnabled', '^(false|\\$false|0)$'),
      ),
      op('Set-MailboxAuditBypassAssociation', 'Set-Mailbox'),
    ],
  },
  {
    id: 'microsoft_365.inbox_rule_forward_and_hide',
    vendor: 'microsoft_365',
    event_type: 'New-InboxRule / Set-InboxRule that forwards mail and deletes it or marks it read',
    severity: 'critical',
    title: 'Inbox rule forwards mail and hides it from the owner (business email compromise pattern)',
    mitre: ['T1114.003', 'T1564.008'],
    reference: ACTIVITIES,
    incident_type: 'data_exfiltration',
    when: [
      op('New-InboxRule', 'Set-InboxRule'),
      either(...FORWARD_PARAMS.map((n) => param('Parameters', n, '\\S'))),
      either(
        param('Parameters', 'DeleteMessage', '^(true|\\$true)$'),
        param('Parameters', 'MarkAsRead', '^(true|\\$true)$'),
        param('Parameters', 'MoveToFolder', 'rss|archive|conversation history|junk|deleted items'),
      ),
    ],
  },
  {
    id: 'microsoft_365.inbox_rule_forwarding',
    vendor: 'microsoft_365',
    event_type: 'New-InboxRule / Set-InboxRule with ForwardTo, RedirectTo or ForwardAsAttachmentTo',
    severity: 'high',
    title: 'Inbox rule forwards or redirects mail',
    mitre: ['T1114.003'],
    reference: ACTIVITIES,
    incident_type: 'data_exfiltration',
    when: [
      op('New-InboxRule', 'Set-InboxRule'),
      either(...FORWARD_PARAMS.map((n) => param('Parameters', n, '\\S'))),
    ],
  },
  {
    id: 'microsoft_365.inbox_rule_hiding',
    vendor: 'microsoft_365',
    event_type:
      'New-InboxRule / Set-InboxRule that deletes messages or moves them to RSS/Archive/Conversation History',
    severity: 'high',
    title: 'Inbox rule hides incoming mail from the user',
    mitre: ['T1564.008'],
    reference: ACTIVITIES,
    incident_type: 'phishing',
    when: [
      op('New-InboxRule', 'Set-InboxRule'),
      either(
        param('Parameters', 'DeleteMessage', '^(true|\\$true)$'),
        param('Parameters', 'MoveToFolder', 'rss|archive|conversation history|junk'),
      ),
      not(either(...FORWARD_PARAMS.map((n) => param('Parameters', n, '\\S')))),
    ],
  },
  {
    id: 'microsoft_365.mailbox_forwarding',
    vendor: 'microsoft_365',
    event_type: 'Set-Mailbox with ForwardingSmtpAddress / ForwardingAddress',
    severity: 'high',
    title: 'Mailbox-level forwarding set',
    mitre: ['T1114.003'],
    reference: ACTIVITIES,
    incident_type: 'data_exfiltration',
    when: [
      op('Set-Mailbox'),
      either(
        param('Parameters', 'ForwardingSmtpAddress', '\\S'),
        param('Parameters', 'ForwardingAddress', '\\S'),
      ),
    ],
  },
  {
    id: 'microsoft_365.transport_rule_copy',
    vendor: 'microsoft_365',
    event_type: 'New-TransportRule / Set-TransportRule with BlindCopyTo, CopyTo or RedirectMessageTo',
    severity: 'high',
    title: 'Organisation-wide mail flow rule copies or redirects mail',
    mitre: ['T1114.003'],
    reference: ACTIVITIES,
    incident_type: 'data_exfiltration',
    when: [
      op('New-TransportRule', 'Set-TransportRule'),
      either(
        param('Parameters', 'BlindCopyTo'),
        param('Parameters', 'CopyTo'),
        param('Parameters', 'RedirectMessageTo'),
      ),
    ],
  },
  {
    id: 'microsoft_365.impersonation_role',
    vendor: 'microsoft_365',
    event_type: 'New-ManagementRoleAssignment of ApplicationImpersonation',
    severity: 'high',
    title: 'ApplicationImpersonation role assigned (read any mailbox)',
    mitre: ['T1098.002'],
    reference: ACTIVITIES,
    incident_type: 'privilege_escalation',
    when: [op('New-ManagementRoleAssignment'), param('Parameters', 'Role', 'ApplicationImpersonation')],
  },
  {
    id: 'microsoft_365.mailbox_delegation',
    vendor: 'microsoft_365',
    event_type: 'Add-MailboxPermission FullAccess, Add-RecipientPermission SendAs',
    severity: 'medium',
    title: 'Full access or send-as rights on a mailbox granted',
    mitre: ['T1098.002'],
    reference: ACTIVITIES,
    incident_type: 'privilege_escalation',
    when: [
      op('Add-MailboxPermission', 'Add-RecipientPermission'),
      either(param('Parameters', 'AccessRights', 'FullAccess|SendAs'), op('Add-RecipientPermission')),
    ],
  },
  {
    id: 'microsoft_365.admin_role_assigned',
    vendor: 'microsoft_365',
    event_type: 'Add member to role. (an administrator role)',
    severity: 'high',
    title: 'Administrator role assigned in the directory',
    mitre: ['T1098.003'],
    reference: ACTIVITIES,
    incident_type: 'privilege_escalation',
    when: [
      dirOp('Add member to role'),
      {
        path: 'ModifiedProperties',
        kv: { key: 'Name', value: 'NewValue', name: 'Role.DisplayName', matches: 'admin' },
      },
    ],
  },
  {
    id: 'microsoft_365.app_credentials_added',
    vendor: 'microsoft_365',
    event_type: 'Add service principal credentials.',
    severity: 'high',
    title: 'Credentials added to a service principal',
    mitre: ['T1098.001'],
    reference: ACTIVITIES,
    incident_type: 'privilege_escalation',
    when: [dirOp('Add service principal credentials')],
  },
  {
    id: 'microsoft_365.consent_granted',
    vendor: 'microsoft_365',
    event_type: 'Consent to application., Add delegated permission grant.',
    severity: 'medium',
    title: 'OAuth consent granted to an application',
    mitre: ['T1528'],
    reference: ACTIVITIES,
    incident_type: 'privilege_escalation',
    when: [dirOp('Consent to application', 'Add delegated permission grant')],
  },
  {
    id: 'microsoft_365.federation_changed',
    vendor: 'microsoft_365',
    event_type: 'Set domain authentication., Set federation settings on domain.',
    severity: 'critical',
    title: 'Domain federation changed',
    mitre: ['T1484.002'],
    reference: ACTIVITIES,
    incident_type: 'privilege_escalation',
    when: [dirOp('Set domain authentication', 'Set federation settings on domain')],
  },
  {
    id: 'microsoft_365.mfa_disabled',
    vendor: 'microsoft_365',
    event_type: 'Disable Strong Authentication.',
    severity: 'high',
    title: 'Per-user MFA disabled',
    mitre: ['T1556.006'],
    reference: ACTIVITIES,
    incident_type: 'suspicious_login',
    when: [dirOp('Disable Strong Authentication')],
  },
  {
    id: 'microsoft_365.file_malware',
    vendor: 'microsoft_365',
    event_type: 'FileMalwareDetected (SharePoint / OneDrive)',
    severity: 'high',
    title: 'Malware detected in a SharePoint or OneDrive file',
    mitre: ['T1204.002'],
    reference: ACTIVITIES,
    incident_type: 'malware',
    when: [op('FileMalwareDetected')],
  },
  // Routine events.
  {
    id: 'microsoft_365.routine_inbox_rule',
    vendor: 'microsoft_365',
    event_type: 'New-InboxRule / Set-InboxRule that only files mail into an ordinary folder',
    severity: 'info',
    title: 'Routine inbox rule (files mail, no forwarding, deleting or hiding)',
    mitre: [],
    reference: ACTIVITIES,
    when: [
      op('New-InboxRule', 'Set-InboxRule'),
      not(
        either(
          ...FORWARD_PARAMS.map((n) => param('Parameters', n, '\\S')),
          param('Parameters', 'DeleteMessage', '^(true|\\$true)$'),
          param('Parameters', 'MarkAsRead', '^(true|\\$true)$'),
          param('Parameters', 'MoveToFolder', 'rss|archive|conversation history|junk|deleted items'),
        ),
      ),
    ],
  },
  {
    id: 'microsoft_365.routine_sign_in',
    vendor: 'microsoft_365',
    event_type: 'UserLoggedIn, UserLoginFailed, MailboxLogin',
    severity: 'info',
    title: 'Routine Microsoft 365 sign-in',
    mitre: [],
    reference: SCHEMA,
    incident_type: 'suspicious_login',
    when: [op('UserLoggedIn', 'UserLoginFailed', 'MailboxLogin')],
  },
  {
    id: 'microsoft_365.routine_activity',
    vendor: 'microsoft_365',
    event_type:
      'MailItemsAccessed, Send, FileAccessed, FileModified, FileUploaded, FileDownloaded, Add user., Update user.',
    severity: 'info',
    title: 'Routine Microsoft 365 mail, file or directory activity',
    mitre: [],
    reference: SCHEMA,
    when: [
      either(
        op(
          'MailItemsAccessed',
          'Send',
          'FileAccessed',
          'FileModified',
          'FileUploaded',
          'FileDownloaded',
          'FilePreviewed',
        ),
        dirOp('Add user', 'Update user', 'Add member to group', 'Change user license'),
      ),
    ],
  },
];
