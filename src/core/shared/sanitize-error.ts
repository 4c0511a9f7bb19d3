/**
 * An error as text fit to store and show (the dead letter's `triage_error`): its message only, one
 * line, bounded, with credentials a message may carry (URL user info, bearer tokens, key=value
 * secrets) masked. Stack traces and causes are left out: they may quote request or vendor data.
 */
export function sanitizeError(err: unknown, maxLength = 500): string {
  const raw =
    err instanceof Error
      ? `${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}`
      : typeof err === 'string'
        ? err
        : 'non-error thrown';
  const oneLine = raw
    // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const masked = oneLine
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]*(?::[^\s/@]*)?@/gi, '$1***@')
    .replace(/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 ***')
    .replace(
      /\b(api[_-]?key|apikey|token|access[_-]?token|secret|password|passwd|pwd|authorization|x-api-key)\b(\s*[:=]\s*)("[^"]*"|'[^']*'|\S+)/gi,
      '$1$2***',
    );
  return masked.length > maxLength ? `${masked.slice(0, maxLength - 1)}…` : masked || 'error';
}
