import { verifySignature } from '../../../src/core/webhooks/signature.ts';
import { FakeVendor } from './fake-vendor.ts';

/**
 * A loopback firewall webhook that verifies requests exactly as Triage Warden verifies its own
 * inbound webhooks (X-Webhook-Signature over `<timestamp>.<body>`, X-Webhook-Timestamp in a 5 min
 * window; 401 otherwise) and applies each `Idempotency-Key` once: a repeat answers the first result
 * without blocking again.
 */
export function fakeFirewall(options: { secret: string }) {
  const blocked = new Set<string>();
  const applied = new Map<string, { status: number; body: unknown }>();
  const applications: { key: string; action: string; value: string }[] = [];
  const server = new FakeVendor((r) => {
    if (r.method !== 'POST' || r.path !== '/hooks/firewall')
      return { status: 404, body: { error: 'not found' } };
    try {
      verifySignature({
        headers: r.headers,
        rawBody: Buffer.from(r.text),
        secret: options.secret,
        now: new Date(),
        toleranceMs: 300_000,
      });
    } catch {
      return { status: 401, body: { error: 'bad signature' } };
    }
    const b = r.json as { action?: string; type?: string; value?: string };
    if (b.action === 'test') return { status: 200, body: { ok: true } };
    const key = String(r.headers['idempotency-key'] ?? '');
    if (!key) return { status: 422, body: { error: 'Idempotency-Key required' } };
    const seen = applied.get(key);
    if (seen) return seen;
    if (!['block', 'unblock'].includes(b.action ?? '') || !['ip', 'domain'].includes(b.type ?? ''))
      return { status: 422, body: { error: 'bad action' } };
    const item = `${b.type}:${b.value}`;
    if (b.action === 'block') blocked.add(item);
    else blocked.delete(item);
    applications.push({ key, action: b.action!, value: b.value! });
    const answer = { status: 200, body: { rule_id: `r-${applications.length}` } };
    applied.set(key, answer);
    return answer;
  });
  return { server, blocked, applications };
}
