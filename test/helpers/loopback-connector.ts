// A generic signed-webhook-style connector for response tests: a real HTTP POST (through the SSRF-
// checked GuardedHttp) to a small loopback server this file starts, with the action id as the
// Idempotency-Key header, so what reached the "vendor" is observable (and a kill -9 mid-call is).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ActionType, ApprovalLevel, PolicyDecision } from '../../src/contracts/index.ts';
import { GuardedHttp } from '../../src/extensions/actions/http/outbound.ts';
import {
  OutboundError,
  type ActionConnector,
  type ConnectorDirectory,
  type ConnectorRequest,
  type ConnectorResult,
} from '../../src/ports/action-connector.port.ts';
import type {
  ActionCounts,
  CompiledPolicy,
  PolicyProvider,
  PolicySubject,
} from '../../src/ports/policy.port.ts';

export interface VendorCall {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  body: Record<string, unknown>;
}

/** The loopback "vendor": records every call; answers 200 `{id}` unless told otherwise. */
export class LoopbackVendor {
  readonly calls: VendorCall[] = [];
  /** Status to answer next (default 200). */
  status = 200;
  /** Hold each answer this long (a slow vendor). */
  delayMs = 0;
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const key = req.headers['idempotency-key'];
    this.calls.push({
      method: req.method ?? '',
      path: req.url ?? '',
      idempotencyKey: typeof key === 'string' ? key : undefined,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    });
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    res.writeHead(this.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(this.status < 300 ? { id: `ref-${this.calls.length}` } : { error: 'refused' }));
  }
}

/** Posts each action to `<base>/actions` with the action id as Idempotency-Key. */
export class LoopbackConnector implements ActionConnector {
  readonly kind = 'webhook';
  private readonly http = new GuardedHttp({ allowPrivateNetworks: true, allowHttp: true, allowHosts: [] });

  constructor(
    readonly name: string,
    readonly actionTypes: readonly ActionType[],
    private readonly base: () => string,
  ) {}

  async execute(request: ConnectorRequest, signal: AbortSignal): Promise<ConnectorResult> {
    try {
      const res = await this.http.request({
        method: 'POST',
        url: `${this.base()}/actions`,
        headers: { 'idempotency-key': request.action_id },
        body: { action_type: request.action_type, target: request.target, parameters: request.parameters },
        signal,
      });
      if (res.status < 300)
        return {
          ok: true,
          vendor_ref: String((res.json as { id?: unknown }).id ?? ''),
          details: { http_status: res.status },
        };
      return {
        ok: false,
        code: res.status >= 500 ? 'VENDOR_ERROR' : 'REJECTED',
        message: `vendor answered ${res.status}`,
        not_applied: res.status < 500,
        details: { http_status: res.status },
      };
    } catch (err) {
      const e = err as OutboundError;
      return {
        ok: false,
        code: err instanceof OutboundError ? e.code : 'NETWORK',
        message: 'no answer from the vendor',
        not_applied: err instanceof OutboundError && e.notSent,
        details: {},
      };
    }
  }

  async dryRun(request: ConnectorRequest): Promise<ConnectorResult> {
    return {
      ok: true,
      vendor_ref: null,
      details: {
        request: { method: 'POST', url: `${this.base()}/actions`, body: { target: request.target } },
      },
    };
  }

  async test(): Promise<{ ok: boolean; message: string }> {
    return { ok: true, message: 'ok' };
  }
}

/** Resolves by name, else the only connector handling the type. */
export class TestConnectorDirectory implements ConnectorDirectory {
  dryRun = false;
  constructor(readonly connectors: ActionConnector[]) {}
  async resolve(actionType: ActionType, name?: string | null) {
    const found = name
      ? this.connectors.filter((c) => c.name === name && c.actionTypes.includes(actionType))
      : this.connectors.filter((c) => c.actionTypes.includes(actionType));
    if (found.length === 1) return { connector: found[0]!, dryRun: this.dryRun };
    return {
      connector: null,
      reason: name
        ? `no connector named ${name} for ${actionType}`
        : `no connector configured for ${actionType}`,
    } as const;
  }
}

type Rule =
  { outcome: 'allowed' } | { outcome: 'denied' } | { outcome: 'requires_approval'; level: ApprovalLevel };

/**
 * A small policy for tests: one outcome per action type (default: analyst approval), with the port's
 * mode semantics (assisted: recommended allowed → analyst approval; autonomous: analyst approval →
 * allowed), and rate limits per type.
 */
export function testPolicy(
  rules: Partial<Record<ActionType, Rule>>,
  limits: Partial<Record<ActionType, { per_hour?: number; concurrent?: number }>> = {},
): PolicyProvider & { subjects: PolicySubject[] } {
  const subjects: PolicySubject[] = [];
  const compiled: CompiledPolicy = {
    version: 7,
    decide(subject: PolicySubject, _counts: ActionCounts): PolicyDecision {
      subjects.push(subject);
      const rule = rules[subject.action_type] ?? { outcome: 'requires_approval', level: 'analyst' };
      const base = { rule: `test.${subject.action_type}`, message: 'test rule', policy_version: 7 };
      if (rule.outcome === 'denied') return { outcome: 'denied', ...base };
      if (rule.outcome === 'allowed') {
        if (subject.mode === 'assisted' && subject.origin === 'recommended')
          return { outcome: 'requires_approval', ...base, rule: 'mode.assisted', level: 'analyst' };
        return { outcome: 'allowed', ...base };
      }
      if (subject.mode === 'autonomous' && rule.level === 'analyst')
        return { outcome: 'allowed', ...base, rule: 'mode.autonomous' };
      return { outcome: 'requires_approval', ...base, level: rule.level };
    },
    rateLimit: (t) => limits[t] ?? null,
  };
  return { subjects, active: async () => compiled };
}
