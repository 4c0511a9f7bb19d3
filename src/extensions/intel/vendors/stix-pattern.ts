import type { IndicatorType } from '../../../contracts/index.ts';
import { normalizeIndicator, parseIpv4Cidr } from '../indicator-match.ts';

/** One value a STIX pattern matches: an exact indicator, or an IPv4 network (`cidr`). */
export interface StixPatternValue {
  type: IndicatorType;
  /** Normalised as {@link normalizeIndicator} does; `a.b.c.d/n` as written when `cidr`. */
  value: string;
  cidr?: true;
}

export type StixPatternResult =
  | { ok: true; values: StixPatternValue[]; /** OR-ed comparisons dropped as unsupported. */ skipped: number }
  | { ok: false; reason: string };

/** Longest pattern read; feeds carry IOCs, not programs. */
export const MAX_PATTERN_LENGTH = 8192;
const MAX_TOKENS = 2048;
const MAX_DEPTH = 16;
const MAX_VALUES = 256;

type Token =
  | { k: 'punct'; v: '[' | ']' | '(' | ')' | ',' | '=' }
  | { k: 'str'; v: string }
  | { k: 'word'; v: string }
  | { k: 'path'; v: string }
  | { k: 'other'; v: string };

/** Object path → indicator type. Hash names are compared upper-cased without quotes or dashes. */
const PATHS: Readonly<Record<string, IndicatorType>> = {
  'ipv4-addr:value': 'ipv4',
  'ipv6-addr:value': 'ipv6',
  'domain-name:value': 'domain',
  'url:value': 'url',
  'email-addr:value': 'email',
  'file:hashes.MD5': 'md5',
  'file:hashes.SHA1': 'sha1',
  'file:hashes.SHA256': 'sha256',
};

class Unsupported extends Error {}

/**
 * Reads the IOC values out of a STIX 2.1 pattern (`pattern_type: stix`). Supported: observation
 * expressions `[path = 'v']`, `[path IN ('a', 'b')]`, OR-ed comparisons inside one observation
 * and OR-ed observations, parentheses; paths for IPv4/IPv6 addresses (IPv4 CIDR too), domain
 * names, URLs, e-mail addresses and MD5/SHA-1/SHA-256 file hashes. Anything that cannot be
 * reduced to "matches if the indicator is one of these values" — AND, FOLLOWEDBY, qualifiers
 * (WITHIN, REPEATS, START/STOP), other operators — makes the pattern unsupported; an OR-ed
 * comparison on another path is dropped and counted. Never throws; work is bounded by
 * {@link MAX_PATTERN_LENGTH}, a token cap and a nesting cap, with no backtracking.
 */
export function parseStixPattern(pattern: unknown): StixPatternResult {
  if (typeof pattern !== 'string') return { ok: false, reason: 'not a string' };
  if (pattern.length > MAX_PATTERN_LENGTH) return { ok: false, reason: 'too long' };
  try {
    const tokens = tokenize(pattern);
    const parser = new Parser(tokens);
    const values: StixPatternValue[] = [];
    const state = { skipped: 0 };
    parser.observations(values, state, 0);
    if (!parser.done()) throw new Unsupported('unexpected text after the pattern');
    if (values.length === 0) return { ok: false, reason: 'no supported comparison' };
    return { ok: true, values, skipped: state.skipped };
  } catch (err) {
    return { ok: false, reason: err instanceof Unsupported ? err.message : 'invalid pattern' };
  }
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (out.length > MAX_TOKENS) throw new Unsupported('too many tokens');
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i += 1;
    } else if ('[]{}(),='.includes(c)) {
      if (c === '{' || c === '}') throw new Unsupported('unexpected character');
      out.push({ k: 'punct', v: c as '[' | ']' | '(' | ')' | ',' | '=' });
      i += 1;
    } else if (c === "'") {
      const [value, end] = quoted(text, i);
      out.push({ k: 'str', v: value });
      i = end;
    } else if (/[A-Za-z]/.test(c)) {
      // A word (OR, IN, AND…), a typed literal (t'…', h'…', b'…') or an object path.
      let j = i;
      let path = '';
      while (j < text.length) {
        const d = text[j] ?? '';
        if (/[A-Za-z0-9_\-:.]/.test(d)) {
          path += d;
          j += 1;
        } else if (d === "'" && path.endsWith('.')) {
          const [seg, end] = quoted(text, j);
          path += seg;
          j = end;
        } else {
          break;
        }
      }
      if (text[j] === "'" && /^[thb]$/.test(path)) throw new Unsupported('typed literal');
      out.push(
        path.includes(':')
          ? { k: 'path', v: path }
          : /^[A-Za-z]+$/.test(path)
            ? { k: 'word', v: path.toUpperCase() }
            : { k: 'other', v: path },
      );
      i = j;
    } else {
      // Operators such as != < > or digits of a qualifier: never part of a supported pattern.
      throw new Unsupported('unsupported operator or literal');
    }
  }
  return out;
}

/** Reads a `'…'` string starting at `start` (`\'` and `\\` escapes); returns it and the index after it. */
function quoted(text: string, start: number): [string, number] {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') {
      const next = text[i + 1];
      if (next !== "'" && next !== '\\') throw new Unsupported('bad escape');
      value += next;
      i += 2;
    } else if (c === "'") {
      return [value, i + 1];
    } else {
      value += c;
      i += 1;
    }
  }
  throw new Unsupported('unterminated string');
}

class Parser {
  #pos = 0;
  constructor(private readonly tokens: Token[]) {}

  done(): boolean {
    return this.#pos >= this.tokens.length;
  }

  /** observations := group (OR group)* ; group := '[' comparisons ']' | '(' observations ')' */
  observations(values: StixPatternValue[], state: { skipped: number }, depth: number): void {
    if (depth > MAX_DEPTH) throw new Unsupported('nested too deep');
    for (;;) {
      if (this.#eat('punct', '[')) {
        this.comparisons(values, state, depth + 1);
        this.#expect(']');
      } else if (this.#eat('punct', '(')) {
        this.observations(values, state, depth + 1);
        this.#expect(')');
      } else {
        throw new Unsupported('expected an observation');
      }
      if (!this.#eat('word', 'OR')) return this.#refuseJoiner();
    }
  }

  /** comparisons := term (OR term)* ; term := comparison | '(' comparisons ')' */
  comparisons(values: StixPatternValue[], state: { skipped: number }, depth: number): void {
    if (depth > MAX_DEPTH) throw new Unsupported('nested too deep');
    for (;;) {
      if (this.#eat('punct', '(')) {
        this.comparisons(values, state, depth + 1);
        this.#expect(')');
      } else {
        this.comparison(values, state);
      }
      if (!this.#eat('word', 'OR')) return this.#refuseJoiner();
    }
  }

  comparison(values: StixPatternValue[], state: { skipped: number }): void {
    const path = this.tokens[this.#pos];
    if (path?.k !== 'path') throw new Unsupported('expected an object path');
    this.#pos += 1;
    const literals: string[] = [];
    if (this.#eat('punct', '=')) {
      literals.push(this.#string());
    } else if (this.#eat('word', 'IN')) {
      this.#expect('(');
      do literals.push(this.#string());
      while (this.#eat('punct', ','));
      this.#expect(')');
    } else {
      throw new Unsupported('unsupported comparison operator');
    }
    const type = PATHS[canonicalPath(path.v)];
    if (!type) {
      state.skipped += 1;
      return;
    }
    for (const literal of literals) {
      const v = toValue(type, literal);
      if (!v) {
        state.skipped += 1;
        continue;
      }
      if (values.length >= MAX_VALUES) throw new Unsupported('too many values');
      values.push(v);
    }
  }

  /** AND, FOLLOWEDBY and qualifiers after an observation cannot be reduced to a value list. */
  #refuseJoiner(): void {
    const t = this.tokens[this.#pos];
    if (t?.k === 'word' && t.v !== 'OR') throw new Unsupported(`unsupported ${t.v}`);
  }

  #string(): string {
    const t = this.tokens[this.#pos];
    if (t?.k !== 'str') throw new Unsupported('expected a string literal');
    this.#pos += 1;
    return t.v;
  }

  #expect(p: string): void {
    if (!this.#eat('punct', p)) throw new Unsupported(`expected '${p}'`);
  }

  #eat(k: Token['k'], v: string): boolean {
    const t = this.tokens[this.#pos];
    if (t?.k === k && t.v === v) {
      this.#pos += 1;
      return true;
    }
    return false;
  }
}

/** `file:hashes.'SHA-256'`, `file:hashes.sha256` → `file:hashes.SHA256`. */
function canonicalPath(path: string): string {
  const m = /^file:hashes\.(.+)$/.exec(path);
  return m?.[1] ? `file:hashes.${m[1].toUpperCase().replace(/-/g, '')}` : path;
}

function toValue(type: IndicatorType, literal: string): StixPatternValue | null {
  if (type === 'ipv4' && literal.includes('/')) {
    const cidr = parseIpv4Cidr(literal);
    if (!cidr) return null;
    if (cidr.prefix === 32) return { type, value: literal.split('/')[0] ?? '' };
    return { type, value: literal.trim(), cidr: true };
  }
  if (type === 'ipv6' && literal.endsWith('/128')) literal = literal.slice(0, -4);
  const value = normalizeIndicator(type, literal);
  return value === null ? null : { type, value };
}
