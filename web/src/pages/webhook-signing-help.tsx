import type { WebhookSource } from '../api/types.ts';

/**
 * How to send a signed test alert to this source: the real ingest route (the scheme of README
 * "Sending alerts"); running it creates a real incident. No secret is shown here.
 */
export function SigningHelp({ source }: { source: WebhookSource }) {
  const url = `${window.location.origin}/api/v1/webhooks/${encodeURIComponent(source.name)}`;
  const body = `{"title":"test alert","severity":"low","alert_type":"test","description":"sent by hand"}`;
  const script = source.unsigned
    ? `curl -X POST '${url}' -H 'content-type: application/json' -d '${body}'`
    : [
        `SECRET='<the secret of ${source.name}>'`,
        `BODY='${body}'`,
        `TS=$(date +%s)`,
        `SIG=$(printf '%s.%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.* //')`,
        `curl -X POST '${url}' -H 'content-type: application/json' \\`,
        `  -H "X-Webhook-Timestamp: $TS" -H "X-Webhook-Signature: sha256=$SIG" -d "$BODY"`,
      ].join('\n');
  return (
    <details>
      <summary>How to send a test alert</summary>
      <p className="small">
        {source.unsigned
          ? 'This source is unsigned: any POST to its URL is accepted.'
          : `HMAC-SHA256 of "<timestamp>.<body>" with the source's secret, hex, in X-Webhook-Signature, and the Unix time in X-Webhook-Timestamp (within 5 minutes; an exact resend is refused as a replay)${source.require_timestamp ? '' : '; this source also accepts a signature of the body alone, without a timestamp'}.`}{' '}
        A named vendor source takes that vendor&apos;s own JSON; others the generic format below. A 202 means
        the alert was stored: it becomes a real incident.
      </p>
      <pre className="raw">{script}</pre>
    </details>
  );
}
