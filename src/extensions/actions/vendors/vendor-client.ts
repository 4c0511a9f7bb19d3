import type {
  OutboundHttp,
  OutboundRequest,
  OutboundResponse,
} from '../../../ports/action-connector.port.ts';
import type { ConnectorRequest } from '../../../ports/action-connector.port.ts';
import { failure, ok2xx, send, statusFailure, type Failure } from './vendor-http.ts';

/** How a vendor call is authorised: headers to add, and (for tokens) how to drop a stale one. */
export interface VendorAuth {
  headers(
    signal: AbortSignal,
  ): Promise<{ ok: true; headers: Record<string, string> } | { ok: false; result: Failure }>;
  /** Forget a cached token (the vendor answered 401); absent for static credentials. */
  invalidate?(): void;
}

export type Called = { ok: true; res: OutboundResponse } | { ok: false; result: Failure };

/**
 * One vendor's HTTP calls: authorised, sent through the guarded client, non-2xx mapped to the
 * ConnectorResult codes. A 401 with a cached token drops it and tries once more with a fresh one.
 */
export class VendorClient {
  constructor(
    private readonly http: OutboundHttp,
    readonly vendor: string,
    private readonly auth: VendorAuth,
    private readonly timeoutMs?: number,
  ) {}

  async call(
    req: Omit<OutboundRequest, 'signal' | 'timeoutMs'>,
    changes: boolean,
    signal: AbortSignal,
  ): Promise<Called> {
    for (let attempt = 0; ; attempt++) {
      const auth = await this.auth.headers(signal);
      if (!auth.ok) return auth;
      const full: OutboundRequest = {
        ...req,
        headers: { accept: 'application/json', ...(req.headers ?? {}), ...auth.headers },
        signal,
        ...(this.timeoutMs ? { timeoutMs: this.timeoutMs } : {}),
      };
      const sent = await send(this.http, full, changes, this.vendor);
      if (!sent.ok) return sent;
      if (ok2xx(sent.res)) return sent;
      if (sent.res.status === 401 && this.auth.invalidate && attempt === 0) {
        this.auth.invalidate();
        continue;
      }
      return { ok: false, result: statusFailure(sent.res, full, this.vendor) };
    }
  }
}

/** UNSUPPORTED when the action or its target type is not one this connector runs. */
export function unsupported(
  request: ConnectorRequest,
  runs: readonly string[],
  targetTypes: readonly string[],
): Failure | null {
  if (!runs.includes(request.action_type))
    return failure('UNSUPPORTED', `this connector does not run ${request.action_type}`, true);
  if (!targetTypes.includes(request.target.type))
    return failure(
      'UNSUPPORTED',
      `${request.action_type} takes a target of type ${targetTypes.join(' or ')}, not ${request.target.type}`,
      true,
    );
  return null;
}

/** A target value that is safe inside a vendor filter expression (no quotes, no control characters). */
export function filterSafe(value: string, max = 255): boolean {
  return value.length > 0 && value.length <= max && /^[A-Za-z0-9._@+-]+$/.test(value);
}

/** The comment vendors store beside an action: ours, with the action id (never attacker text). */
export const comment = (request: ConnectorRequest) =>
  `Triage Warden action ${request.action_id} (incident ${request.incident.id})`;
