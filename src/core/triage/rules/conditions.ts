import type { Condition } from './rule.model.ts';

/* Shorthands the rule packs are written with; each returns a plain {@link Condition} object. */

/** The field is one of `values` (case-insensitive). */
export const oneOf = (path: string, ...values: string[]): Condition => ({ path, in: values });
/** The field matches the regular expression (case-insensitive). */
export const like = (path: string, re: string): Condition => ({ path, re });
/** The field equals `value` (booleans also match "true"/"false"). */
export const is = (path: string, value: string | number | boolean): Condition => ({ path, equals: value });
/** The field is present and non-empty. */
export const has = (path: string): Condition => ({ path, exists: true });
/** A `{Name, Value}` pair in the array at `path`: M365 `Parameters`, `ModifiedProperties`. */
export const param = (path: string, name: string, matches?: string): Condition => ({
  path,
  kv: { key: 'Name', value: 'Value', name, ...(matches !== undefined ? { matches } : {}) },
});
/** Google Reports `events[].parameters[]` pair (`name` and `value`/`boolValue`). */
export const gparam = (name: string, matches?: string): Condition => ({
  any: [
    {
      path: 'events[].parameters',
      kv: { key: 'name', value: 'value', name, ...(matches !== undefined ? { matches } : {}) },
    },
    {
      path: 'events[].parameters',
      kv: { key: 'name', value: 'boolValue', name, ...(matches !== undefined ? { matches } : {}) },
    },
  ],
});
/** CrowdStrike `event.AuditKeyValues[]` pair (`Key` and `ValueString`). */
export const auditKey = (name: string, matches?: string): Condition => ({
  path: 'event.AuditKeyValues',
  kv: { key: 'Key', value: 'ValueString', name, ...(matches !== undefined ? { matches } : {}) },
});
/** At least one of the conditions holds. */
export const either = (...any: Condition[]): Condition => ({ any });
/** The condition does not hold. */
export const not = (c: Condition): Condition => ({ ...c, not: !c.not });
