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
