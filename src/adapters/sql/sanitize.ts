import type { NormalizedAlert } from '../../contracts/index.ts';

/**
 * PostgreSQL text and jsonb cannot hold U+0000; vendors and attackers can send it. Strip it from every
 * string (keys included) so such an alert is stored rather than refused with a database error.
 */
export function withoutNul(alert: NormalizedAlert): NormalizedAlert {
  return clean(alert, 0) as NormalizedAlert;
}

function clean(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
  if (value === null || typeof value !== 'object' || value instanceof Date || depth > 200) return value;
  if (Array.isArray(value)) return value.map((v) => clean(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[clean(k, depth + 1) as string] = clean(v, depth + 1);
  return out;
}

/** The same cleaning for any value bound for text or jsonb (verdicts, enrichment details). */
export function stripNul<T>(value: T): T {
  return clean(value, 0) as T;
}
