import { isIPv4, isIPv6 } from 'node:net';
import { IntelProtocolError } from '../http/vendor-protocol.ts';
import type { IntelHttpResponse, IntelResult } from '../http/vendor-protocol.ts';

/** Shared readers for vendor answers: every field is treated as untrusted input. */

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string field, trimmed and cut to `max` characters; undefined when absent or not a string. */
export function str(value: unknown, max = 200): string | undefined {
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  return s === '' ? undefined : s.slice(0, max);
}

/** A finite number (numeric strings accepted: MISP sends ids and timestamps as strings). */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/** Up to `max` distinct short strings from an array of strings. */
export function strings(value: unknown, max = 10): string[] {
  if (!Array.isArray(value)) return [];
  const out = new Set<string>();
  for (const v of value) {
    const s = str(v, 100);
    if (s) out.add(s);
    if (out.size >= max) break;
  }
  return [...out];
}

/**
 * A vendor timestamp as ISO 8601 UTC, or null. Accepts ISO strings, `YYYY-MM-DD hh:mm:ss UTC`
 * (abuse.ch), `YYYY-MM-DD` and unix seconds (MISP).
 */
export function isoTime(value: unknown): string | null {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d{9,11}$/.test(value.trim()))) {
    const seconds = Number(value);
    return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000).toISOString() : null;
  }
  if (typeof value !== 'string' || value.length > 64) return null;
  let text = value.trim().replace(/^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) UTC$/, '$1T$2Z');
  // OTX sends `2024-01-01T10:00:00.000000` with no zone: it is UTC, not the server's local time.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) text += 'Z';
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/** The earlier (`min`) or later of two ISO times, either possibly null. */
export function pickTime(a: string | null, b: string | null, mode: 'min' | 'max'): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return (mode === 'min' ? a <= b : a >= b) ? a : b;
}

/** `{ verdict: 'unknown' }` with the given facts. */
export function unknown(details: Record<string, unknown> = {}): IntelResult {
  return { verdict: 'unknown', score: null, first_seen: null, last_seen: null, details };
}

/** The JSON object body of a 2xx answer, or an IntelProtocolError naming the vendor. */
export function jsonObject(vendor: string, response: IntelHttpResponse): Json {
  if (!isRecord(response.body))
    throw new IntelProtocolError(`${vendor}: malformed answer (expected a JSON object)`);
  return response.body;
}

/**
 * Throws the error a non-2xx answer stands for. The message names the vendor and status and, for
 * a rate limit, the vendor's short explanation — never a header or the request (which hold the key).
 */
export function throwForStatus(vendor: string, response: IntelHttpResponse, vendorMessage?: string): never {
  const { status } = response;
  if (status === 401 || status === 403) {
    throw new IntelProtocolError(`${vendor}: API key rejected (HTTP ${status})`);
  }
  const note = vendorMessage ? `: ${safeMessage(vendorMessage)}` : '';
  if (status === 429) throw new IntelProtocolError(`${vendor}: rate limited (HTTP 429)${note}`);
  throw new IntelProtocolError(`${vendor}: unexpected answer (HTTP ${status})${note}`);
}

/** A vendor-chosen message made safe for logs: printable ASCII, bounded. */
export function safeMessage(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, ' ').slice(0, 160);
}

/**
 * True for addresses no public intel source knows anything about (private, loopback, link-local,
 * CGNAT, documentation ranges excepted so tests and examples still work), so no request is sent.
 */
export function isNonPublicIp(value: string): boolean {
  if (isIPv4(value)) {
    const [a = 0, b = 0] = value.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      a >= 224 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168)
    );
  }
  if (isIPv6(value)) {
    const v = value.toLowerCase();
    return v === '::1' || v === '::' || /^f[cd]/.test(v) || /^fe[89ab]/.test(v) || v.startsWith('ff');
  }
  return false;
}

/** Rounds a score to 3 decimals and clamps it to 0..1. */
export function clampScore(value: number): number {
  return Math.round(Math.min(1, Math.max(0, value)) * 1000) / 1000;
}
