/**
 * The response side's public shapes (issue #12): response actions, policy decisions, approvals,
 * connectors, policy versions and audit entries as the HTTP API returns them. The dashboard imports
 * these; the routes' TypeBox schemas must produce exactly these types.
 */
import type { ApprovalLevel, ApprovalStatus, OperationMode } from './vocabulary.ts';

/** Response action types (DESIGN.md vocabulary is open-ended; these are the ones connectors run). */
export const ACTION_TYPES = [
  'isolate_host',
  'unisolate_host',
  'quarantine_email',
  'block_sender',
  'disable_user',
  'enable_user',
  'revoke_sessions',
  'reset_mfa',
  'block_ip',
  'unblock_ip',
  'block_domain',
  'unblock_domain',
  'block_hash',
  'quarantine_resource',
  'create_ticket',
  'update_ticket',
  'notify',
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/** What an action acts on. `email_message`: an Internet Message-ID (`<…@…>`). */
export const TARGET_TYPES = [
  'host',
  'user',
  'email',
  'email_message',
  'ip',
  'domain',
  'url',
  'hash',
  'cloud_resource',
  'ticket',
  'channel',
] as const;
export type TargetType = (typeof TARGET_TYPES)[number];

export interface ActionTarget {
  type: TargetType;
  value: string;
}

/** Who asked: a person or key through the API, or a playbook's propose_action / notify step. */
export type ActionOrigin = 'manual' | 'recommended';

/**
 * The policy engine's answer for one action, always stored with the action. `rule` names the rule that
 * decided (`deny.protected_hosts`, `approval.isolate-critical`, `rate_limit.isolate_host.per_hour`,
 * `kill_switch`, `mode.assisted`, `default`…); `message` says why in words an analyst reads.
 */
export type PolicyDecision =
  | { outcome: 'allowed'; rule: string; message: string; policy_version: number }
  | { outcome: 'denied'; rule: string; message: string; policy_version: number }
  | {
      outcome: 'requires_approval';
      rule: string;
      message: string;
      level: ApprovalLevel;
      policy_version: number;
    };

/** A response action as the API returns it (incident detail, /actions, /approvals). */
export interface ActionView {
  id: string;
  incident_id: string;
  action_type: ActionType;
  target: ActionTarget;
  parameters: Record<string, unknown>;
  /** DESIGN.md: `pending auto_approved approved denied executing executed failed`. */
  status: ApprovalStatus;
  origin: ActionOrigin;
  /** `user:alice`, `api_key:ab12cd34`, `playbook:phishing@3/block-sender`. */
  requested_by: string;
  reason: string | null;
  /** The operation mode in force when it was proposed. */
  mode: OperationMode;
  decision: PolicyDecision;
  /** Required approval level while `pending` (null otherwise). */
  approval_level: ApprovalLevel | null;
  decided_by: string | null;
  decided_at: string | null;
  decision_comment: string | null;
  /** The connector that ran (or will run) it, by name; null when none is configured for the type. */
  connector: string | null;
  dry_run: boolean;
  executed_at: string | null;
  /** Connector outcome (vendor reference, HTTP status, what was done); never a credential. */
  result: Record<string, unknown> | null;
  /** Stable error code and a message, when failed. */
  error: { code: string; message: string } | null;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
}

/** `POST /api/v1/incidents/:id/actions` answer: the persisted action and its decision. */
export interface ActionCreated {
  action_id: string;
  action: ActionView;
  decision: PolicyDecision;
}

/** A configured action connector as the API returns it: never a credential, only which are set. */
export interface ConnectorView {
  name: string;
  /** `crowdstrike`, `defender`, `graph_mail`, `okta`, `entra`, `firewall_webhook`, `jira`, `servicenow`, `slack`, `teams`, `pagerduty`, `smtp`, `webhook`. */
  kind: string;
  enabled: boolean;
  /** Action types this connector runs (a subset of its kind's). */
  action_types: ActionType[];
  /** Non-secret settings (base URL, tenant, project key…). */
  config: Record<string, unknown>;
  /** Names of the credentials that are set (values never leave the server). */
  secrets_set: string[];
  /** When true, execution only builds and records the vendor request (no call). */
  dry_run: boolean;
  version: number;
  updated_at: string;
  updated_by: string;
}

/** A stored version of the guardrails policy (`/api/v1/policies`). */
export interface PolicyVersionView {
  version: number;
  /** The YAML as submitted. */
  source: string;
  created_at: string;
  created_by: string;
  comment: string | null;
  active: boolean;
}

/** One audit log row (`GET /api/v1/audit`). */
export interface AuditEntryView {
  id: string;
  seq: string;
  incident_id: string | null;
  actor: string;
  action: string;
  details: Record<string, unknown>;
  created_at: string;
  hash: string;
}

/** One connector kind as `GET /api/v1/connectors/kinds` returns it (what it runs, what it needs). */
export interface ConnectorKindView {
  kind: string;
  title: string;
  action_types: ActionType[];
  settings: { name: string; required: boolean; description: string; default?: unknown }[];
  secrets: { name: string; required: boolean; description: string }[];
}
