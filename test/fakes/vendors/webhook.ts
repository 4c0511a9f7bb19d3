import { readSignatureHeaders, signatureMatches } from '../../../src/core/webhooks/signature.ts';
import { type Answer, LoopbackVendor } from './loopback.ts';

/**
 * A receiver that verifies signatures with our own inbound verifier and dedupes on Idempotency-Key
 * (a repeat gets the first answer back, like Stripe-style receivers).
 */
export class FakeWebhookReceiver extends LoopbackVendor {
  static readonly SECRET = 'whsec-0123456789abcdef';
  readonly accepted: Record<string, unknown>[] = [];
  readonly #byKey = new Map<string, string>();

  constructor(options: { timestampBound?: boolean } = {}) {
    super((req): Answer => {
      if (req.path !== '/hooks/tw') return { status: 404, body: { error: 'not found' } };
      try {
        const p = readSignatureHeaders(req.headers, new Date(), 300_000);
        const ok =
          p.signature !== undefined &&
          signatureMatches(
            [FakeWebhookReceiver.SECRET],
            Buffer.from(req.body, 'utf8'),
            p.signature,
            p.timestamp,
            {
              timestampBound: options.timestampBound ?? false,
            },
          );
        if (!ok) return { status: 401, body: { error: 'bad signature' } };
      } catch {
        return { status: 401, body: { error: 'bad signature' } };
      }
      const key = req.headers['idempotency-key'];
      if (!key) return { status: 400, body: { error: 'Idempotency-Key required' } };
      const seen = this.#byKey.get(key);
      if (seen) return { status: 200, body: { id: seen, replayed: true } };
      const id = `T-${this.accepted.length + 1}`;
      this.#byKey.set(key, id);
      this.accepted.push(req.json as Record<string, unknown>);
      return { status: 201, body: { id } };
    });
  }
}
