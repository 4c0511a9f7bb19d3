import { badIpIntel, corpEgress, torExit, type Scenario } from './case.ts';
import { badIp, corpIp, person, unknownIp, type Rng, type Tenant } from './random.ts';

type Param = { name: string; value?: string; boolValue?: boolean; multiValue?: string[] };

/** A Google Workspace Reports API activity (`admin#reports#activity`). */
export function googleActivity(
  r: Rng,
  t: Tenant,
  o: {
    app: 'admin' | 'login' | 'drive' | 'token';
    actor: string;
    ip: string;
    type: string;
    name: string;
    parameters: Param[];
  },
): Record<string, unknown> {
  return {
    kind: 'admin#reports#activity',
    id: {
      time: r.time(),
      uniqueQualifier: String(BigInt(r.int(1, 9)) * 1000000000000000000n + BigInt(r.int(0, 999999999))),
      applicationName: o.app,
      customerId: 'C0' + r.hex(7),
    },
    etag: `"${r.hex(27)}/${r.hex(27)}"`,
    actor: {
      callerType: 'USER',
      email: o.actor,
      profileId: String(r.int(100000000, 999999999)) + String(r.int(100000000, 999999999)),
    },
    ownerDomain: t.domain,
    ipAddress: o.ip,
    events: [{ type: o.type, name: o.name, parameters: o.parameters }],
  };
}

const ROLES = [
  '_SEED_ADMIN_ROLE',
  '_USER_MANAGEMENT_ADMIN_ROLE',
  '_GROUPS_ADMIN_ROLE',
  '_HELP_DESK_ADMIN_ROLE',
];

export const GOOGLE: Array<[string, number, Scenario]> = [
  [
    'assign-role-corp',
    3,
    (r, t) => {
      const admin = person(r, t);
      const user = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: 'google-workspace',
        note: 'admin role assigned from the office: confirm it was requested',
        expected: { classification: 'suspicious', incident_type: 'privilege_escalation' },
        intel: [corpEgress(t)],
        payload: googleActivity(r, t, {
          app: 'admin',
          actor: admin.email,
          ip,
          type: 'DELEGATED_ADMIN_SETTINGS',
          name: 'ASSIGN_ROLE',
          parameters: [
            { name: 'ROLE_ID', value: String(r.int(1e15, 9e15)) },
            { name: 'ROLE_NAME', value: r.pick(ROLES) },
            { name: 'USER_EMAIL', value: user.email },
          ],
        }),
      };
    },
  ],
  [
    'assign-role-bad-ip',
    1,
    (r, t) => {
      const admin = person(r, t);
      const ip = badIp(r);
      return {
        source: 'google-workspace',
        note: 'super admin role given to an outside account from a listed address',
        expected: { classification: 'malicious', incident_type: 'privilege_escalation' },
        intel: [badIpIntel(ip)],
        payload: googleActivity(r, t, {
          app: 'admin',
          actor: admin.email,
          ip,
          type: 'DELEGATED_ADMIN_SETTINGS',
          name: 'ASSIGN_ROLE',
          parameters: [
            { name: 'ROLE_NAME', value: '_SEED_ADMIN_ROLE' },
            { name: 'USER_EMAIL', value: `backup.admin.${r.hex(4)}@${t.domain}` },
          ],
        }),
      };
    },
  ],
  [
    'grant-admin',
    1,
    (r, t) => {
      const admin = person(r, t);
      const user = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'google-workspace',
        note: 'admin privilege granted from outside the office',
        expected: { classification: 'suspicious', incident_type: 'privilege_escalation' },
        payload: googleActivity(r, t, {
          app: 'admin',
          actor: admin.email,
          ip,
          type: 'USER_SETTINGS',
          name: 'GRANT_ADMIN_PRIVILEGE',
          parameters: [{ name: 'USER_EMAIL', value: user.email }],
        }),
      };
    },
  ],
  [
    'dwd',
    2,
    (r, t, n) => {
      const admin = person(r, t);
      const ip = n === 0 ? corpIp(r, t) : badIp(r);
      return {
        source: 'google-workspace',
        note:
          n === 0
            ? 'domain-wide delegation granted to an API client: confirm the integration'
            : 'domain-wide delegation of Gmail granted from a listed address',
        expected: {
          classification: n === 0 ? 'suspicious' : 'malicious',
          incident_type: 'privilege_escalation',
        },
        intel: [n === 0 ? corpEgress(t) : badIpIntel(ip)],
        payload: googleActivity(r, t, {
          app: 'admin',
          actor: admin.email,
          ip,
          type: 'SECURITY_SETTINGS',
          name: 'AUTHORIZE_API_CLIENT_ACCESS',
          parameters: [
            { name: 'API_CLIENT_NAME', value: String(r.int(1e20, 9e20)) },
            {
              name: 'API_SCOPES',
              multiValue: [
                'https://mail.google.com/',
                'https://www.googleapis.com/auth/admin.directory.user',
              ],
            },
          ],
        }),
      };
    },
  ],
  [
    '2sv-disable',
    2,
    (r, t, n) => {
      const user = person(r, t);
      const ip = n === 0 ? badIp(r) : unknownIp(r);
      return {
        source: 'google-workspace',
        note:
          n === 0
            ? '2-step verification turned off from a Tor exit'
            : '2-step verification turned off: weakens the account, ask the user',
        expected: { classification: n === 0 ? 'malicious' : 'suspicious', incident_type: 'suspicious_login' },
        ...(n === 0 ? { intel: [torExit(ip)] } : {}),
        payload: googleActivity(r, t, {
          app: 'login',
          actor: user.email,
          ip,
          type: '2sv_change',
          name: '2sv_disable',
          parameters: [],
        }),
      };
    },
  ],
  [
    'suspicious-login',
    4,
    (r, t, n) => {
      const user = person(r, t);
      const ip = n === 0 ? badIp(r) : unknownIp(r);
      return {
        source: 'google-workspace',
        note: n === 0 ? 'Google-flagged login from a listed address' : 'Google flags the login as suspicious',
        expected: { classification: n === 0 ? 'malicious' : 'suspicious', incident_type: 'suspicious_login' },
        ...(n === 0 ? { intel: [badIpIntel(ip)] } : {}),
        payload: googleActivity(r, t, {
          app: 'login',
          actor: user.email,
          ip,
          type: 'login',
          name: n === 2 ? 'login_success' : 'suspicious_login',
          parameters: [
            { name: 'login_type', value: 'google_password' },
            { name: 'login_challenge_method', multiValue: ['password'] },
            { name: 'is_suspicious', boolValue: true },
          ],
        }),
      };
    },
  ],
  [
    'hijacked',
    1,
    (r, t) => {
      const user = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'google-workspace',
        note: 'Google disabled the account as hijacked',
        expected: { classification: 'malicious', incident_type: 'suspicious_login' },
        payload: googleActivity(r, t, {
          app: 'login',
          actor: user.email,
          ip,
          type: 'account_warning',
          name: 'account_disabled_hijacked',
          parameters: [{ name: 'affected_email_address', value: user.email }],
        }),
      };
    },
  ],
  [
    'password-leak',
    1,
    (r, t) => {
      const user = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'google-workspace',
        note: 'password found in a leak; account disabled, no sign of use yet',
        expected: { classification: 'suspicious', incident_type: 'suspicious_login' },
        payload: googleActivity(r, t, {
          app: 'login',
          actor: user.email,
          ip,
          type: 'account_warning',
          name: 'account_disabled_password_leak',
          parameters: [{ name: 'affected_email_address', value: user.email }],
        }),
      };
    },
  ],
  [
    'gov-attack',
    1,
    (r, t) => {
      const user = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'google-workspace',
        note: 'Google warns of a state-backed phishing attempt on the account',
        expected: { classification: 'malicious', incident_type: 'suspicious_login' },
        payload: googleActivity(r, t, {
          app: 'login',
          actor: user.email,
          ip,
          type: 'attack_warning',
          name: 'gov_attack_warning',
          parameters: [],
        }),
      };
    },
  ],
  [
    'drive-public',
    1,
    (r, t) => {
      const user = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'google-workspace',
        note: 'payroll spreadsheet made public on the web',
        expected: { classification: 'suspicious', incident_type: 'data_exfiltration' },
        payload: googleActivity(r, t, {
          app: 'drive',
          actor: user.email,
          ip,
          type: 'acl_change',
          name: 'change_document_visibility',
          parameters: [
            { name: 'doc_id', value: r.hex(33) },
            {
              name: 'doc_title',
              value: r.pick(['Payroll 2024 Q2.xlsx', 'Customer export.csv', 'Board deck - M&A.pptx']),
            },
            { name: 'old_visibility', value: 'private' },
            { name: 'visibility', value: 'public_on_the_web' },
            { name: 'owner', value: user.email },
          ],
        }),
      };
    },
  ],
  [
    '2sv-enforcement-off',
    1,
    (r, t) => {
      const admin = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'google-workspace',
        note: '2SV enforcement switched off for an OU',
        expected: { classification: 'suspicious', incident_type: 'policy_violation' },
        payload: googleActivity(r, t, {
          app: 'admin',
          actor: admin.email,
          ip,
          type: 'SECURITY_SETTINGS',
          name: 'ENFORCE_STRONG_AUTHENTICATION',
          parameters: [
            { name: 'ORG_UNIT_NAME', value: `/${t.org}/Sales` },
            { name: 'OLD_VALUE', value: 'true' },
            { name: 'NEW_VALUE', value: 'false' },
          ],
        }),
      };
    },
  ],
  // Benign counterparts.
  [
    'login-corp',
    4,
    (r, t) => {
      const user = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: 'google-workspace',
        note: 'routine sign-in from the office',
        expected: { classification: 'benign', incident_type: 'suspicious_login' },
        intel: [corpEgress(t)],
        payload: googleActivity(r, t, {
          app: 'login',
          actor: user.email,
          ip,
          type: 'login',
          name: 'login_success',
          parameters: [
            { name: 'login_type', value: 'saml' },
            { name: 'is_suspicious', boolValue: false },
          ],
        }),
      };
    },
  ],
  [
    'login-home',
    2,
    (r, t, n) => {
      const user = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'google-workspace',
        note: n === 0 ? 'sign-in from home, not flagged' : 'one failed password, not flagged',
        expected: { classification: 'benign', incident_type: 'suspicious_login' },
        payload: googleActivity(r, t, {
          app: 'login',
          actor: user.email,
          ip,
          type: 'login',
          name: n === 0 ? 'login_success' : 'login_failure',
          parameters: [
            { name: 'login_type', value: 'google_password' },
            ...(n === 1 ? [{ name: 'login_failure_type', value: 'login_failure_invalid_password' }] : []),
          ],
        }),
      };
    },
  ],
  [
    'drive-edit',
    2,
    (r, t) => {
      const user = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: 'google-workspace',
        note: 'someone edits their own document',
        expected: { classification: 'benign' },
        intel: [corpEgress(t)],
        payload: googleActivity(r, t, {
          app: 'drive',
          actor: user.email,
          ip,
          type: 'access',
          name: r.pick(['edit', 'view']),
          parameters: [
            { name: 'doc_id', value: r.hex(33) },
            { name: 'doc_title', value: r.pick(['Team OKRs', 'Sprint notes', 'Travel policy']) },
            { name: 'visibility', value: 'private' },
            { name: 'owner', value: user.email },
          ],
        }),
      };
    },
  ],
  [
    'create-user',
    1,
    (r, t) => {
      const admin = person(r, t);
      const user = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: 'google-workspace',
        note: 'onboarding: a new user created',
        expected: { classification: 'benign' },
        intel: [corpEgress(t)],
        payload: googleActivity(r, t, {
          app: 'admin',
          actor: admin.email,
          ip,
          type: 'USER_SETTINGS',
          name: 'CREATE_USER',
          parameters: [{ name: 'USER_EMAIL', value: user.email }],
        }),
      };
    },
  ],
  [
    'admin-password-change',
    1,
    (r, t) => {
      const admin = person(r, t);
      const user = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: 'google-workspace',
        note: 'helpdesk resets a forgotten password from the office',
        expected: { classification: 'benign', incident_type: 'suspicious_login' },
        intel: [corpEgress(t)],
        payload: googleActivity(r, t, {
          app: 'admin',
          actor: admin.email,
          ip,
          type: 'USER_SETTINGS',
          name: 'CHANGE_PASSWORD',
          parameters: [{ name: 'USER_EMAIL', value: user.email }],
        }),
      };
    },
  ],
];
