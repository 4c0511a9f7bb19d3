import {
  CLASSIFICATIONS,
  INCIDENT_TYPES,
  INDICATOR_TYPES,
  type Classification,
  type IncidentType,
  type IndicatorType,
} from '../../../contracts/index.ts';

/** The splits of a labelled set: `tune` may be looked at while tuning, `holdout` never. */
export const SPLITS = ['tune', 'holdout'] as const;
export type Split = (typeof SPLITS)[number];

/** One intel entry seeding the offline provider for one case. */
export interface CaseIntel {
  type?: IndicatorType;
  value: string;
  verdict: 'malicious' | 'suspicious' | 'benign';
  /** The list it is on (default `eval-<verdict>`); distinct lists count as independent sources. */
  list?: string;
  description?: string;
}

/**
 * One line of an evaluation dataset (docs/ANALYZER.md, "Evaluation"): `payload` is what the vendor
 * would POST to `/api/v1/webhooks/<source>`; `intel` seeds the offline intel provider for this case.
 */
export interface EvalCase {
  id: string;
  source: string;
  payload: unknown;
  expected: { classification: Classification; incident_type?: IncidentType };
  intel: CaseIntel[];
  /** Default `tune`. */
  split: Split;
  /** 1-based line number in the file. */
  line: number;
}

/** A dataset line that cannot be used, with where and why. */
export interface DatasetProblem {
  line: number;
  message: string;
}

const SOURCE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const KEYS = new Set(['id', 'source', 'payload', 'expected', 'intel', 'split', 'note', 'tags']);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses JSONL text into cases. Blank lines and lines starting with `//` are skipped. Every line is
 * checked; the problems (line number and reason) are returned together, never thrown.
 */
export function parseDataset(text: string): { cases: EvalCase[]; problems: DatasetProblem[] } {
  const cases: EvalCase[] = [];
  const problems: DatasetProblem[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('//')) return;
    const problem = (message: string): void => void problems.push({ line, message });
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      return problem(`not valid JSON (${(err as Error).message.split('\n')[0]})`);
    }
    if (!isObject(value)) return problem('a line must be a JSON object');
    const unknown = Object.keys(value).filter((k) => !KEYS.has(k));
    if (unknown.length) return problem(`unknown field(s): ${unknown.slice(0, 5).join(', ')}`);
    const { id, source, payload, expected, intel, split } = value;
    if (typeof id !== 'string' || id.trim() === '' || id.length > 200)
      return problem('"id" must be a non-empty string (at most 200 characters)');
    const before = seen.get(id);
    if (before !== undefined) return problem(`duplicate id "${id}" (first on line ${before})`);
    seen.set(id, line);
    if (typeof source !== 'string' || !SOURCE.test(source.toLowerCase()))
      return problem('"source" must be a webhook source name (1-64 of a-z, 0-9, - and _)');
    if (payload === undefined || payload === null) return problem('"payload" is missing');
    if (!isObject(expected)) return problem('"expected" must be an object with "classification"');
    const classification = expected['classification'];
    if (!(CLASSIFICATIONS as readonly unknown[]).includes(classification))
      return problem(`expected.classification must be one of ${CLASSIFICATIONS.join(', ')}`);
    const type = expected['incident_type'];
    if (type !== undefined && !(INCIDENT_TYPES as readonly unknown[]).includes(type))
      return problem(`expected.incident_type must be one of ${INCIDENT_TYPES.join(', ')}`);
    if (split !== undefined && !(SPLITS as readonly unknown[]).includes(split))
      return problem(`"split" must be one of ${SPLITS.join(', ')}`);
    const entries: CaseIntel[] = [];
    if (intel !== undefined) {
      if (!Array.isArray(intel)) return problem('"intel" must be an array of {type, value, verdict}');
      for (const [n, e] of intel.entries()) {
        const where = `intel[${n}]`;
        if (!isObject(e)) return problem(`${where} must be an object`);
        if (typeof e['value'] !== 'string' || e['value'].trim() === '')
          return problem(`${where}.value must be a non-empty string`);
        if (e['type'] !== undefined && !(INDICATOR_TYPES as readonly unknown[]).includes(e['type']))
          return problem(`${where}.type must be one of ${INDICATOR_TYPES.join(', ')}`);
        if (!['malicious', 'suspicious', 'benign'].includes(e['verdict'] as string))
          return problem(`${where}.verdict must be malicious, suspicious or benign`);
        if (e['list'] !== undefined && (typeof e['list'] !== 'string' || !/^[\w.-]{1,64}$/.test(e['list'])))
          return problem(`${where}.list must be a list name (letters, digits, . _ -)`);
        entries.push({
          value: e['value'],
          verdict: e['verdict'] as CaseIntel['verdict'],
          ...(e['type'] !== undefined ? { type: e['type'] as IndicatorType } : {}),
          ...(typeof e['list'] === 'string' ? { list: e['list'] } : {}),
          ...(typeof e['description'] === 'string' ? { description: e['description'] } : {}),
        });
      }
    }
    cases.push({
      id,
      source: source.toLowerCase(),
      payload,
      expected: {
        classification: classification as Classification,
        ...(type !== undefined ? { incident_type: type as IncidentType } : {}),
      },
      intel: entries,
      split: (split as Split | undefined) ?? 'tune',
      line,
    });
  });
  return { cases, problems };
}
