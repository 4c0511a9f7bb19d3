import { isMap, isScalar, type Node } from 'yaml';
import {
  ACTION_TYPES,
  APPROVAL_LEVELS,
  CLASSIFICATIONS,
  INCIDENT_TYPES,
  SEVERITIES,
  TARGET_TYPES,
  type ActionType,
} from '../../../contracts/index.ts';
import type { ActionRateLimit } from '../../../ports/policy.port.ts';
import { YamlReader, quote, type Entry, type PlaybookError } from '../../playbooks/yaml-reader.ts';
import {
  CRITICALITIES,
  DENY_KINDS,
  type ApprovalRule,
  type AutoApproveRule,
  type DefaultDecision,
  type DenyEntry,
  type DenyKind,
  type DenyList,
  type PolicyDefinition,
  type RuleConditions,
} from './policy.model.ts';
import { normalise, parseNet } from './target-match.ts';

/** A problem in a guardrails document: `file:line:column field message` (same shape as playbooks). */
export type PolicyError = PlaybookError;

/** Largest guardrails document accepted (bytes of UTF-8). */
export const MAX_POLICY_BYTES = 256 * 1024;
export const POLICY_LIMITS = { lists: 50, entries: 2000, rules: 200, values: 100, pattern: 255 } as const;

const LIST_NAME = /^[a-z0-9][a-z0-9_]{0,63}$/;
const RULE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const TAG = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const CONDITION_KEYS = [
  'action_types',
  'target_types',
  'targets',
  'target_criticality',
  'target_tags',
  'incident_tags',
  'min_severity',
  'incident_types',
  'classifications',
  'min_confidence',
  'max_confidence',
  'origins',
] as const;

export type PolicyCompileResult =
  { ok: true; definition: PolicyDefinition } | { ok: false; errors: PolicyError[] };

/**
 * Parses and validates a guardrails document (docs/POLICY.md). Strict: unknown keys, values outside
 * the vocabulary, bad CIDRs, duplicate list or rule names are reported with file, line, column and
 * the dotted field path. Never throws on bad input.
 */
export function compilePolicyDocument(source: string, file: string): PolicyCompileResult {
  if (Buffer.byteLength(source, 'utf8') > MAX_POLICY_BYTES)
    return {
      ok: false,
      errors: [{ file, line: 0, column: 0, field: '', message: `larger than ${MAX_POLICY_BYTES} bytes` }],
    };
  const r = new YamlReader(file, source);
  if (r.errors.length || !r.root) {
    if (!r.errors.length) r.add(0, '', 'the document is empty');
    return { ok: false, errors: r.errors };
  }
  const definition = new PolicyReader(r).document(r.root);
  return definition && r.errors.length === 0 ? { ok: true, definition } : { ok: false, errors: r.errors };
}

class PolicyReader {
  constructor(private readonly r: YamlReader) {}

  document(root: Node): PolicyDefinition | undefined {
    const r = this.r;
    const m = r.map(root, '', [
      'description',
      'deny',
      'rate_limits',
      'approval_rules',
      'auto_approve',
      'defaults',
    ]);
    if (!m) return undefined;
    const description = this.value(m.get('description'), (n, f) => r.string(n, f, { max: 2000 })) ?? '';
    const deny = m.has('deny') ? this.deny(m.get('deny')!) : [];
    const rateLimits = m.has('rate_limits') ? this.rateLimits(m.get('rate_limits')!) : {};
    const names = new Set<string>();
    const approvals = m.has('approval_rules')
      ? this.rules(m.get('approval_rules')!, names, true)
      : ([] as ApprovalRule[]);
    const autos = m.has('auto_approve') ? this.rules(m.get('auto_approve')!, names, false) : [];
    const defaults = m.has('defaults') ? this.defaults(m.get('defaults')!) : undefined;
    if (!deny || !rateLimits || !approvals || !autos || (m.has('defaults') && !defaults)) return undefined;
    return {
      description,
      deny,
      rate_limits: rateLimits,
      approval_rules: approvals as ApprovalRule[],
      auto_approve: autos as AutoApproveRule[],
      defaults: defaults ?? {
        manual: { decision: 'requires_approval', level: 'analyst' },
        recommended: { decision: 'requires_approval', level: 'analyst' },
      },
    };
  }

  /** The value node (an empty value is reported at its key). */
  private node(e: Entry): Node | null {
    if (e.value === null) this.r.add(e.key, e.field, 'has no value');
    return e.value;
  }

  private value<T>(e: Entry | undefined, read: (n: Node | null, f: string) => T | undefined): T | undefined {
    if (!e) return undefined;
    const n = this.node(e);
    return n ? read(n, e.field) : undefined;
  }

  private list<T>(e: Entry, max: number, item: (n: Node, f: string) => T | undefined): T[] | undefined {
    const items = this.r.seq(this.node(e), e.field, max);
    if (!items) return undefined;
    const out: T[] = [];
    items.forEach((n, i) => {
      const v = item(n, `${e.field}[${i}]`);
      if (v !== undefined) out.push(v);
    });
    return out.length === items.length ? out : undefined;
  }

  private actionTypes(e: Entry): ActionType[] | undefined {
    return this.list(e, ACTION_TYPES.length, (n, f) => this.r.oneOf(n, f, ACTION_TYPES));
  }

  private pattern(n: Node, f: string): string | undefined {
    const v = this.r.string(n, f, { max: POLICY_LIMITS.pattern });
    if (v !== undefined && normalise(v) === '') {
      this.r.add(n, f, 'is empty');
      return undefined;
    }
    return v;
  }

  private deny(e: Entry): DenyList[] | undefined {
    const r = this.r;
    const node = this.node(e);
    if (!node) return undefined;
    if (!isMap(node) || (node as { anchor?: string }).anchor || (node as { tag?: string }).tag) {
      r.add(node, e.field, 'must be a mapping of list name to list (no anchors or tags)');
      return undefined;
    }
    // Any name may be a list: the mapping's keys are read here, not against a fixed set.
    const pairs = (node.items as Array<{ key: Node | null; value: Node | null }>).slice(
      0,
      POLICY_LIMITS.lists + 1,
    );
    if (pairs.length > POLICY_LIMITS.lists) r.add(node, e.field, `at most ${POLICY_LIMITS.lists} deny lists`);
    const out: DenyList[] = [];
    for (const pair of pairs) {
      const key = pair.key;
      const name = isScalar(key) && typeof key.value === 'string' ? key.value : undefined;
      const field = `${e.field}.${name ?? '?'}`;
      if (!name || !LIST_NAME.test(name)) {
        r.add(key, field, 'a deny list name is 1-64 of a-z, 0-9 and _');
        continue;
      }
      const list = this.denyList(name, { key: key!, value: pair.value, field });
      if (list) out.push(list);
    }
    return out.length === pairs.length ? out : undefined;
  }

  private denyList(name: string, e: Entry): DenyList | undefined {
    const r = this.r;
    const m = r.map(this.node(e), e.field, ['kind', 'action_types', 'target_types', 'message', 'entries']);
    if (!m) return undefined;
    if (!m.has('kind'))
      r.add(e.value, `${e.field}.kind`, `kind is required (one of: ${DENY_KINDS.join(', ')})`);
    if (!m.has('entries')) r.add(e.value, `${e.field}.entries`, 'entries is required');
    const kind = this.value(m.get('kind'), (n, f) => r.oneOf(n, f, DENY_KINDS));
    const actionTypes = m.has('action_types') ? this.actionTypes(m.get('action_types')!) : undefined;
    const targetTypes = m.has('target_types')
      ? this.list(m.get('target_types')!, TARGET_TYPES.length, (n, f) => r.oneOf(n, f, TARGET_TYPES))
      : undefined;
    if (m.has('target_types') && kind && kind !== 'targets')
      r.add(m.get('target_types')!.key, `${e.field}.target_types`, 'only a targets list names target types');
    const message = this.value(m.get('message'), (n, f) => r.string(n, f, { max: 500 }));
    if (!kind || !m.has('entries')) return undefined;
    const entries = this.list(m.get('entries')!, POLICY_LIMITS.entries, (n, f) => this.denyEntry(kind, n, f));
    if (!entries || (m.has('action_types') && !actionTypes) || (m.has('target_types') && !targetTypes))
      return undefined;
    return {
      name,
      kind,
      entries,
      ...(actionTypes ? { action_types: actionTypes } : {}),
      ...(targetTypes ? { target_types: targetTypes } : {}),
      ...(message ? { message } : {}),
    };
  }

  private denyEntry(kind: DenyKind, node: Node, field: string): DenyEntry | undefined {
    const r = this.r;
    let valueNode: Node | null = node;
    let valueField = field;
    let actionTypes: ActionType[] | undefined;
    if ('items' in node) {
      const m = r.map(node, field, ['value', 'action_types']);
      if (!m) return undefined;
      if (!m.has('value')) {
        r.add(node, `${field}.value`, 'value is required');
        return undefined;
      }
      valueNode = this.node(m.get('value')!);
      valueField = `${field}.value`;
      if (m.has('action_types')) {
        if (kind === 'action_types') {
          r.add(
            m.get('action_types')!.key,
            `${field}.action_types`,
            'an action_types list has no per-entry action types',
          );
          return undefined;
        }
        actionTypes = this.actionTypes(m.get('action_types')!);
        if (!actionTypes) return undefined;
      }
      if (!valueNode) return undefined;
    }
    let value: string | undefined;
    if (kind === 'action_types') value = r.oneOf(valueNode, valueField, ACTION_TYPES);
    else if (kind === 'ips') {
      value = r.string(valueNode, valueField, { max: 64 });
      if (value !== undefined && !parseNet(value)) {
        r.add(
          valueNode,
          valueField,
          `${quote(value)} is not an IP address or CIDR (e.g. 10.0.0.0/8, fd00::/8)`,
        );
        return undefined;
      }
    } else value = this.pattern(valueNode, valueField);
    if (value === undefined) return undefined;
    return { value, ...(actionTypes ? { action_types: actionTypes } : {}) };
  }

  private rateLimits(e: Entry): Partial<Record<ActionType, ActionRateLimit>> | undefined {
    const r = this.r;
    const m = r.map(this.node(e), e.field, ACTION_TYPES);
    if (!m) return undefined;
    const out: Partial<Record<ActionType, ActionRateLimit>> = {};
    let ok = true;
    for (const [type, entry] of m) {
      const lm = r.map(this.node(entry), entry.field, ['per_hour', 'per_day', 'concurrent']);
      if (!lm) {
        ok = false;
        continue;
      }
      const limit: ActionRateLimit = {};
      for (const k of ['per_hour', 'per_day', 'concurrent'] as const) {
        const v = this.value(lm.get(k), (n, f) => r.number(n, f, 0, 1_000_000, true));
        if (lm.has(k) && v === undefined) ok = false;
        if (v) limit[k] = v;
      }
      if (limit.per_hour && limit.per_day && limit.per_day < limit.per_hour)
        r.add(lm.get('per_day')!.value, `${entry.field}.per_day`, 'smaller than per_hour');
      out[type as ActionType] = limit;
    }
    return ok ? out : undefined;
  }

  private rules(
    e: Entry,
    names: Set<string>,
    approval: boolean,
  ): Array<ApprovalRule | AutoApproveRule> | undefined {
    const r = this.r;
    return this.list(e, POLICY_LIMITS.rules, (node, field) => {
      const m = r.map(
        node,
        field,
        approval ? ['name', 'when', 'level', 'message'] : ['name', 'when', 'message'],
      );
      if (!m) return undefined;
      if (!m.has('name')) r.add(node, `${field}.name`, 'name is required');
      if (approval && !m.has('level'))
        r.add(node, `${field}.level`, `level is required (one of: ${APPROVAL_LEVELS.join(', ')})`);
      const name = this.value(m.get('name'), (n, f) =>
        r.string(n, f, { max: 64, pattern: RULE_NAME, hint: '1-64 of a-z, 0-9, - and _' }),
      );
      if (name && names.has(name))
        r.add(m.get('name')!.value, `${field}.name`, `rule ${quote(name)} is named twice`);
      if (name) names.add(name);
      const level = approval
        ? this.value(m.get('level'), (n, f) => r.oneOf(n, f, APPROVAL_LEVELS))
        : undefined;
      const message = this.value(m.get('message'), (n, f) => r.string(n, f, { max: 500 }));
      const when = m.has('when') ? this.conditions(m.get('when')!) : {};
      if (!name || !when || (approval && !level)) return undefined;
      return { name, when, ...(level ? { level } : {}), ...(message ? { message } : {}) } as ApprovalRule;
    });
  }

  private conditions(e: Entry): RuleConditions | undefined {
    const r = this.r;
    if (e.value === null) return {};
    const m = r.map(e.value, e.field, CONDITION_KEYS);
    if (!m) return undefined;
    const c: RuleConditions = {};
    const max = POLICY_LIMITS.values;
    const tags = (x: Entry) =>
      this.list(x, max, (n, f) => r.string(n, f, { max: 64, pattern: TAG, hint: 'a tag' }));
    const read: { [K in keyof RuleConditions]-?: (x: Entry) => RuleConditions[K] | undefined } = {
      action_types: (x) => this.actionTypes(x),
      target_types: (x) => this.list(x, max, (n, f) => r.oneOf(n, f, TARGET_TYPES)),
      targets: (x) => this.list(x, max, (n, f) => this.pattern(n, f)),
      target_criticality: (x) => this.list(x, max, (n, f) => r.oneOf(n, f, CRITICALITIES)),
      target_tags: tags,
      incident_tags: tags,
      min_severity: (x) => this.value(x, (n, f) => r.oneOf(n, f, SEVERITIES)),
      incident_types: (x) => this.list(x, max, (n, f) => r.oneOf(n, f, INCIDENT_TYPES)),
      classifications: (x) => this.list(x, max, (n, f) => r.oneOf(n, f, CLASSIFICATIONS)),
      min_confidence: (x) => this.value(x, (n, f) => r.number(n, f, 0, 1)),
      max_confidence: (x) => this.value(x, (n, f) => r.number(n, f, 0, 1)),
      origins: (x) => this.list(x, 2, (n, f) => r.oneOf(n, f, ['manual', 'recommended'] as const)),
    };
    let ok = true;
    for (const [key, entry] of m) {
      const v = read[key as keyof RuleConditions](entry);
      if (v === undefined) ok = false;
      else (c as Record<string, unknown>)[key] = v;
    }
    if (
      c.min_confidence !== undefined &&
      c.max_confidence !== undefined &&
      c.max_confidence < c.min_confidence
    )
      r.add(m.get('max_confidence')!.value, `${e.field}.max_confidence`, 'smaller than min_confidence');
    return ok ? c : undefined;
  }

  private defaults(e: Entry): Record<'manual' | 'recommended', DefaultDecision> | undefined {
    const r = this.r;
    const m = r.map(this.node(e), e.field, ['manual', 'recommended']);
    if (!m) return undefined;
    const out: Record<string, DefaultDecision> = {
      manual: { decision: 'requires_approval', level: 'analyst' },
      recommended: { decision: 'requires_approval', level: 'analyst' },
    };
    let ok = true;
    for (const [origin, entry] of m) {
      const dm = r.map(this.node(entry), entry.field, ['decision', 'level']);
      const decision =
        dm &&
        this.value(dm.get('decision'), (n, f) => r.oneOf(n, f, ['allowed', 'requires_approval'] as const));
      if (dm && !dm.has('decision'))
        r.add(entry.value, `${entry.field}.decision`, 'decision is required (allowed or requires_approval)');
      const level = dm && this.value(dm.get('level'), (n, f) => r.oneOf(n, f, APPROVAL_LEVELS));
      if (dm?.has('level') && decision === 'allowed')
        r.add(dm.get('level')!.key, `${entry.field}.level`, 'only requires_approval takes a level');
      if (!decision || (dm?.has('level') && !level)) {
        ok = false;
        continue;
      }
      out[origin] = decision === 'allowed' ? { decision } : { decision, level: level ?? 'analyst' };
    }
    return ok ? (out as Record<'manual' | 'recommended', DefaultDecision>) : undefined;
  }
}
