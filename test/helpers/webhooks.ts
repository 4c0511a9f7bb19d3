import { createHmac } from 'node:crypto';

/** Headers for a signed webhook in DESIGN.md's scheme (timestamp bound into the signature). */
export function signedHeaders(
  secret: string,
  body: string,
  options: { timestamp?: number; bodyOnly?: boolean; noTimestamp?: boolean } = {},
): Record<string, string> {
  const ts = options.timestamp ?? Math.floor(Date.now() / 1000);
  const mac = createHmac('sha256', secret);
  if (!options.bodyOnly && !options.noTimestamp) mac.update(`${ts}.`);
  mac.update(body);
  return {
    'content-type': 'application/json',
    ...(options.noTimestamp ? {} : { 'x-webhook-timestamp': String(ts) }),
    'x-webhook-signature': `sha256=${mac.digest('hex')}`,
  };
}
