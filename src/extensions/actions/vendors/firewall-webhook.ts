import { createHmac } from 'node:crypto';
import type {
  ConnectorKind,
  ConnectorRequest,
  ConnectorResult,
} from '../../../ports/action-connector.port.ts';
import { VendorClient, unsupported } from './vendor-client.ts';
import { requireFields, shown, str, success, urlProblems } from './vendor-http.ts';

const RUNS = ['block_ip', 'unblock_ip', 'block_domain', 'unblock_domain'] as const;
const TARGET = {
  block_ip: 'ip',
  unblock_ip: 'ip',
  block_domain: 'domain',
  unblock_domain: 'domain',
} as const;
const UNDO = {
  block_ip: 'unblock',
  unblock_ip: 'block',
  block_domain: 'unblock',
  unblock_domain: 'block',
} as const;

/**
 * A generic firewall behind a webhook (docs/CONNECTORS.md): `POST <url>` with
 * `{action: block|unblock, type: ip|domain, value, action_id, incident_id}`, signed like our own
 * webhooks (`X-Webhook-Timestamp`, `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of "<ts>.<body>">`)
 * and `Idempotency-Key: <action id>` (`<action id>:rollback` for the undo).
 */
export const firewallWebhookKind: ConnectorKind = {
  kind: 'firewall_webhook',
  title: 'Firewall (signed webhook)',
  actionTypes: RUNS,
  settings: [{ name: 'url', required: true, description: 'the firewall endpoint (https)' }],
  secrets: [
    { name: 'signing_secret', required: true, description: 'HMAC-SHA256 key shared with the firewall' },
  ],
  validate: (config, secrets) => [
    ...requireFields(config, secrets, ['url'], ['signing_secret']),
    ...urlProblems(config, ['url']),
    ...(secrets.signing_secret && secrets.signing_secret.length < 16
      ? [{ field: 'secrets.signing_secret', message: 'at least 16 characters' }]
      : []),
  ],
  create(settings, deps) {
    const url = str(settings.config, 'url');
    const secret = settings.secrets.signing_secret ?? '';
    const client = new VendorClient(deps.http, 'the firewall', {
      headers: async () => ({ ok: true, headers: {} }),
    });

    const payload = (request: ConnectorRequest, undo: boolean) => {
      const t = request.action_type as keyof typeof TARGET;
      return {
        action: undo ? UNDO[t] : t.startsWith('un') ? 'unblock' : 'block',
        type: TARGET[t],
        value: request.target.value,
        action_id: request.action_id,
        incident_id: request.incident.id,
      };
    };
    const signed = (body: Record<string, unknown>, key: string) => {
      const text = JSON.stringify(body);
      const ts = String(Math.floor(deps.now().getTime() / 1000));
      const sig = createHmac('sha256', secret).update(`${ts}.`).update(text).digest('hex');
      return {
        text,
        headers: {
          'content-type': 'application/json',
          'x-webhook-timestamp': ts,
          'x-webhook-signature': `sha256=${sig}`,
          'idempotency-key': key,
        },
      };
    };
    const run = async (
      request: ConnectorRequest,
      undo: boolean,
      signal: AbortSignal,
    ): Promise<ConnectorResult> => {
      const t = request.action_type as keyof typeof TARGET;
      const bad = unsupported(request, settings.actionTypes, [TARGET[t] ?? 'ip']);
      if (bad) return bad;
      const body = payload(request, undo);
      const s = signed(body, undo ? `${request.action_id}:rollback` : request.action_id);
      const r = await client.call({ method: 'POST', url, headers: s.headers, body: s.text }, true, signal);
      if (!r.ok) return r.result;
      const answer = r.res.json as { id?: unknown; rule_id?: unknown } | undefined;
      const ref = answer?.rule_id ?? answer?.id;
      return success(typeof ref === 'string' || typeof ref === 'number' ? String(ref) : null, {
        status: r.res.status,
        action: body.action,
        type: body.type,
      });
    };

    return {
      name: settings.name,
      kind: 'firewall_webhook',
      actionTypes: settings.actionTypes,
      execute: (request, signal) => run(request, false, signal),
      rollback: (request, _previous, signal) => run(request, true, signal),
      async dryRun(request) {
        const t = request.action_type as keyof typeof TARGET;
        const bad = unsupported(request, settings.actionTypes, [TARGET[t] ?? 'ip']);
        if (bad) return bad;
        const body = payload(request, false);
        const s = signed(body, request.action_id);
        return success(null, {
          dry_run: true,
          requests: [shown({ method: 'POST', url, headers: s.headers, body })],
        });
      },
      async test(signal) {
        const s = signed({ action: 'test' }, `test-${deps.now().getTime()}`);
        const r = await client.call({ method: 'POST', url, headers: s.headers, body: s.text }, false, signal);
        return r.ok
          ? { ok: true, message: `the firewall accepted a signed test call (${r.res.status})` }
          : { ok: false, message: r.result.message, details: { code: r.result.code } };
      },
    };
  },
};
