import { badIpIntel, corpEgress, type Scenario } from './case.ts';
import { badIp, corpIp, person, unknownIp, type Rng } from './random.ts';

/** A Falcon streaming API console audit event. */
export function falconAudit(
  r: Rng,
  o: {
    eventType: 'AuthActivityAuditEvent' | 'UserActivityAuditEvent';
    operation: string;
    service: string;
    user: string;
    ip: string;
    success?: boolean;
    keys?: Array<[string, string]>;
  },
): Record<string, unknown> {
  const when = Date.parse(r.time());
  return {
    metadata: {
      customerIDString: r.hex(32),
      offset: r.int(100000, 9999999),
      eventType: o.eventType,
      eventCreationTime: when,
      version: '1.0',
    },
    event: {
      UserId: o.user,
      UserIp: o.ip,
      OperationName: o.operation,
      ServiceName: o.service,
      Success: o.success ?? true,
      UTCTimestamp: Math.floor(when / 1000),
      AuditKeyValues: (o.keys ?? []).map(([Key, ValueString]) => ({ Key, ValueString })),
    },
  };
}

export const FALCON_AUDIT: Array<[string, number, Scenario]> = [
  [
    'grant-admin',
    3,
    (r, t, n) => {
      const actor = person(r, t);
      const target = person(r, t);
      const ip = n === 2 ? badIp(r) : corpIp(r, t);
      return {
        source: 'crowdstrike',
        note:
          n === 2 ? 'Falcon admin role granted from a listed address' : 'Falcon admin role granted: confirm',
        expected: {
          classification: n === 2 ? 'malicious' : 'suspicious',
          incident_type: 'privilege_escalation',
        },
        intel: [n === 2 ? badIpIntel(ip) : corpEgress(t)],
        payload: falconAudit(r, {
          eventType: 'AuthActivityAuditEvent',
          operation: 'grantUserRoles',
          service: 'CrowdStrike Authentication',
          user: actor.email,
          ip,
          keys: [
            ['target_name', target.email],
            [
              'roles',
              r.pick([
                'falconhost_admin',
                'custom_non_admin_role,falconhost_admin',
                'real_time_response_admin',
              ]),
            ],
            ['actor_user', actor.email],
          ],
        }),
      };
    },
  ],
  [
    'api-client',
    3,
    (r, t) => {
      const actor = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'crowdstrike',
        note: 'API client with host-write and RTR-admin scopes created',
        expected: { classification: 'suspicious', incident_type: 'privilege_escalation' },
        payload: falconAudit(r, {
          eventType: 'AuthActivityAuditEvent',
          operation: 'CreateAPIClient',
          service: 'Crowdstrike API Client',
          user: actor.email,
          ip,
          keys: [
            ['scope(s)', 'hosts:write,real-time-response-admin:write'],
            ['name', r.pick(['siem-int', 'tmp', 'automation'])],
            ['APIClientID', r.hex(32)],
          ],
        }),
      };
    },
  ],
  [
    'reset-2fa',
    1,
    (r, t) => {
      const actor = person(r, t);
      const target = person(r, t);
      const ip = unknownIp(r);
      return {
        source: 'crowdstrike',
        note: "a console user's 2FA secret reset",
        expected: { classification: 'suspicious', incident_type: 'suspicious_login' },
        payload: falconAudit(r, {
          eventType: 'AuthActivityAuditEvent',
          operation: 'requestResetAuthSecret',
          service: 'CrowdStrike Authentication',
          user: actor.email,
          ip,
          keys: [['target_name', target.email]],
        }),
      };
    },
  ],
  [
    'policy-disabled',
    2,
    (r, t, n) => {
      const actor = person(r, t);
      const ip = n === 0 ? badIp(r) : unknownIp(r);
      return {
        source: 'crowdstrike',
        note: n === 0 ? 'prevention policy disabled from a listed address' : 'prevention policy disabled',
        expected: { classification: n === 0 ? 'malicious' : 'suspicious', incident_type: 'policy_violation' },
        ...(n === 0 ? { intel: [badIpIntel(ip)] } : {}),
        payload: falconAudit(r, {
          eventType: 'UserActivityAuditEvent',
          operation: 'disable_policy',
          service: 'Prevention Policy',
          user: actor.email,
          ip,
          keys: [
            ['policy_name', r.pick(['Workstations - Aggressive', 'Servers - Default'])],
            ['policy_type', 'prevention'],
          ],
        }),
      };
    },
  ],
  // Benign counterparts.
  [
    'allowlist-update',
    1,
    (r, t) => {
      const actor = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: 'crowdstrike',
        note: 'admin adds the new office range to the console IP allowlist',
        expected: { classification: 'benign', incident_type: 'policy_violation' },
        intel: [corpEgress(t)],
        payload: falconAudit(r, {
          eventType: 'AuthActivityAuditEvent',
          operation: 'UpdateAllowlistGroup',
          service: 'Crowdstrike Allowlist Management',
          user: actor.email,
          ip,
          keys: [
            ['cidrs', `[${t.egress}]`],
            ['contexts', '[UI]'],
            ['active', 'true'],
          ],
        }),
      };
    },
  ],
  [
    'console-login',
    4,
    (r, t, n) => {
      const actor = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: 'crowdstrike',
        note: 'an analyst signs in to the Falcon console',
        expected: { classification: 'benign', incident_type: 'suspicious_login' },
        intel: [corpEgress(t)],
        payload: falconAudit(r, {
          eventType: 'AuthActivityAuditEvent',
          operation: n === 1 ? 'twoFactorAuthenticate' : 'userAuthenticate',
          service: 'CrowdStrike Authentication',
          user: actor.email,
          ip,
        }),
      };
    },
  ],
  [
    'detection-update',
    2,
    (r, t) => {
      const actor = person(r, t);
      const ip = corpIp(r, t);
      return {
        source: 'crowdstrike',
        note: 'an analyst closes a detection',
        expected: { classification: 'benign' },
        intel: [corpEgress(t)],
        payload: falconAudit(r, {
          eventType: 'UserActivityAuditEvent',
          operation: 'detection_update',
          service: 'detections',
          user: actor.email,
          ip,
          keys: [
            ['detection_id', `ldt:${r.hex(32)}:${r.int(1e9, 9e9)}`],
            ['new_state', 'closed'],
          ],
        }),
      };
    },
  ],
];
