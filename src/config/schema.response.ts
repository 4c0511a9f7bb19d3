import { Type } from 'typebox';
import type { OperationMode } from '../contracts/index.ts';
import { Duration, Obj } from './schema.parts.ts';

/**
 * Automated response (docs/RESPONSE.md, POLICY.md, CONNECTORS.md): operation mode, guardrails,
 * approvals, action execution, connectors and outbound calls. Durations listed in load.ts.
 */
// The literal list must equal OPERATION_MODES (a tuple keeps the config type a union of strings).
const _modesMatch: [OperationMode] extends ['assisted' | 'supervised' | 'autonomous'] ? true : never = true;
void _modesMatch;

export const ResponseConfigSchema = Obj({
  /**
   * Every process re-reads the kill switch this often, in case the bus lost a change event (the
   * event itself makes it effective at once).
   */
  kill_switch_poll: Duration('1s', 'safety-net re-read of the kill switch by every process'),
  mode: Type.Union([Type.Literal('assisted'), Type.Literal('supervised'), Type.Literal('autonomous')], {
    default: 'supervised',
    description:
      'global operation mode: assisted (nothing runs without a person), supervised (runs what policy allows, approvals for the rest), autonomous (also runs approval-level analyst actions); a playbook may override it',
  }),
  policy_file: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'guardrails YAML loaded at start as a new policy version when it differs from the active one (default: the built-in guardrails)',
    }),
  ),
  /** Every process re-reads the active policy version this often, in case the bus lost `policy_changed`. */
  policy_poll: Duration('5s', 'safety-net re-read of the active guardrails policy version by every process'),
  approval_ttl: Duration(
    '24h',
    'a pending approval not decided within this is expired (denied) by the leader',
  ),
  action_timeout: Duration('60s', 'longest connector call for one action'),
  stale_executing_after: Duration(
    '10m',
    'an action left executing this long (its worker died mid-call) is marked failed OUTCOME_UNKNOWN for a person to check; never re-run',
  ),
  connectors: Obj({
    encryption_key: Type.Optional(
      Type.String({
        minLength: 32,
        description:
          'AES-256-GCM key for connector credentials (32 bytes, base64 or hex); falls back to webhooks.encryption_key, and embedded mode generates one',
      }),
    ),
    previous_encryption_keys: Type.Array(Type.String({ minLength: 32 }), {
      default: [],
      description:
        'older keys still accepted to decrypt credentials sealed before a key rotation (env: comma-separated)',
    }),
  }),
  outbound: Obj({
    allow_private_networks: Type.Boolean({
      default: false,
      description:
        'let connectors call private, loopback and link-local addresses (off: such URLs are refused, checked on the resolved address)',
    }),
    allow_http: Type.Boolean({ default: false, description: 'let connectors call plain http:// URLs' }),
    allow_hosts: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), {
      default: [],
      description: 'host names or CIDRs allowed even when private (an on-premises firewall, Jira server…)',
    }),
  }),
});
