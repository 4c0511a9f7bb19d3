import type { Condition } from './playbook.model.ts';

/**
 * Condition fields (docs/PLAYBOOKS.md): `incident.<column>`, `alert.<dotted path>`,
 * `verdict.(classification|confidence|category)`, `enrichment.(hits|malicious|suspicious|lookups)`,
 * `indicators.<indicator type>` (a count) and `indicators.total`.
 */
const FIELD_PATTERNS: readonly RegExp[] = [
  /^incident\.[a-z_]+$/,
  /^alert\.[A-Za-z0-9_@$-]+(\.[A-Za-z0-9_@$-]+)*$/,
  /^verdict\.(classification|confidence|category)$/,
  /^enrichment\.(hits|malicious|suspicious|lookups)$/,
  /^indicators\.[a-z0-9_]+$/,
];

export const CONDITION_OPS: readonly Condition['op'][] = [
  'eq',
  'ne',
  'in',
  'not_in',
  'gt',
  'gte',
  'lt',
  'lte',
  'contains',
  'matches',
  'exists',
];

/** Whether a condition may read this field (the playbook validator reports the others). */
export function isConditionField(field: string): boolean {
  return FIELD_PATTERNS.some((p) => p.test(field));
}

/**
 * Problems with one condition, empty when it is valid: unknown field or operator, a value of the
 * wrong shape for the operator, a regular expression that does not compile or is too long.
 */
export function conditionProblems(c: Condition): string[] {
  const problems: string[] = [];
  if (!isConditionField(c.field)) problems.push(`unknown field "${c.field.slice(0, 80)}"`);
  if (!CONDITION_OPS.includes(c.op)) problems.push(`unknown operator "${String(c.op).slice(0, 20)}"`);
  const v = c.value;
  if (c.op === 'exists') {
    if (v !== undefined && typeof v !== 'boolean') problems.push('exists takes true, false or no value');
  } else if (c.op === 'in' || c.op === 'not_in') {
    if (!Array.isArray(v)) problems.push(`${c.op} needs a list value`);
  } else if (c.op === 'gt' || c.op === 'gte' || c.op === 'lt' || c.op === 'lte') {
    if (typeof v !== 'number') problems.push(`${c.op} needs a number value`);
  } else if (c.op === 'matches') {
    if (typeof v !== 'string') problems.push('matches needs a regular expression string');
    else if (v.length > 200) problems.push('matches: regular expression longer than 200 characters');
    else {
      try {
        new RegExp(v, 'i');
      } catch {
        problems.push('matches: not a valid regular expression');
      }
    }
  } else if (v === undefined || Array.isArray(v)) {
    problems.push(`${c.op} needs a single value`);
  }
  return problems;
}

/** Reads a field for the evaluator; undefined when absent. */
export type FieldReader = (field: string) => unknown;

/** True when every condition holds (an empty list holds). Invalid conditions never hold. */
export function evaluateConditions(conditions: readonly Condition[] | undefined, read: FieldReader): boolean {
  if (!conditions) return true;
  return conditions.every((c) => evaluateCondition(c, read));
}

export function evaluateCondition(c: Condition, read: FieldReader): boolean {
  const actual = read(c.field);
  const v = c.value;
  switch (c.op) {
    case 'exists':
      return (actual !== undefined && actual !== null) === (v === undefined ? true : v === true);
    case 'eq':
      return same(actual, v);
    case 'ne':
      return !same(actual, v);
    case 'in':
      return Array.isArray(v) && v.some((x) => same(actual, x));
    case 'not_in':
      return Array.isArray(v) && !v.some((x) => same(actual, x));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const a = typeof actual === 'number' ? actual : typeof actual === 'string' ? Number(actual) : NaN;
      if (typeof v !== 'number' || !Number.isFinite(a)) return false;
      return c.op === 'gt' ? a > v : c.op === 'gte' ? a >= v : c.op === 'lt' ? a < v : a <= v;
    }
    case 'contains':
      if (Array.isArray(actual)) return actual.some((x) => same(x, v));
      return typeof actual === 'string' && typeof v !== 'undefined' && !Array.isArray(v)
        ? actual.toLowerCase().includes(String(v).toLowerCase())
        : false;
    case 'matches':
      if (typeof v !== 'string' || typeof actual !== 'string') return false;
      try {
        // Bounded input: a long attacker-controlled field is cut before the pattern runs.
        return new RegExp(v, 'i').test(actual.slice(0, 4096));
      } catch {
        return false;
      }
    default:
      return false;
  }
}

/** Case-insensitive for strings, numeric for number-like strings, strict otherwise. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === 'number' && typeof b === 'string') return b.trim() !== '' && a === Number(b);
  if (typeof a === 'string' && typeof b === 'number') return a.trim() !== '' && Number(a) === b;
  return a === b;
}

/** Reads a dotted path from a JSON value (own properties only, arrays by index). */
export function readPath(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
