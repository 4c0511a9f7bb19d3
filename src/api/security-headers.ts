/**
 * Security headers on every HTTP response: helmet's defaults without a Content-Security-Policy (the
 * API serves JSON; /docs needs inline scripts). They are constant, so they are built once here and
 * copied onto each reply; @fastify/helmet rebuilt them per request (a tenth of the CPU of /live).
 * test/api/security-headers.test.ts fails when @fastify/helmet's defaults drift from this table.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
});

/**
 * The Content-Security-Policy of the dashboard's pages and assets (src/api/routes/dashboard.routes.ts).
 * The built dashboard has no inline script or style, so nothing but its own files may run; the
 * WebSocket to /api/v1/stream is the only other connection. The API's JSON answers keep the table above.
 */
export const DASHBOARD_CSP =
  "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
