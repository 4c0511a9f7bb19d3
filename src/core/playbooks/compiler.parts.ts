import type { Node } from 'yaml';
import { CONDITION_OPS, conditionProblems } from './conditions.ts';
import type { Condition } from './playbook.model.ts';
import { hasNestedQuantifier } from './regex-safety.ts';
import { quote, type Entry, type YamlReader } from './yaml-reader.ts';

export const LIMITS = {
  stages: 20,
  stepsPerStage: 50,
  steps: 200,
  conditions: 20,
  listValues: 100,
  description: 2000,
  template: 1000,
  priority: 1000,
  /** Longest SLA duration: 30 days. */
  slaMs: 30 * 86_400_000,
} as const;

const TEMPLATE_VAR =
  /^(incident\.[a-z_]+|indicator\.[a-z0-9_]+|verdict\.(classification|confidence|category)|alert\.[A-Za-z0-9_@$-]+(\.[A-Za-z0-9_@$-]+)*|playbook\.name)$/;

/** The pieces every part of a playbook is read with: entries, lists, conditions, templates. */
export class CompilerParts {
  constructor(protected readonly r: YamlReader) {}

  protected get<T>(
    m: Map<string, Entry>,
    key: string,
    read: (node: Node | null | undefined, field: string) => T | undefined,
  ): T | undefined {
    const e = m.get(key);
    if (!e) return undefined;
    return read(this.at(e), e.field);
  }

  /** The value node, or the key when the value is empty (so the error has a position). */
  protected at(e: Entry): Node | null {
    if (e.value === null) {
      this.r.add(e.key, e.field, 'has no value');
      return null;
    }
    return e.value;
  }

  protected list<T>(e: Entry, item: (n: Node, f: string) => T | undefined): T[] | undefined {
    const items = this.r.seq(this.at(e), e.field, LIMITS.listValues);
    if (!items) return undefined;
    const out: T[] = [];
    items.forEach((n, i) => {
      const v = item(n, `${e.field}[${i}]`);
      if (v !== undefined) out.push(v);
    });
    return out.length === items.length ? out : undefined;
  }

  protected conditions(e: Entry, allowedFields?: RegExp): Condition[] | undefined {
    const r = this.r;
    const items = r.seq(this.at(e), e.field, LIMITS.conditions);
    if (!items) return undefined;
    const out: Condition[] = [];
    items.forEach((node, i) => {
      const field = `${e.field}[${i}]`;
      const m = r.map(node, field, ['field', 'op', 'value']);
      if (!m) return;
      if (!m.has('field')) r.add(node, `${field}.field`, 'field is required');
      if (!m.has('op')) r.add(node, `${field}.op`, 'op is required');
      const f = this.get(m, 'field', (n, p) => r.string(n, p, { max: 200 }));
      const op = this.get(m, 'op', (n, p) => r.oneOf(n, p, CONDITION_OPS));
      const ve = m.get('value');
      const value = ve ? this.conditionValue(ve) : undefined;
      if (f === undefined || op === undefined || (ve && value === undefined)) return;
      const c: Condition = { field: f, op, ...(value !== undefined ? { value } : {}) };
      const problems = conditionProblems(c);
      for (const p of problems) {
        const where = p.startsWith('unknown field') ? m.get('field')! : (ve ?? m.get('op')!);
        r.add(where.value ?? where.key, p.startsWith('unknown field') ? `${field}.field` : where.field, p);
      }
      if (problems.length) return;
      if (c.op === 'matches' && typeof c.value === 'string' && hasNestedQuantifier(c.value)) {
        r.add(
          ve!.value,
          ve!.field,
          'matches: a repeated group that itself repeats (e.g. (a+)+) can hang on hostile input',
        );
        return;
      }
      if (allowedFields && !allowedFields.test(f)) {
        const fe = m.get('field')!;
        r.add(fe.value, fe.field, 'a trigger can only read incident.<column> and alert.<path>');
        return;
      }
      out.push(c);
    });
    return out.length === items.length ? out : undefined;
  }

  protected conditionValue(e: Entry): Condition['value'] | undefined {
    const r = this.r;
    const node = this.at(e);
    if (!node) return undefined;
    if ('items' in node) {
      const items = r.seq(node, e.field, LIMITS.listValues);
      if (!items) return undefined;
      const out: Array<string | number> = [];
      items.forEach((n, i) => {
        const v = r.scalar(n, `${e.field}[${i}]`);
        if (typeof v === 'string' && v.length <= 1000) out.push(v);
        else if (typeof v === 'number') out.push(v);
        else if (v !== undefined) r.add(n, `${e.field}[${i}]`, 'list values are strings or numbers');
      });
      return out.length === items.length ? out : undefined;
    }
    const v = r.scalar(node, e.field);
    if (v === null) {
      r.add(node, e.field, 'has no value');
      return undefined;
    }
    if (typeof v === 'string' && v.length > 1000) {
      r.add(node, e.field, 'longer than 1000 characters');
      return undefined;
    }
    return v;
  }

  /** A `{{var}}` template: balanced, known variables only, bounded length. */
  protected template(node: Node | null | undefined, field: string, text?: string): string | undefined {
    const r = this.r;
    const s = text ?? r.string(node, field, { max: LIMITS.template });
    if (s === undefined) return undefined;
    if (s.length > LIMITS.template) {
      r.add(node, field, `longer than ${LIMITS.template} characters`);
      return undefined;
    }
    let ok = true;
    const rest = s.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (_all, name: string) => {
      if (!TEMPLATE_VAR.test(name)) {
        r.add(
          node,
          field,
          `unknown template variable ${quote(name)} (incident.<column>, indicator.<type>, verdict.<field>, alert.<path>, playbook.name)`,
        );
        ok = false;
      }
      return '';
    });
    if (rest.includes('{{') || rest.includes('}}')) {
      r.add(node, field, 'unbalanced {{ }} in template');
      ok = false;
    }
    return ok ? s : undefined;
  }
}
