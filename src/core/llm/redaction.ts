import { createHmac } from 'node:crypto';

/** Which classes of data are replaced before a prompt leaves the process (config `llm.redaction`). */
export interface RedactionSettings {
  /** API keys, tokens, JWTs, private keys, passwords in URLs and `key=value` secrets, high-entropy strings. Default true. */
  secrets: boolean;
  /** `redact`: a numbered placeholder; `hash`: a stable keyed hash (same address, same token, across incidents); `keep`. Default `hash`. */
  emails: 'redact' | 'hash' | 'keep';
  /** Payment card numbers that pass the Luhn check. Default true. */
  credit_cards: boolean;
  /** US social security numbers (`123-45-6789`). Default true. */
  national_ids: boolean;
  /** Phone numbers (E.164 and North-American formats). Default true. */
  phones: boolean;
}

export const DEFAULT_REDACTION: RedactionSettings = Object.freeze({
  secrets: true,
  emails: 'hash',
  credit_cards: true,
  national_ids: true,
  phones: true,
});

type Kind = 'secret' | 'email' | 'card' | 'ssn' | 'phone';

interface Rule {
  kind: Kind;
  re: RegExp;
  /** Capture group(s) holding the sensitive part, the first that matched (none = the whole match). */
  group?: number | number[];
  /** Extra check on the candidate (Luhn, entropy). */
  accept?: (value: string) => boolean;
}

const SECRET_KEYS =
  'password|passwd|pwd|passphrase|secret|client_secret|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|access[_-]?token|refresh[_-]?token|auth[_-]?token|token|private[_-]?key|session[_-]?id|aws_secret_access_key';

/**
 * Ordered: whole blocks and structured tokens first, so a JWT inside `Authorization: Bearer …` is one
 * secret, then key=value secrets, then the generic high-entropy catch-all, then PII.
 */
const SECRET_RULES: Rule[] = [
  {
    kind: 'secret',
    re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
  },
  { kind: 'secret', re: /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}/g },
  { kind: 'secret', re: /\b(?:bearer|basic)\s+([A-Za-z0-9._~+/-]{8,}=*)/gi, group: 1 },
  { kind: 'secret', re: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:([^\s/@]+)@/gi, group: 1 },
  { kind: 'secret', re: /\b((?:AKIA|ASIA|AROA|AIDA)[0-9A-Z]{16})\b/g, group: 1 },
  { kind: 'secret', re: /\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})\b/g, group: 1 },
  { kind: 'secret', re: /\b(xox[abprs]-[A-Za-z0-9-]{10,})\b/g, group: 1 },
  {
    kind: 'secret',
    re: /\b(sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}|sk_live_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35})/g,
    group: 1,
  },
  {
    kind: 'secret',
    // key=value, key: value, "key": "value" (JSON), also inside a JSON string (\"value\"): the value alone is replaced.
    re: new RegExp(
      `((?<!REDACTED:)["']?\\b(?:${SECRET_KEYS})\\b["']?\\s*[:=]\\s*)(?:\\\\"((?:[^"\\\\]|\\\\[^"]){1,512})\\\\"|"((?:[^"\\\\]|\\\\.){1,512})"|'([^']{1,512})'|([^\\s,;&"'}\\])\\\\]{1,512}))`,
      'gi',
    ),
    group: [2, 3, 4, 5],
    accept: (v) => !/^(?:\[REDACTED:[a-z]+:[0-9a-f]+\]|null|true|false|none|\*+)$/i.test(v),
  },
  {
    kind: 'secret',
    re: /(?<![A-Za-z0-9+=_-])([A-Za-z0-9+=_-]{32,})(?![A-Za-z0-9+=_-])/g,
    group: 1,
    accept: highEntropy,
  },
];

const EMAIL_RULE: Rule = {
  kind: 'email',
  re: /\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}\b/g,
};
// Card numbers start 2-6 (Mastercard 2/5, Amex 3, Visa 4, Discover 6): epoch-millisecond timestamps do not.
const CARD_RULE: Rule = { kind: 'card', re: /(?<![\d.-])[2-6](?:[ -]?\d){12,18}(?![\d.-])/g, accept: luhn };
const SSN_RULE: Rule = {
  kind: 'ssn',
  re: /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g,
};
const PHONE_RULE: Rule = {
  kind: 'phone',
  re: /(?<![\w.:/-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w.:/-])|(?<![\w.:/+-])\+\d{10,15}(?![\w.:/-])/g,
};

const PLACEHOLDER = /\[REDACTED:([a-z]+):([0-9a-f]+)\]/g;

/**
 * Replaces secrets and PII in text with placeholders such as `[REDACTED:secret:1]` before it is sent
 * to a model. One session per analysis: the same value gets the same placeholder throughout, so the
 * model can still correlate, and {@link RedactionSession.restore} maps placeholders in the model's
 * tool arguments and verdict back to the real values (which never left the process). Hashed emails
 * (`[REDACTED:email:<10 hex>]`) are stable across incidents for a given `hashKey`.
 */
export class RedactionSession {
  readonly #rules: Rule[];
  readonly #settings: RedactionSettings;
  readonly #hashKey: string;
  readonly #forward = new Map<string, string>();
  readonly #back = new Map<string, string>();
  readonly #counts = new Map<Kind, number>();

  constructor(settings: RedactionSettings = DEFAULT_REDACTION, hashKey = '') {
    this.#settings = settings;
    this.#hashKey = hashKey;
    this.#rules = [
      ...(settings.secrets ? SECRET_RULES : []),
      ...(settings.emails !== 'keep' ? [EMAIL_RULE] : []),
      ...(settings.credit_cards ? [CARD_RULE] : []),
      ...(settings.national_ids ? [SSN_RULE] : []),
      ...(settings.phones ? [PHONE_RULE] : []),
    ];
  }

  /** How many distinct values of each kind were replaced so far (for the transcript). */
  get counts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  redact(text: string): string {
    let out = text;
    for (const rule of this.#rules) {
      out = out.replace(rule.re, (...m: unknown[]) => {
        const whole = m[0] as string;
        const groups = rule.group === undefined ? [] : Array.isArray(rule.group) ? rule.group : [rule.group];
        const part = groups.length
          ? groups.map((g) => m[g] as string | undefined).find((v) => v !== undefined)
          : whole;
        if (!part || part.startsWith('[REDACTED:')) return whole;
        if (rule.accept && !rule.accept(part)) return whole;
        const token = this.#placeholder(rule.kind, part);
        if (!groups.length) return token;
        // Replace the group's own occurrence (the last one: a key never follows its value).
        const at = whole.lastIndexOf(part);
        return whole.slice(0, at) + token + whole.slice(at + part.length);
      });
    }
    return out;
  }

  /** Deep-redacts every string of a JSON-like value (keys included). */
  redactValue<T>(value: T): T {
    return walk(value, (s) => this.redact(s)) as T;
  }

  /** Puts the real values back in place of this session's placeholders. */
  restore(text: string): string {
    return text.replace(PLACEHOLDER, (p) => this.#back.get(p) ?? p);
  }

  restoreValue<T>(value: T): T {
    return walk(value, (s) => this.restore(s)) as T;
  }

  #placeholder(kind: Kind, value: string): string {
    const seen = this.#forward.get(value);
    if (seen) return seen;
    this.#counts.set(kind, (this.#counts.get(kind) ?? 0) + 1);
    const id =
      kind === 'email' && this.#settings.emails === 'hash'
        ? createHmac('sha256', this.#hashKey).update(value.toLowerCase()).digest('hex').slice(0, 10)
        : String(this.#counts.get(kind));
    const token = `[REDACTED:${kind}:${id}]`;
    this.#forward.set(value, token);
    this.#back.set(token, value);
    return token;
  }
}

function walk(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, f));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[f(k)] = walk(v, f);
    return out;
  }
  return value;
}

/** Luhn checksum over the digits of a candidate card number (13 to 19 digits). */
export function luhn(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 13 || digits.length > 19 || /^(\d)\1+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * A generic secret: 32+ characters with upper, lower and digits and Shannon entropy above 4.2
 * bits/char. Hex strings (file hashes are indicators the model needs) never pass: they lack the mix
 * and top out at 4 bits/char.
 */
export function highEntropy(s: string): boolean {
  if (/^[0-9a-fA-F]+$/.test(s)) return false;
  if (!/[a-z]/.test(s) || !/[A-Z]/.test(s) || !/\d/.test(s)) return false;
  const freq = new Map<string, number>();
  for (const c of s) freq.set(c, (freq.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of freq.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h > 4.2;
}
