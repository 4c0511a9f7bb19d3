import { badIpIntel, corpEgress, type Scenario } from './case.ts';
import { FREEMAIL, badIp, corpIp, person, unknownIp, type Rng, type Tenant } from './random.ts';

/** A Microsoft 365 Management Activity API record (Exchange admin cmdlet or directory operation). */
export function m365Record(
  r: Rng,
  t: Tenant,
  o: {
    operation: string;
    workload: 'Exchange' | 'AzureActiveDirectory' | 'SharePoint' | 'OneDrive';
    recordType: number;
    user: string;
    ip?: string;
    objectId?: string;
    parameters?: Array<{ Name: string; Value: string }>;
    modified?: Array<{ Name: string; NewValue: string; OldValue: string }>;
    extra?: Record<string, unknown>;
  },
): Record<string, unknown> {
  const base: Record<string, unknown> = {
    CreationTime: r.time().replace(/\.\d{3}Z$/, ''),
    Id: r.uuid(),
    Operation: o.operation,
    OrganizationId: r.uuid(),
    RecordType: o.recordType,
    ResultStatus: o.workload === 'Exchange' ? 'True' : 'Success',
    UserKey: o.workload === 'Exchange' ? r.hex(16).toUpperCase() : `${r.hex(16).toUpperCase()}@${t.domain}`,
    UserType: o.workload === 'Exchange' ? 2 : 0,
    Version: 1,
    Workload: o.workload,
    ObjectId: o.objectId ?? o.user,
    UserId: o.user,
  };
  if (o.ip) base['ClientIP'] = o.workload === 'Exchange' ? `${o.ip}:${r.int(1025, 65000)}` : o.ip;
  if (o.workload === 'Exchange') {
    Object.assign(base, {
      AppId: '',
      ClientAppId: '',
      ExternalAccess: false,
      OrganizationName: `${t.org.toLowerCase()}.onmicrosoft.com`,
      OriginatingServer: `AM${r.int(0, 9)}PR0${r.int(1, 9)}MB${r.int(1000, 9999)} (15.20.${r.int(7000, 7999)}.000)`,
      Parameters: o.parameters ?? [],
      SessionId: r.uuid(),
    });
  } else if (o.workload === 'AzureActiveDirectory') {
    Object.assign(base, {
      ModifiedProperties: o.modified ?? [],
      Actor: [{ ID: o.user, Type: 5 }],
      Target: [{ ID: `User_${r.uuid()}`, Type: 2 }],
    });
  }
  return { ...base, ...(o.extra ?? {}) };
}

const p = (Name: string, Value: string) => ({ Name, Value });
/** Half the M365 cases go to the `m365` source (Graph parser alias), half to an unnamed audit source. */
const src = (n: number) => (n % 2 === 0 ? 'm365' : 'o365-audit');

export const M365: Array<[string, number, Scenario]> = [
  [
    'inbox-forward-hide-bad-ip',
    2,
    (r, t, n) => {
      const user = person(r, t);
      const ip = badIp(r);
      const out = `${user.first}.${r.hex(4)}@${r.pick(FREEMAIL)}`;
      return {
        source: src(n),
        note: 'inbox rule forwards to a free-mail box and deletes the originals, created from a listed address: BEC',
        expected: { classification: 'malicious', incident_type: 'data_exfiltration' },
        intel: [badIpIntel(ip)],
        payload: m365Record(r, t, {
          operation: 'New-InboxRule',
          workload: 'Exchange',
          recordType: 1,
          user: user.email,
          ip,
          objectId: `${user.email}\\${r.pick(['.', '..', 'Sync', 'x'])}`,
          parameters: [
            p('AlwaysDeleteOutlookRulesBlob', 'False'),
            p('Force', 'False'),
            p('Name', r.pick(['.', '..', 'Sync'])),
            p('ForwardTo', out),
            p('DeleteMessage', 'True'),
            p('MarkAsRead', 'True'),
            p('StopProcessingRules', 'True'),
          ],
        }),
      };
    },
  ],
  [
    'inbox-forward-hide',
    2,
    (r, t, n) => {
      const user = person(r, t);
      const ip = unknownIp(r);
      const out = `${r.hex(6)}@${r.pick(FREEMAIL)}`;
      return {
        source: src(n + 1),
        note: 'forward-and-delete inbox rule with payment keywords: the BEC pattern even without a known-bad address',
        expected: { classification: 'malicious', incident_type: 'data_exfiltration' },
        payload: m365Record(r, t, {
          operation: 'New-InboxRule',
          workload: 'Exchange',
          recordType: 1,
          user: user.email,
          ip,
          parameters: [
            p('Name', 'Invoices'),
            p('SubjectOrBodyContainsWords', 'invoice;payment;wire;bank'),
            p('ForwardTo', out),
            p('MoveToFolder', 'RSS Subscriptions'),
            p('MarkAsRead', 'True'),
          ],
        }),
      };
    },
  ],
  [
    'inbox-forward-only',
    3,
    (r, t, n) => {
      const user = person(r, t);
      const ip = corpIp(r, t);
      const out = `${user.first}.${user.last}@${r.pick(FREEMAIL)}`;
      return {
        source: src(n),
        note: 'rule forwarding work mail to a personal address: policy breach or takeover, ask the user',
        expected: { classification: 'suspicious', incident_type: 'data_exfiltration' },
        intel: [corpEgress(t)],
        payload: m365Record(r, t, {
          operation: 'New-InboxRule',
          workload: 'Exchange',
          recordType: 1,
          user: user.email,
          ip,
          parameters: [p('Name', 'fwd'), p('ForwardTo', out), p('StopProcessingRules', 'False')],
        }),
      };
    },
  ],
  [
    'mailbox-forwarding',
    3,
    (r, t, n) => {
      const admin = person(r, t);
      const user = person(r, t);
      const ip = unknownIp(r);
      return {
        source: src(n + 1),
        note: 'mailbox-level forwarding to an outside address',
        expected: { classification: 'suspicious', incident_type: 'data_exfiltration' },
        payload: m365Record(r, t, {
          operation: 'Set-Mailbox',
          workload: 'Exchange',
          recordType: 1,
          user: admin.email,
          ip,
          objectId: user.email,
          parameters: [
            p('Identity', user.email),
            p('ForwardingSmtpAddress', `smtp:${r.hex(7)}@${r.pick(FREEMAIL)}`),
            p('DeliverToMailboxAndForward', 'True'),
          ],
        }),
      };
    },
  ],
  [
    'audit-off',
    2,
    (r, t, n) => {
      const admin = person(r, t);
      const ip = n === 0 ? unknownIp(r) : corpIp(r, t);
      return {
        source: src(n),
        note:
          n === 0
            ? 'unified audit logging switched off from an unknown network: defence evasion'
            : 'unified audit logging switched off by an admin in the office: still needs an answer',
        expected: {
          classification: n === 0 ? 'malicious' : 'suspicious',
          incident_type: 'cloud_misconfiguration',
        },
        ...(n === 1 ? { intel: [corpEgress(t)] } : {}),
        payload: m365Record(r, t, {
          operation: 'Set-AdminAuditLogConfig',
          workload: 'Exchange',
          recordType: 1,
          user: admin.email,
          ip,
          objectId: 'Admin Audit Log Settings',
          parameters: [p('UnifiedAuditLogIngestionEnabled', 'False')],
        }),
      };
    },
  ],
  [
    'audit-bypass',
    1,
    (r, t) => {
      const admin = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'o365-audit',
        note: 'mailbox audit bypass set for an account',
        expected: { classification: 'malicious', incident_type: 'cloud_misconfiguration' },
        payload: m365Record(r, t, {
          operation: 'Set-MailboxAuditBypassAssociation',
          workload: 'Exchange',
          recordType: 1,
          user: admin.email,
          ip,
          objectId: `svc-${r.hex(4)}`,
          parameters: [p('Identity', `svc-${r.hex(4)}`), p('AuditBypassEnabled', 'True')],
        }),
      };
    },
  ],
  [
    'impersonation-role',
    1,
    (r, t) => {
      const admin = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'm365',
        note: 'ApplicationImpersonation assigned: read every mailbox',
        expected: { classification: 'suspicious', incident_type: 'privilege_escalation' },
        payload: m365Record(r, t, {
          operation: 'New-ManagementRoleAssignment',
          workload: 'Exchange',
          recordType: 1,
          user: admin.email,
          ip,
          parameters: [
            p('Role', 'ApplicationImpersonation'),
            p('User', `svc-archive@${t.domain}`),
            p('Name', 'ApplicationImpersonation-svc'),
          ],
        }),
      };
    },
  ],
  [
    'role-admin',
    2,
    (r, t, n) => {
      const admin = person(r, t);
      const ip = n === 0 ? badIp(r) : unknownIp(r);
      return {
        source: src(n),
        note:
          n === 0
            ? 'Global Administrator granted from a listed address'
            : 'Global Administrator granted: confirm the request',
        expected: {
          classification: n === 0 ? 'malicious' : 'suspicious',
          incident_type: 'privilege_escalation',
        },
        ...(n === 0 ? { intel: [badIpIntel(ip)] } : {}),
        payload: m365Record(r, t, {
          operation: 'Add member to role.',
          workload: 'AzureActiveDirectory',
          recordType: 8,
          user: admin.email,
          ip,
          objectId: `svc-${r.hex(4)}@${t.domain}`,
          modified: [
            { Name: 'Role.DisplayName', NewValue: 'Global Administrator', OldValue: '' },
            { Name: 'Role.TemplateId', NewValue: '62e90394-69f5-4237-9190-012177145e10', OldValue: '' },
          ],
        }),
      };
    },
  ],
  [
    'sp-credentials',
    1,
    (r, t) => {
      const admin = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'o365-audit',
        note: 'credentials added to a service principal',
        expected: { classification: 'suspicious', incident_type: 'privilege_escalation' },
        payload: m365Record(r, t, {
          operation: 'Add service principal credentials.',
          workload: 'AzureActiveDirectory',
          recordType: 8,
          user: admin.email,
          ip,
          objectId: r.uuid(),
          modified: [{ Name: 'KeyDescription', NewValue: '[KeyType=Password]', OldValue: '' }],
        }),
      };
    },
  ],
  [
    'mfa-disabled',
    1,
    (r, t) => {
      const admin = person(r, t);
      const user = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'm365',
        note: 'per-user MFA disabled',
        expected: { classification: 'suspicious', incident_type: 'suspicious_login' },
        payload: m365Record(r, t, {
          operation: 'Disable Strong Authentication.',
          workload: 'AzureActiveDirectory',
          recordType: 8,
          user: admin.email,
          ip,
          objectId: user.email,
        }),
      };
    },
  ],
  [
    'federation',
    1,
    (r, t) => {
      const admin = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'o365-audit',
        note: 'domain switched to federated authentication from an unknown network: token-forging backdoor',
        expected: { classification: 'malicious', incident_type: 'privilege_escalation' },
        payload: m365Record(r, t, {
          operation: 'Set domain authentication.',
          workload: 'AzureActiveDirectory',
          recordType: 8,
          user: admin.email,
          ip,
          objectId: t.domain,
          modified: [{ Name: 'LiveType', NewValue: 'Federated', OldValue: 'Managed' }],
        }),
      };
    },
  ],
  [
    'file-malware',
    1,
    (r, t) => {
      const user = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'o365-audit',
        note: 'Defender found malware in a OneDrive upload',
        expected: { classification: 'malicious', incident_type: 'malware' },
        payload: m365Record(r, t, {
          operation: 'FileMalwareDetected',
          workload: 'OneDrive',
          recordType: 6,
          user: 'SHAREPOINT\\system',
          ip,
          objectId: `https://${t.org.toLowerCase()}-my.sharepoint.com/personal/${user.first}_${user.last}/Documents/${r.pick(['invoice_0624.docm', 'scan_0612.zip', 'statement.xlsm'])}`,
          extra: {
            VirusInfo: r.pick(['Trojan:W97M/Emotet.RVA!MTB', 'TrojanDownloader:O97M/Qakbot.PDA!MTB']),
            VirusVendor: 'Microsoft',
          },
        }),
      };
    },
  ],
  // Benign counterparts.
  [
    'shared-mailbox',
    2,
    (r, t, n) => {
      const admin = person(r, t);
      const user = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: src(n),
        note: 'admin gives a team member access to the shared support mailbox',
        expected: { classification: 'benign', incident_type: 'privilege_escalation' },
        intel: [corpEgress(t)],
        payload: m365Record(r, t, {
          operation: 'Add-MailboxPermission',
          workload: 'Exchange',
          recordType: 1,
          user: admin.email,
          ip,
          objectId: `support@${t.domain}`,
          parameters: [
            p('Identity', `support@${t.domain}`),
            p('User', user.email),
            p('AccessRights', 'FullAccess'),
            p('InheritanceType', 'All'),
          ],
        }),
      };
    },
  ],
  [
    'logged-in',
    4,
    (r, t, n) => {
      const user = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: src(n),
        note: 'routine sign-in',
        expected: { classification: 'benign', incident_type: 'suspicious_login' },
        intel: [corpEgress(t)],
        payload: m365Record(r, t, {
          operation: 'UserLoggedIn',
          workload: 'AzureActiveDirectory',
          recordType: 15,
          user: user.email,
          ip,
          objectId: '00000002-0000-0ff1-ce00-000000000000',
          extra: {
            ResultStatus: 'Success',
            ExtendedProperties: [
              { Name: 'UserAgent', Value: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)' },
              { Name: 'RequestType', Value: 'OAuth2:Authorize' },
            ],
          },
        }),
      };
    },
  ],
  [
    'file-activity',
    2,
    (r, t, n) => {
      const user = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: src(n + 1),
        note: 'someone opens and edits team files',
        expected: { classification: 'benign' },
        intel: [corpEgress(t)],
        payload: m365Record(r, t, {
          operation: r.pick(['FileAccessed', 'FileModified']),
          workload: 'SharePoint',
          recordType: 6,
          user: user.email,
          ip,
          objectId: `https://${t.org.toLowerCase()}.sharepoint.com/sites/Team/Shared Documents/${r.pick(['Roadmap.docx', 'Budget.xlsx', 'Notes.one'])}`,
          extra: { ItemType: 'File', SiteUrl: `https://${t.org.toLowerCase()}.sharepoint.com/sites/Team/` },
        }),
      };
    },
  ],
  [
    'filing-rule',
    2,
    (r, t, n) => {
      const user = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: src(n),
        note: 'inbox rule filing newsletters into a folder',
        expected: { classification: 'benign' },
        intel: [corpEgress(t)],
        payload: m365Record(r, t, {
          operation: 'New-InboxRule',
          workload: 'Exchange',
          recordType: 1,
          user: user.email,
          ip,
          parameters: [
            p('Name', 'Newsletters'),
            p('From', `news@${r.pick(['medium.com', 'substack.com', 'github.com'])}`),
            p('MoveToFolder', 'Newsletters'),
            p('StopProcessingRules', 'False'),
          ],
        }),
      };
    },
  ],
  [
    'login-failed',
    1,
    (r, t) => {
      const user = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'o365-audit',
        note: 'a single failed sign-in',
        expected: { classification: 'benign', incident_type: 'suspicious_login' },
        payload: m365Record(r, t, {
          operation: 'UserLoginFailed',
          workload: 'AzureActiveDirectory',
          recordType: 15,
          user: user.email,
          ip,
          objectId: '00000002-0000-0ff1-ce00-000000000000',
          extra: { ResultStatus: 'Failed', LogonError: 'InvalidUserNameOrPassword', ErrorNumber: '50126' },
        }),
      };
    },
  ],
];
