import { INDICATOR_TYPES } from '../../contracts/index.ts';
import type { IndicatorType } from '../../contracts/index.ts';

/**
 * The verdicts a list can give (the intel vocabulary; an allowlist is `clean`); `unknown` is what a
 * lookup returns when no list hits. List files may still say `benign`, read as `clean`.
 */
export type ListVerdict = 'malicious' | 'suspicious' | 'clean';

/** One indicator on one named list, as written in a list file or in code (see `demo-list.ts`). */
export interface ListEntry {
  /** The list's name (a file's name without its extension). */
  list: string;
  /** The indicator; IPv4 entries may be CIDR ranges (`185.220.101.0/24`). */
  value: string;
  /** Inferred from `value` when absent; required for usernames and cloud resources. */
  type?: IndicatorType;
  /** Default `malicious`. */
  verdict?: ListVerdict;
  /** 0..1, 1 = certainly malicious. Default by verdict: {@link DEFAULT_LIST_SCORES}. */
  score?: number | null;
  description?: string;
  /** Where the entry came from (`file.txt:12`), used in warnings. */
  origin?: string;
}

/** A parsed list file: its good entries, and one warning per skipped line. */
export interface ParsedList {
  entries: ListEntry[];
  warnings: string[];
}

/** The score a list entry gets when neither the entry nor its list gives one. */
export const DEFAULT_LIST_SCORES: Readonly<Record<ListVerdict, number>> = Object.freeze({
  malicious: 0.9,
  suspicious: 0.5,
  clean: 0.05,
});

const LIST_VERDICTS: readonly string[] = ['malicious', 'suspicious', 'clean'];
/** Older spellings still accepted in list files. */
const VERDICT_ALIASES: Readonly<Record<string, ListVerdict>> = { benign: 'clean' };
const DIRECTIVE = /^#\s*(verdict|score|type|description)\s*:\s*(.*?)\s*$/i;

interface ListDefaults {
  verdict: ListVerdict;
  score: number | null;
  type?: IndicatorType;
  description?: string;
}

/**
 * Parses a `.txt` list: one indicator per line, `#` comments (whole-line, or after whitespace).
 * Header comments before the first indicator set the list's defaults: `# verdict: malicious |
 * suspicious | clean` (`benign` is read as clean; default malicious), `# score: 0.9`, `# type: username`, `# description: …`.
 * Indicator values are validated later, when the provider indexes them.
 */
export function parseTxtList(list: string, text: string, file = `${list}.txt`): ParsedList {
  const out: ParsedList = { entries: [], warnings: [] };
  const defaults: ListDefaults = { verdict: 'malicious', score: null };
  splitLines(text).forEach((rawLine, i) => {
    const where = `${file}:${i + 1}`;
    const line = rawLine.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      if (out.entries.length === 0) applyDirective(line, defaults, where, out.warnings);
      return;
    }
    const value = line.replace(/\s+#.*$/, '');
    if (/\s/.test(value)) {
      out.warnings.push(`${where}: skipped, more than one token on the line`);
      return;
    }
    out.entries.push(entry(list, value, defaults, where));
  });
  return out;
}

/**
 * Parses a `.csv` list: `#` comment lines (with the same header directives as `.txt`), then a
 * header row naming the columns `type,value,verdict,score,description` in any order (only `value`
 * is required), then one indicator per row. Fields may be double-quoted (`""` escapes a quote);
 * a quoted field cannot span lines.
 */
export function parseCsvList(list: string, text: string, file = `${list}.csv`): ParsedList {
  const out: ParsedList = { entries: [], warnings: [] };
  const defaults: ListDefaults = { verdict: 'malicious', score: null };
  let columns: Map<string, number> | null = null;
  for (const [i, rawLine] of splitLines(text).entries()) {
    const where = `${file}:${i + 1}`;
    const line = rawLine.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (!columns) applyDirective(line, defaults, where, out.warnings);
      continue;
    }
    const fields = splitCsvLine(line);
    if (!fields) {
      out.warnings.push(`${where}: skipped, unbalanced quotes`);
      continue;
    }
    if (!columns) {
      columns = new Map(fields.map((name, col) => [name.trim().toLowerCase(), col]));
      if (!columns.has('value')) {
        out.warnings.push(`${where}: header has no "value" column; file skipped`);
        return out;
      }
      continue;
    }
    const get = (name: string): string => {
      const col = columns?.get(name);
      return col === undefined ? '' : (fields[col] ?? '').trim();
    };
    const rowDefaults: ListDefaults = { ...defaults };
    const problem =
      setType(rowDefaults, get('type')) ??
      setVerdict(rowDefaults, get('verdict')) ??
      setScore(rowDefaults, get('score'));
    if (problem) {
      out.warnings.push(`${where}: skipped, ${problem}`);
      continue;
    }
    if (get('description')) rowDefaults.description = get('description');
    if (get('value') === '') {
      out.warnings.push(`${where}: skipped, empty value`);
      continue;
    }
    out.entries.push(entry(list, get('value'), rowDefaults, where));
  }
  if (!columns) out.warnings.push(`${file}: no header row; file skipped`);
  return out;
}

function entry(list: string, value: string, d: ListDefaults, origin: string): ListEntry {
  const e: ListEntry = { list, value, verdict: d.verdict, score: d.score, origin };
  if (d.type) e.type = d.type;
  if (d.description) e.description = d.description;
  return e;
}

function applyDirective(line: string, d: ListDefaults, where: string, warnings: string[]): void {
  const m = DIRECTIVE.exec(line);
  if (!m?.[1]) return;
  const key = m[1].toLowerCase();
  const value = m[2] ?? '';
  if (key === 'description') {
    if (value) d.description = value;
    return;
  }
  const problem =
    key === 'verdict' ? setVerdict(d, value) : key === 'score' ? setScore(d, value) : setType(d, value);
  if (problem) warnings.push(`${where}: ignored header, ${problem}`);
}

function setVerdict(d: ListDefaults, raw: string): string | null {
  if (raw === '') return null;
  const lower = raw.toLowerCase();
  const v = VERDICT_ALIASES[lower] ?? lower;
  if (!LIST_VERDICTS.includes(v)) return `unknown verdict "${raw}"`;
  d.verdict = v as ListVerdict;
  return null;
}

function setScore(d: ListDefaults, raw: string): string | null {
  if (raw === '') return null;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1) return `score "${raw}" is not a number in 0..1`;
  d.score = n;
  return null;
}

function setType(d: ListDefaults, raw: string): string | null {
  if (raw === '') return null;
  const t = raw.toLowerCase();
  if (!(INDICATOR_TYPES as readonly string[]).includes(t)) return `unknown indicator type "${raw}"`;
  d.type = t as IndicatorType;
  return null;
}

function splitLines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r?\n/);
}

/** RFC 4180 fields of one line; null when a quote is left open. */
function splitCsvLine(line: string): string[] | null {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  if (quoted) return null;
  fields.push(field);
  return fields;
}
