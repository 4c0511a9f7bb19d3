import { badIpIntel, corpEgress, torExit, type Scenario } from './case.ts';
import { BROWSER_UAS, CITIES, TOOL_UAS, badIp, corpIp, person, unknownIp, type Rng } from './random.ts';

/** An Entra ID sign-in as Graph `auditLogs/signIns` returns it. */
export function signIn(
  r: Rng,
  o: {
    upn: string;
    name: string;
    ip: string;
    app?: string;
    errorCode?: number;
    reason?: string;
    risk?: 'none' | 'low' | 'medium' | 'high';
    state?: string;
    detections?: string[];
    ua?: string;
  },
): Record<string, unknown> {
  const where = r.pick(CITIES);
  const app =
    o.app ??
    r.pick([
      'Office 365 Exchange Online',
      'Microsoft Teams',
      'Azure Portal',
      'OfficeHome',
      'SharePoint Online',
    ]);
  return {
    id: r.uuid(),
    createdDateTime: r.time().replace(/\.\d{3}Z$/, 'Z'),
    userDisplayName: o.name,
    userPrincipalName: o.upn,
    userId: r.uuid(),
    appId: r.uuid(),
    appDisplayName: app,
    ipAddress: o.ip,
    clientAppUsed: 'Browser',
    correlationId: r.uuid(),
    conditionalAccessStatus: o.errorCode ? 'failure' : 'success',
    isInteractive: true,
    riskDetail: 'none',
    riskLevelAggregated: o.risk ?? 'none',
    riskLevelDuringSignIn: o.risk ?? 'none',
    riskState: o.state ?? (o.risk && o.risk !== 'none' ? 'atRisk' : 'none'),
    riskEventTypes_v2: o.detections ?? [],
    resourceDisplayName: app,
    status: {
      errorCode: o.errorCode ?? 0,
      failureReason:
        o.reason ??
        (o.errorCode ? 'Invalid username or password or Invalid on-premise username or password.' : 'Other.'),
      additionalDetails: null,
    },
    deviceDetail: {
      deviceId: '',
      displayName: '',
      operatingSystem: 'Windows10',
      browser: (o.ua ?? r.pick(BROWSER_UAS)).split(' ')[0],
      isCompliant: false,
      isManaged: false,
      trustType: '',
    },
    location: {
      city: where.city,
      state: where.state,
      countryOrRegion: where.cc,
      geoCoordinates: { latitude: where.lat, longitude: where.lon },
    },
    appliedConditionalAccessPolicies: [],
  };
}

/** An Entra ID directory audit as Graph `auditLogs/directoryAudits` returns it. */
export function directoryAudit(
  r: Rng,
  o: {
    activity: string;
    category: string;
    actor: string;
    ip: string;
    target: { upn?: string; name?: string; type: string };
    props?: Array<{ displayName: string; oldValue: string | null; newValue: string }>;
    service?: string;
    operationType?: string;
  },
): Record<string, unknown> {
  return {
    id: `Directory_${r.uuid()}_${r.hex(5).toUpperCase()}_${r.int(10000000, 99999999)}`,
    category: o.category,
    correlationId: r.uuid(),
    result: 'success',
    resultReason: '',
    activityDisplayName: o.activity,
    activityDateTime: r.time().replace('Z', '1234Z'),
    loggedByService: o.service ?? 'Core Directory',
    operationType: o.operationType ?? 'Assign',
    initiatedBy: {
      app: null,
      user: { id: r.uuid(), displayName: null, userPrincipalName: o.actor, ipAddress: o.ip, userType: null },
    },
    targetResources: [
      {
        id: r.uuid(),
        displayName: o.target.name ?? null,
        type: o.target.type,
        userPrincipalName: o.target.upn ?? null,
        modifiedProperties: o.props ?? [],
      },
    ],
    additionalDetails: [{ key: 'User-Agent', value: r.pick(BROWSER_UAS) }],
  };
}

const role = (name: string) => [{ displayName: 'Role.DisplayName', oldValue: null, newValue: `"${name}"` }];

export const ENTRA: Array<[string, number, Scenario]> = [
  [
    'role-admin-corp',
    2,
    (r, t) => {
      const admin = person(r, t);
      const user = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: 'entra-id',
        note: 'directory admin role granted from the office: confirm the request',
        expected: { classification: 'suspicious', incident_type: 'privilege_escalation' },
        intel: [corpEgress(t)],
        payload: directoryAudit(r, {
          activity: 'Add member to role',
          category: 'RoleManagement',
          actor: admin.email,
          ip,
          target: { upn: user.email, type: 'User' },
          props: role(
            r.pick([
              'Global Administrator',
              'Privileged Role Administrator',
              'Exchange Administrator',
              'Security Administrator',
            ]),
          ),
        }),
      };
    },
  ],
  [
    'role-admin-bad-ip',
    1,
    (r, t) => {
      const admin = person(r, t);
      const ip = badIp(r);
      return {
        source: 'entra-id',
        note: 'Global Administrator granted from a listed address',
        expected: { classification: 'malicious', incident_type: 'privilege_escalation' },
        intel: [badIpIntel(ip)],
        payload: directoryAudit(r, {
          activity: 'Add member to role',
          category: 'RoleManagement',
          actor: admin.email,
          ip,
          target: { upn: `svc-sync${r.int(1, 9)}@${t.domain}`, type: 'User' },
          props: role('Global Administrator'),
        }),
      };
    },
  ],
  [
    'sp-credentials',
    3,
    (r, t) => {
      const admin = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'entra-id',
        note: 'new secret on an app registration: can act as the app, confirm the owner did it',
        expected: { classification: 'suspicious', incident_type: 'privilege_escalation' },
        payload: directoryAudit(r, {
          activity: 'Add service principal credentials',
          category: 'ApplicationManagement',
          actor: admin.email,
          ip,
          operationType: 'Update',
          target: {
            name: r.pick(['HR-Sync', 'Mail-Archiver', 'PowerBI-Connector']),
            type: 'ServicePrincipal',
          },
          props: [
            {
              displayName: 'KeyDescription',
              oldValue: '[]',
              newValue: `["[KeyIdentifier=${r.uuid()},KeyType=Password,KeyUsage=Verify,DisplayName=${r.pick(['temp', 'prod-key', 'x'])}]"]`,
            },
          ],
        }),
      };
    },
  ],
  [
    'app-role',
    1,
    (r, t) => {
      const admin = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'entra-id',
        note: 'Mail.ReadWrite application permission granted',
        expected: { classification: 'suspicious', incident_type: 'privilege_escalation' },
        payload: directoryAudit(r, {
          activity: 'Add app role assignment to service principal',
          category: 'ApplicationManagement',
          actor: admin.email,
          ip,
          target: { name: 'Microsoft Graph', type: 'ServicePrincipal' },
          props: [{ displayName: 'AppRole.Value', oldValue: null, newValue: '"Mail.ReadWrite"' }],
        }),
      };
    },
  ],
  [
    'consent',
    1,
    (r, t) => {
      const user = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'entra-id',
        note: 'user consented an unknown app to read mail: illicit consent grant pattern',
        expected: { classification: 'suspicious', incident_type: 'privilege_escalation' },
        payload: directoryAudit(r, {
          activity: 'Consent to application',
          category: 'ApplicationManagement',
          actor: user.email,
          ip,
          target: {
            name: r.pick(['PDF Converter Pro', 'Mail Organizer', 'DocuSign Viewer']),
            type: 'ServicePrincipal',
          },
          props: [
            {
              displayName: 'ConsentAction.Permissions',
              oldValue: null,
              newValue: '"Scope: Mail.Read offline_access"',
            },
          ],
        }),
      };
    },
  ],
  [
    'federation',
    2,
    (r, t, n) => {
      const admin = person(r, t);
      const ip = n === 0 ? badIp(r) : corpIp(r, t);
      return {
        source: 'entra-id',
        note:
          n === 0
            ? 'domain federation changed from a listed address: token-forging backdoor'
            : 'domain federation changed from the office: must be a planned change, verify',
        expected: {
          classification: n === 0 ? 'malicious' : 'suspicious',
          incident_type: 'privilege_escalation',
        },
        intel: [n === 0 ? badIpIntel(ip) : corpEgress(t)],
        payload: directoryAudit(r, {
          activity: 'Set federation settings on domain',
          category: 'DirectoryManagement',
          actor: admin.email,
          ip,
          operationType: 'Update',
          target: { name: t.domain, type: 'Directory' },
          props: [
            {
              displayName: 'IssuerUri',
              oldValue: null,
              newValue: `"http://${r.hex(6)}.example-adfs.net/adfs/services/trust"`,
            },
          ],
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
        source: 'entra-id',
        note: 'per-user MFA disabled',
        expected: { classification: 'suspicious', incident_type: 'suspicious_login' },
        payload: directoryAudit(r, {
          activity: 'Disable Strong Authentication',
          category: 'UserManagement',
          actor: admin.email,
          ip,
          operationType: 'Update',
          target: { upn: user.email, type: 'User' },
        }),
      };
    },
  ],
  [
    'ca-deleted',
    1,
    (r, t) => {
      const admin = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'entra-id',
        note: 'Conditional Access policy deleted',
        expected: { classification: 'suspicious', incident_type: 'policy_violation' },
        payload: directoryAudit(r, {
          activity: 'Delete conditional access policy',
          category: 'Policy',
          service: 'Conditional Access',
          actor: admin.email,
          ip,
          operationType: 'Delete',
          target: { name: r.pick(['Require MFA for admins', 'Block legacy authentication']), type: 'Policy' },
        }),
      };
    },
  ],
  [
    'signin-risk-tor',
    2,
    (r, t) => {
      const user = person(r, t);
      const ip = badIp(r);
      return {
        source: 'entra-id',
        note: 'high-risk sign-in succeeded from a Tor exit',
        expected: { classification: 'malicious', incident_type: 'suspicious_login' },
        intel: [torExit(ip)],
        payload: signIn(r, {
          upn: user.email,
          name: user.name,
          ip,
          risk: 'high',
          detections: ['anonymizedIPAddress', 'unfamiliarFeatures'],
        }),
      };
    },
  ],
  [
    'signin-risk-high',
    3,
    (r, t) => {
      const user = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'entra-signins',
        note: 'Entra rates the sign-in high risk; nothing else known: verify with the user',
        expected: { classification: 'suspicious', incident_type: 'suspicious_login' },
        payload: signIn(r, {
          upn: user.email,
          name: user.name,
          ip,
          risk: 'high',
          detections: ['unlikelyTravel'],
        }),
      };
    },
  ],
  [
    'confirmed-compromised',
    1,
    (r, t) => {
      const user = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'entra-id',
        note: 'an admin confirmed the user compromised',
        expected: { classification: 'malicious', incident_type: 'suspicious_login' },
        payload: signIn(r, {
          upn: user.email,
          name: user.name,
          ip,
          risk: 'high',
          state: 'confirmedCompromised',
          detections: ['adminConfirmedUserCompromised'],
        }),
      };
    },
  ],
  [
    'password-spray',
    1,
    (r, t) => {
      const user = person(r, t);
      const ip = badIp(r);
      return {
        source: 'entra-id',
        note: 'password spray detected from a listed address',
        expected: { classification: 'malicious', incident_type: 'suspicious_login' },
        intel: [badIpIntel(ip)],
        payload: signIn(r, {
          upn: user.email,
          name: user.name,
          ip,
          errorCode: 50126,
          risk: 'medium',
          detections: ['passwordSpray'],
          ua: r.pick(TOOL_UAS),
        }),
      };
    },
  ],
  [
    'signin-risk-medium',
    1,
    (r, t) => {
      const user = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'entra-id',
        note: 'medium-risk sign-in (unfamiliar features)',
        expected: { classification: 'suspicious', incident_type: 'suspicious_login' },
        payload: signIn(r, {
          upn: user.email,
          name: user.name,
          ip,
          risk: 'medium',
          detections: ['unfamiliarFeatures'],
        }),
      };
    },
  ],
  [
    'diagnostic-risk',
    1,
    (r, t) => {
      const user = person(r, t);
      const ip = unknownIp(r);
      const inner = signIn(r, {
        upn: user.email,
        name: user.name,
        ip,
        risk: 'high',
        detections: ['maliciousIPAddress'],
      });
      return {
        source: 'azure-signinlogs',
        note: 'Entra flags the sign-in IP as malicious (diagnostic-settings export)',
        expected: { classification: 'suspicious', incident_type: 'suspicious_login' },
        payload: {
          time: r.time(),
          resourceId: '/tenants/' + r.uuid() + '/providers/Microsoft.aadiam',
          operationName: 'Sign-in activity',
          operationVersion: '1.0',
          category: 'SignInLogs',
          tenantId: r.uuid(),
          resultType: '0',
          resultSignature: 'None',
          durationMs: 0,
          callerIpAddress: ip,
          correlationId: r.uuid(),
          identity: user.name,
          Level: 4,
          location: 'NL',
          properties: inner,
        },
      };
    },
  ],
  // Benign counterparts.
  [
    'signin-corp',
    4,
    (r, t) => {
      const user = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: 'entra-id',
        note: 'routine sign-in from the office',
        expected: { classification: 'benign', incident_type: 'suspicious_login' },
        intel: [corpEgress(t)],
        payload: signIn(r, { upn: user.email, name: user.name, ip }),
      };
    },
  ],
  [
    'signin-typo',
    1,
    (r, t) => {
      const user = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'entra-signins',
        note: 'a mistyped password, no risk',
        expected: { classification: 'benign', incident_type: 'suspicious_login' },
        payload: signIn(r, { upn: user.email, name: user.name, ip, errorCode: 50126 }),
      };
    },
  ],
  [
    'directory-routine',
    3,
    (r, t, n) => {
      const admin = person(r, t);
      const user = person(r, t);
      const ip = corpIp(r, t);
      const table: Array<[string, string]> = [
        ['Add user', 'UserManagement'],
        ['Add member to group', 'GroupManagement'],
        ['Update user', 'UserManagement'],
      ];
      const [activity, category] = table[n]!;
      return {
        source: 'entra-id',
        note: 'routine directory administration',
        expected: { classification: 'benign' },
        intel: [corpEgress(t)],
        payload: directoryAudit(r, {
          activity,
          category,
          actor: admin.email,
          ip,
          operationType: n === 2 ? 'Update' : 'Add',
          target: { upn: user.email, type: 'User' },
        }),
      };
    },
  ],
  [
    'helpdesk-reset',
    2,
    (r, t) => {
      const admin = person(r, t);
      const user = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: 'entra-id',
        note: 'helpdesk resets a locked-out user from the office',
        expected: { classification: 'benign', incident_type: 'suspicious_login' },
        intel: [corpEgress(t)],
        payload: directoryAudit(r, {
          activity: 'Reset password (by admin)',
          category: 'UserManagement',
          actor: admin.email,
          ip,
          operationType: 'Update',
          service: 'Self-service Password Management',
          target: { upn: user.email, type: 'User' },
        }),
      };
    },
  ],
  [
    'reader-role',
    1,
    (r, t) => {
      const admin = person(r, t);
      const user = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: 'entra-id',
        note: 'read-only reporting role given by an admin in the office',
        expected: { classification: 'benign', incident_type: 'privilege_escalation' },
        intel: [corpEgress(t)],
        payload: directoryAudit(r, {
          activity: 'Add member to role',
          category: 'RoleManagement',
          actor: admin.email,
          ip,
          target: { upn: user.email, type: 'User' },
          props: role('Reports Reader'),
        }),
      };
    },
  ],
];
