/** Small readers for vendor JSON: an answer is untrusted input, so every field is checked. */
export type Json = Record<string, unknown>;

export function obj(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function str(v: unknown, max = 200): string | undefined {
  return typeof v === 'string' && v !== '' ? v.slice(0, max) : undefined;
}

/** Unix seconds → ISO 8601, or null. */
export function fromEpochSeconds(v: unknown): string | null {
  const n = num(v);
  return n === undefined || n <= 0 ? null : new Date(n * 1000).toISOString();
}

/** A date string → ISO 8601, or null when it does not parse. */
export function isoDate(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** A vendor error code fit to quote in our error text (letters only, bounded). */
export function errorCode(v: unknown): string {
  return typeof v === 'string' && /^[A-Za-z]{1,60}$/.test(v) ? v : 'error';
}

/** Drops undefined fields, so cached details stay small and stable. */
export function compact(o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
