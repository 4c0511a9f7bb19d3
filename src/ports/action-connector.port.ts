import type { ActionTarget, ActionType } from '../contracts/index.ts';

/**
 * Action connectors (issue #12, docs/CONNECTORS.md): each speaks one vendor's real API to carry out
 * response actions. A connector is built from a stored configuration (non-secret settings plus
 * decrypted credentials) by its kind, and calls out only through `OutboundHttp` (SSRF-checked).
 */

/** One action handed to a connector. */
export interface ConnectorRequest {
  /** The action's id: sent as the vendor's idempotency key where the vendor takes one. */
  action_id: string;
  action_type: ActionType;
  target: ActionTarget;
  parameters: Record<string, unknown>;
  incident: { id: string; title: string; severity: string; incident_type: string };
  /** Why (the analyst's reason or the playbook step), for tickets and notifications. */
  reason: string | null;
}

/** What a connector call came to. Never carries a credential or a token. */
export type ConnectorResult =
  | {
      ok: true;
      /** The vendor's reference for what was done (device action id, ticket key, message id…). */
      vendor_ref: string | null;
      /** What was done, for the action's `result` (HTTP status, vendor ids, dry-run request). */
      details: Record<string, unknown>;
    }
  | {
      ok: false;
      /**
       * Stable code: `AUTH_FAILED`, `NOT_FOUND` (target unknown to the vendor), `REJECTED` (vendor
       * refused, 4xx), `RATE_LIMITED`, `VENDOR_ERROR` (5xx), `TIMEOUT`, `NETWORK`, `UNSUPPORTED`,
       * `BLOCKED_URL` (SSRF check), `OUTCOME_UNKNOWN` (the call may have happened).
       */
      code: string;
      /** Safe to show: no credential, no attacker-chosen text beyond the target. */
      message: string;
      /** True when the vendor surely did nothing (the executor may say so; it never re-runs by itself). */
      not_applied: boolean;
      details: Record<string, unknown>;
    };

export interface ActionConnector {
  readonly name: string;
  readonly kind: string;
  /** The action types this instance runs. */
  readonly actionTypes: readonly ActionType[];
  /** Carries out the action. Must not throw for vendor/network failures: returns `ok: false`. */
  execute(request: ConnectorRequest, signal: AbortSignal): Promise<ConnectorResult>;
  /** Builds the vendor request(s) without sending; `details.request` shows method, URL, body (no secrets). */
  dryRun(request: ConnectorRequest): Promise<ConnectorResult>;
  /**
   * Undoes an executed action where the vendor allows (lift containment, unblock, re-enable…).
   * Absent when the kind cannot roll back.
   */
  rollback?(
    request: ConnectorRequest,
    previous: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<ConnectorResult>;
  /** Checks credentials and reachability with a harmless call. */
  test(signal: AbortSignal): Promise<{ ok: boolean; message: string; details?: Record<string, unknown> }>;
}

/** A settings problem found when a connector is configured (400 VALIDATION_ERROR with these). */
export interface ConnectorConfigProblem {
  field: string;
  message: string;
}

/** Everything a kind's factory needs besides the stored settings. */
export interface ConnectorDeps {
  http: OutboundHttp;
  /** Clock (tests may move it). */
  now(): Date;
}

/** One kind of connector (one vendor API): what it runs and how it is built. */
export interface ConnectorKind {
  kind: string;
  /** Human name: `CrowdStrike Falcon`. */
  title: string;
  /** Every action type this kind can run. */
  actionTypes: readonly ActionType[];
  /** Non-secret settings with their defaults, for docs and the API (`base_url`, `tenant_id`…). */
  settings: readonly { name: string; required: boolean; description: string; default?: unknown }[];
  /** Credential names (`client_id`, `client_secret`, `api_token`…): stored encrypted, never returned. */
  secrets: readonly { name: string; required: boolean; description: string }[];
  /** Checks settings and secrets; an empty list means valid. */
  validate(config: Record<string, unknown>, secrets: Record<string, string>): ConnectorConfigProblem[];
  create(
    settings: {
      name: string;
      config: Record<string, unknown>;
      secrets: Record<string, string>;
      actionTypes: readonly ActionType[];
    },
    deps: ConnectorDeps,
  ): ActionConnector;
}

/** Finds the connector for an action: the configured, enabled one for its type (docs/CONNECTORS.md). */
export interface ConnectorDirectory {
  /**
   * The connector that runs `actionType`: by `name` when given, else the only enabled connector
   * handling the type. `null` with a reason when none (or several and no name).
   */
  resolve(
    actionType: ActionType,
    name?: string | null,
  ): Promise<{ connector: ActionConnector; dryRun: boolean } | { connector: null; reason: string }>;
}

// ---- outbound HTTP -------------------------------------------------------------------------------

export interface OutboundRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** A string is sent as is; an object as JSON (content-type set). */
  body?: string | Record<string, unknown> | unknown[];
  /** Default 10 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  /** Body text (capped at 1 MiB; longer answers fail with code TOO_LARGE). */
  text: string;
  /** Parsed JSON when the body is JSON, else undefined. */
  json: unknown;
}

/** Why an outbound call did not get an answer. */
export class OutboundError extends Error {
  constructor(
    /** `BLOCKED_URL` (SSRF policy, scheme), `TIMEOUT`, `NETWORK`, `TOO_LARGE`, `ABORTED`. */
    readonly code: 'BLOCKED_URL' | 'TIMEOUT' | 'NETWORK' | 'TOO_LARGE' | 'ABORTED',
    message: string,
    /** True when the request surely never reached the server (refused before connecting). */
    readonly notSent: boolean,
  ) {
    super(message);
    this.name = 'OutboundError';
  }
}

/**
 * HTTP out of the process for connectors: https only unless allowed, and no private, loopback or
 * link-local address unless allowed by config (checked on the resolved address, so DNS cannot
 * rebind around it). Throws OutboundError; a vendor's 4xx/5xx is a response, not an error.
 */
export interface OutboundHttp {
  request(req: OutboundRequest): Promise<OutboundResponse>;
  /** Throws OutboundError(BLOCKED_URL) when this URL may not be called (used when configuring). */
  checkUrl(url: string): Promise<void>;
  /** Checks a host:port for raw sockets (SMTP); returns the address to connect to. */
  checkHost(host: string, port: number): Promise<{ address: string; family: 4 | 6 }>;
}
