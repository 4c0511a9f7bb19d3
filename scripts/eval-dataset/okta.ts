import { badIpIntel, corpEgress, torExit, type Case, type Scenario } from './case.ts';
import { BROWSER_UAS, CITIES, TOOL_UAS, badIp, corpIp, person, unknownIp, type Rng } from './random.ts';

interface OktaOpts {
  eventType: string;
  displayMessage: string;
  severity?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  actor: { email: string; name: string } | { system: true };
  ip: string;
  ua?: string;
  result?: 'SUCCESS' | 'FAILURE' | 'DENY' | 'ALLOW';
  reason?: string | null;
  targets?: unknown[];
  debug?: Record<string, unknown>;
  proxy?: boolean;
  legacy?: string;
}

/** An Okta System Log LogEvent as the System Log API returns it. */
export function oktaEvent(r: Rng, o: OktaOpts): Record<string, unknown> {
  const where = r.pick(CITIES);
  const id = () => `00u${r.hex(17)}`;
  const request = r.hex(26);
  const actor =
    'system' in o.actor
      ? {
          id: '0oa' + r.hex(17),
          type: 'PublicClientApp',
          alternateId: 'Okta System',
          displayName: 'Okta System',
          detailEntry: null,
        }
      : { id: id(), type: 'User', alternateId: o.actor.email, displayName: o.actor.name, detailEntry: null };
  const ua = o.ua ?? r.pick(BROWSER_UAS);
  return {
    actor,
    client: {
      userAgent: {
        rawUserAgent: ua,
        os: /Windows/.test(ua) ? 'Windows 10' : /Mac/.test(ua) ? 'Mac OS X' : 'Unknown',
        browser: /Chrome/.test(ua) ? 'CHROME' : /Firefox/.test(ua) ? 'FIREFOX' : 'UNKNOWN',
      },
      zone: 'null',
      device: 'Computer',
      id: null,
      ipAddress: o.ip,
      geographicalContext: {
        city: where.city,
        state: where.state,
        country: where.country,
        postalCode: String(r.int(10000, 99999)),
        geolocation: { lat: where.lat, lon: where.lon },
      },
    },
    device: null,
    authenticationContext: {
      authenticationProvider: null,
      credentialProvider: null,
      credentialType: null,
      issuer: null,
      interface: null,
      authenticationStep: 0,
      externalSessionId: r.hex(25),
    },
    displayMessage: o.displayMessage,
    eventType: o.eventType,
    outcome: { result: o.result ?? 'SUCCESS', reason: o.reason ?? null },
    published: r.time(),
    securityContext: {
      asNumber: r.int(1000, 64000),
      asOrg: r.pick(['comcast', 'deutsche telekom ag', 'ovh sas', 'digitalocean llc', 'm247 ltd']),
      isp: 'isp',
      domain: null,
      isProxy: o.proxy ?? false,
    },
    severity: o.severity ?? 'INFO',
    debugContext: {
      debugData: {
        requestId: request,
        requestUri: '/api/v1/' + r.pick(['users', 'authn', 'sessions', 'policies']),
        url: '/api/v1/?',
        ...(o.debug ?? {}),
      },
    },
    legacyEventType: o.legacy ?? null,
    transaction: { type: 'WEB', id: request, detail: {} },
    uuid: r.uuid(),
    version: '0',
    request: {
      ipChain: [
        {
          ip: o.ip,
          geographicalContext: { city: where.city, country: where.country },
          version: 'V4',
          source: null,
        },
      ],
    },
    target: o.targets ?? [],
  };
}

const userTarget = (r: Rng, p: { email: string; name: string }) => ({
  id: `00u${r.hex(17)}`,
  type: 'User',
  alternateId: p.email,
  displayName: p.name,
  detailEntry: null,
});
const ROLES = [
  'Super Administrator',
  'Organization Administrator',
  'Application Administrator',
  'Help Desk Administrator',
];
const riskHigh = '{reasons=Anomalous Geo-Distance, New Device, New IP, level=HIGH}';

/** Okta System Log scenarios: label, then the event. */
export const OKTA: Array<[string, number, Scenario]> = [
  [
    'admin-grant-corp',
    5,
    (r, t) => {
      const admin = person(r, t);
      const user = person(r, t);
      const ip = corpIp(r, t);
      const role = r.pick(ROLES);
      return {
        source: 'okta',
        note: 'admin role granted by an admin from the office: sensitive change to confirm',
        expected: { classification: 'suspicious', incident_type: 'privilege_escalation' },
        intel: [corpEgress(t)],
        payload: oktaEvent(r, {
          eventType: 'user.account.privilege.grant',
          displayMessage: 'Grant user privilege',
          actor: admin,
          ip,
          targets: [
            userTarget(r, user),
            {
              id: 'ra1' + r.hex(10),
              type: 'ROLE',
              alternateId: 'unknown',
              displayName: role,
              detailEntry: null,
            },
          ],
          debug: { privilegeGranted: role },
        }),
      };
    },
  ],
  [
    'admin-grant-tor',
    2,
    (r, t) => {
      const admin = person(r, t);
      const user = person(r, t);
      const ip = badIp(r);
      return {
        source: 'okta',
        note: 'admin role granted from a Tor exit: an attacker using a hijacked admin session',
        expected: { classification: 'malicious', incident_type: 'privilege_escalation' },
        intel: [torExit(ip)],
        payload: oktaEvent(r, {
          eventType: 'user.account.privilege.grant',
          displayMessage: 'Grant user privilege',
          actor: admin,
          ip,
          proxy: true,
          targets: [userTarget(r, user)],
          debug: { privilegeGranted: 'Super Administrator' },
        }),
      };
    },
  ],
  [
    'group-grant',
    1,
    (r, t) => {
      const admin = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'okta',
        note: 'admin privileges given to a whole group from an unknown network',
        expected: { classification: 'suspicious', incident_type: 'privilege_escalation' },
        payload: oktaEvent(r, {
          eventType: 'group.privilege.grant',
          displayMessage: 'Grant group privilege',
          actor: admin,
          ip,
          targets: [
            {
              id: '00g' + r.hex(17),
              type: 'UserGroup',
              alternateId: 'unknown',
              displayName: r.pick(['IT-Contractors', 'Helpdesk-Tier1', 'Ext-Support']),
              detailEntry: null,
            },
          ],
          debug: { privilegeGranted: 'Organization Administrator' },
        }),
      };
    },
  ],
  [
    'mfa-reset-helpdesk',
    2,
    (r, t) => {
      const admin = person(r, t);
      const user = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: 'okta',
        note: "helpdesk reset all of a user's factors: the social-engineering path attackers use, confirm with the user",
        expected: { classification: 'suspicious', incident_type: 'suspicious_login' },
        intel: [corpEgress(t)],
        payload: oktaEvent(r, {
          eventType: 'user.mfa.factor.reset_all',
          displayMessage: 'Reset all factors for user',
          actor: admin,
          ip,
          targets: [userTarget(r, user)],
        }),
      };
    },
  ],
  [
    'mfa-deactivate-bad-ip',
    1,
    (r, t) => {
      const user = person(r, t);
      const ip = badIp(r);
      return {
        source: 'okta',
        note: 'MFA factor removed from a known-bad address',
        expected: { classification: 'malicious', incident_type: 'suspicious_login' },
        intel: [badIpIntel(ip)],
        payload: oktaEvent(r, {
          eventType: 'user.mfa.factor.deactivate',
          displayMessage: 'Reset factor for user',
          actor: user,
          ip,
          ua: r.pick(TOOL_UAS),
          targets: [userTarget(r, user)],
          debug: { factor: 'OKTA_VERIFY_PUSH' },
        }),
      };
    },
  ],
  [
    'api-token-corp',
    3,
    (r, t) => {
      const admin = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: 'okta',
        note: 'API token created: carries admin rights, persistence if not planned',
        expected: { classification: 'suspicious', incident_type: 'privilege_escalation' },
        intel: [corpEgress(t)],
        payload: oktaEvent(r, {
          eventType: 'system.api_token.create',
          displayMessage: 'Create API token',
          actor: admin,
          ip,
          targets: [
            {
              id: '00T' + r.hex(17),
              type: 'Token',
              alternateId: 'unknown',
              displayName: r.pick(['terraform', 'scim-sync', 'backup', 'test']),
              detailEntry: null,
            },
          ],
        }),
      };
    },
  ],
  [
    'api-token-bad-ip',
    1,
    (r, t) => {
      const admin = person(r, t);
      const ip = badIp(r);
      return {
        source: 'okta',
        note: 'API token created from a known-bad address: persistence by an intruder',
        expected: { classification: 'malicious', incident_type: 'privilege_escalation' },
        intel: [badIpIntel(ip)],
        payload: oktaEvent(r, {
          eventType: 'system.api_token.create',
          displayMessage: 'Create API token',
          actor: admin,
          ip,
          ua: r.pick(TOOL_UAS),
          targets: [
            {
              id: '00T' + r.hex(17),
              type: 'Token',
              alternateId: 'unknown',
              displayName: 'svc',
              detailEntry: null,
            },
          ],
        }),
      };
    },
  ],
  [
    'threat-suspected-bad-ip',
    3,
    (r, t) => {
      const user = person(r, t);
      const ip = badIp(r);
      return {
        source: 'okta',
        note: 'ThreatInsight flags a credential attack from a listed address',
        expected: { classification: 'malicious', incident_type: 'suspicious_login' },
        intel: [torExit(ip)],
        payload: oktaEvent(r, {
          eventType: 'user.session.start',
          displayMessage: 'User login to Okta',
          severity: 'WARN',
          actor: user,
          ip,
          ua: r.pick(TOOL_UAS),
          result: 'FAILURE',
          reason: 'VERIFICATION_ERROR',
          proxy: true,
          legacy: 'core.user_auth.login_failed',
          debug: { threatSuspected: 'true', risk: riskHigh },
        }),
      };
    },
  ],
  [
    'threat-suspected',
    1,
    (r, t) => {
      const user = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'okta',
        note: 'ThreatInsight flags password spraying from this address',
        expected: { classification: 'malicious', incident_type: 'suspicious_login' },
        payload: oktaEvent(r, {
          eventType: 'user.session.start',
          displayMessage: 'User login to Okta',
          severity: 'WARN',
          actor: user,
          ip,
          ua: r.pick(TOOL_UAS),
          result: 'FAILURE',
          reason: 'INVALID_CREDENTIALS',
          debug: { threatSuspected: 'true' },
        }),
      };
    },
  ],
  [
    'threat-detected',
    1,
    (r) => {
      const ip = badIp(r);
      return {
        source: 'okta',
        note: 'Okta ThreatInsight: request from an IP attacking the org',
        expected: { classification: 'malicious', incident_type: 'suspicious_login' },
        intel: [badIpIntel(ip)],
        payload: oktaEvent(r, {
          eventType: 'security.threat.detected',
          displayMessage: 'Request from suspicious actor',
          severity: 'WARN',
          actor: { system: true },
          ip,
          ua: r.pick(TOOL_UAS),
          result: 'DENY',
          reason: 'Password Spray',
          debug: { threatDetections: '{"Password Spray":"HIGH"}' },
        }),
      };
    },
  ],
  [
    'risk-high-success',
    2,
    (r, t) => {
      const user = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'okta',
        note: 'successful sign-in Okta rates high risk (new device and place): possible account takeover, verify with the user',
        expected: { classification: 'suspicious', incident_type: 'suspicious_login' },
        payload: oktaEvent(r, {
          eventType: 'user.session.start',
          displayMessage: 'User login to Okta',
          severity: 'INFO',
          actor: user,
          ip,
          debug: {
            risk: riskHigh,
            behaviors: '{New Geo-Location=POSITIVE, New Device=POSITIVE, New IP=POSITIVE}',
          },
        }),
      };
    },
  ],
  [
    'impersonation',
    1,
    (r, t) => {
      const admin = person(r, t);
      const user = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'okta',
        note: 'admin impersonated a user session',
        expected: { classification: 'suspicious', incident_type: 'privilege_escalation' },
        payload: oktaEvent(r, {
          eventType: 'user.session.impersonation.initiate',
          displayMessage: 'Initiate impersonation session',
          severity: 'WARN',
          actor: admin,
          ip,
          targets: [userTarget(r, user)],
        }),
      };
    },
  ],
  [
    'idp-created',
    1,
    (r, t) => {
      const admin = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'okta',
        note: 'new inbound identity provider: can mint sessions for any user (cross-tenant impersonation)',
        expected: { classification: 'suspicious', incident_type: 'privilege_escalation' },
        payload: oktaEvent(r, {
          eventType: 'system.idp.lifecycle.create',
          displayMessage: 'Create Identity Provider',
          actor: admin,
          ip,
          targets: [
            {
              id: '0oa' + r.hex(17),
              type: 'IdentityProvider',
              alternateId: 'unknown',
              displayName: r.pick(['Partner SSO', 'Okta-IdP-2', 'Azure AD (new)']),
              detailEntry: null,
            },
          ],
        }),
      };
    },
  ],
  [
    'policy-disabled',
    2,
    (r, t, n) => {
      const admin = person(r, t);
      const ip = unknownIp(r);
      const [eventType, msg, what]: [string, string, string] =
        n === 0
          ? ['policy.rule.deactivate', 'Deactivate policy rule', 'Require MFA for all users']
          : ['zone.delete', 'Delete network zone', 'BlockedIpZone'];
      return {
        source: 'okta',
        note: 'sign-on protection removed',
        expected: { classification: 'suspicious', incident_type: 'policy_violation' },
        payload: oktaEvent(r, {
          eventType,
          displayMessage: msg,
          actor: admin,
          ip,
          targets: [
            {
              id: '0pr' + r.hex(17),
              type: n === 0 ? 'PolicyRule' : 'NetworkZone',
              alternateId: 'unknown',
              displayName: what,
              detailEntry: null,
            },
          ],
        }),
      };
    },
  ],
  [
    'user-reported',
    1,
    (r, t) => {
      const user = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: 'okta',
        note: 'user reports activity they did not do',
        expected: { classification: 'suspicious', incident_type: 'suspicious_login' },
        intel: [corpEgress(t)],
        payload: oktaEvent(r, {
          eventType: 'user.account.report_suspicious_activity_by_enduser',
          displayMessage: 'User report suspicious activity',
          severity: 'WARN',
          actor: user,
          ip,
          debug: { suspiciousActivityEventType: 'system.email.new_device_notification.sent_message' },
        }),
      };
    },
  ],
  [
    'mfa-push-denied',
    2,
    (r, t) => {
      const user = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'okta',
        note: 'user denied an Okta Verify push they did not start: someone has the password',
        expected: { classification: 'suspicious', incident_type: 'suspicious_login' },
        payload: oktaEvent(r, {
          eventType: 'user.mfa.okta_verify.deny_push',
          displayMessage: 'User rejected Okta push verify',
          severity: 'WARN',
          actor: user,
          ip,
          result: 'FAILURE',
          reason: 'User rejected Okta push verify',
        }),
      };
    },
  ],
  // Benign counterparts.
  [
    'login-corp',
    3,
    (r, t) => {
      const user = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: 'okta',
        note: 'routine sign-in from the office',
        expected: { classification: 'benign', incident_type: 'suspicious_login' },
        intel: [corpEgress(t)],
        payload: oktaEvent(r, {
          eventType: r.pick(['user.session.start', 'user.authentication.sso']),
          displayMessage: 'User login to Okta',
          actor: user,
          ip,
          legacy: 'core.user_auth.login_success',
        }),
      };
    },
  ],
  [
    'login-home',
    3,
    (r, t) => {
      const user = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'okta',
        note: 'routine sign-in from a home network, no risk flag',
        expected: { classification: 'benign', incident_type: 'suspicious_login' },
        payload: oktaEvent(r, {
          eventType: 'user.authentication.auth_via_mfa',
          displayMessage: 'Authentication of user via MFA',
          actor: user,
          ip,
          debug: { factor: 'OKTA_VERIFY_PUSH' },
        }),
      };
    },
  ],
  [
    'login-typo',
    1,
    (r, t) => {
      const user = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: 'okta',
        note: 'one mistyped password from the office',
        expected: { classification: 'benign', incident_type: 'suspicious_login' },
        intel: [corpEgress(t)],
        payload: oktaEvent(r, {
          eventType: 'user.session.start',
          displayMessage: 'User login to Okta',
          severity: 'WARN',
          actor: user,
          ip,
          result: 'FAILURE',
          reason: 'INVALID_CREDENTIALS',
        }),
      };
    },
  ],
  [
    'lifecycle',
    3,
    (r, t, n) => {
      const admin = person(r, t);
      const user = person(r, t);
      const ip = corpIp(r, t);
      const table: Array<[string, string]> = [
        ['user.lifecycle.create', 'Create Okta user'],
        ['group.user_membership.add', 'Add user to group membership'],
        ['user.mfa.factor.activate', 'Activate factor for user'],
      ];
      const [eventType, msg] = table[n]!;
      return {
        source: 'okta',
        note: 'routine directory administration',
        expected: { classification: 'benign' },
        intel: [corpEgress(t)],
        payload: oktaEvent(r, {
          eventType,
          displayMessage: msg,
          actor: n === 2 ? user : admin,
          ip,
          targets: [userTarget(r, user)],
        }),
      };
    },
  ],
  [
    'policy-tweak',
    1,
    (r, t) => {
      const admin = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: 'okta',
        note: 'admin adjusts a sign-on policy rule from the office during a change window',
        expected: { classification: 'benign', incident_type: 'policy_violation' },
        intel: [corpEgress(t)],
        payload: oktaEvent(r, {
          eventType: 'policy.rule.update',
          displayMessage: 'Update policy rule',
          actor: admin,
          ip,
          targets: [
            {
              id: '0pr' + r.hex(17),
              type: 'PolicyRule',
              alternateId: 'unknown',
              displayName: 'Session lifetime 12h',
              detailEntry: null,
            },
          ],
        }),
      };
    },
  ],
];

export type { Case };
