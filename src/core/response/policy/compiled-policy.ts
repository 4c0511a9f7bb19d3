import {
  SEVERITY_RANK,
  type ActionType,
  type ApprovalLevel,
  type PolicyDecision,
} from '../../../contracts/index.ts';
import type {
  ActionCounts,
  ActionRateLimit,
  CompiledPolicy,
  PolicySubject,
} from '../../../ports/policy.port.ts';
import { quote } from '../../playbooks/yaml-reader.ts';
import { compilePolicyDocument, type PolicyError } from './policy.compiler.ts';
import type { DenyList, PolicyDefinition, PolicySummary, RuleConditions } from './policy.model.ts';
import {
  NetSet,
  domainMatches,
  domainOf,
  compileGlob,
  hostForms,
  normalise,
  parseNet,
  type Matcher,
  userForms,
} from './target-match.ts';

/** A decision before the version is stamped on it (Omit distributed over the union). */
type Outcome = PolicyDecision extends infer D
  ? D extends unknown
    ? Omit<D, 'policy_version'>
    : never
  : never;
const allowed = (rule: string, message: string): Outcome => ({ outcome: 'allowed', rule, message });
const denied = (rule: string, message: string): Outcome => ({ outcome: 'denied', rule, message });
const approval = (rule: string, message: string, level: ApprovalLevel): Outcome => ({
  outcome: 'requires_approval',
  rule,
  message,
  level,
});

/** One deny list, ready to test: its entries grouped by the action types they apply to. */
interface DenyMatcher {
  name: string;
  message?: string;
  /** The first entry (its pattern, for the message) that catches this action, or undefined. */
  match(subject: PolicySubject): string | undefined;
}

const appliesTo = (types: readonly ActionType[] | undefined, t: ActionType) => !types || types.includes(t);

function netSet(text: string): NetSet {
  const set = new NetSet();
  set.add(parseNet(text)!); // validated by the compiler
  return set;
}

function denyMatcher(list: DenyList): DenyMatcher {
  const entries = list.entries.map((e) => ({
    value: e.value,
    types: e.action_types ?? list.action_types,
    re: list.kind === 'ips' || list.kind === 'action_types' ? undefined : compileGlob(e.value),
    net: list.kind === 'ips' ? netSet(e.value) : undefined,
    domain: list.kind === 'domains' && !/[*?]/.test(e.value) ? normalise(e.value) : undefined,
  }));
  const forms = (s: PolicySubject): string[] | undefined => {
    const t = s.target;
    switch (list.kind) {
      case 'hosts':
        return t.type === 'host' ? hostForms(t.value) : undefined;
      case 'users':
        return t.type === 'user' || t.type === 'email' ? userForms(t.value) : undefined;
      case 'targets':
        return !list.target_types || list.target_types.includes(t.type) ? [normalise(t.value)] : undefined;
      default:
        return undefined;
    }
  };
  return {
    name: list.name,
    ...(list.message ? { message: list.message } : {}),
    match(s) {
      const live = entries.filter((e) => appliesTo(e.types, s.action_type));
      if (!live.length) return undefined;
      switch (list.kind) {
        case 'action_types':
          return live.find((e) => e.value === s.action_type)?.value;
        case 'ips': {
          // An IP target, or any target written as an address (a host given by its IP).
          const net = parseNet(s.target.value);
          if (!net) return undefined;
          return live.find((e) => e.net!.overlaps(net))?.value;
        }
        case 'domains': {
          const d = domainOf(s.target);
          if (!d) return undefined;
          return live.find((e) => domainMatches(e.domain ?? e.re!, d))?.value;
        }
        default: {
          const values = forms(s);
          if (!values) return undefined;
          return live.find((e) => values.some((v) => e.re!.test(v)))?.value;
        }
      }
    },
  };
}

/** Whether every condition of a rule holds for the subject (absent conditions hold). */
export function conditionsHold(c: RuleConditions, s: PolicySubject, targetRes?: Matcher[]): boolean {
  const inc = s.incident;
  const has = (want: readonly string[] | undefined, got: readonly string[] | undefined) =>
    !want || (got ?? []).some((g) => want.some((w) => w.toLowerCase() === g.toLowerCase()));
  if (c.action_types && !c.action_types.includes(s.action_type)) return false;
  if (c.target_types && !c.target_types.includes(s.target.type)) return false;
  if (targetRes && !targetRes.some((re) => re.test(normalise(s.target.value)))) return false;
  if (c.target_criticality && !(s.target_criticality && c.target_criticality.includes(s.target_criticality)))
    return false;
  if (!has(c.target_tags, s.target_tags)) return false;
  if (!has(c.incident_tags, inc.tags)) return false;
  if (c.min_severity && !(SEVERITY_RANK[inc.severity] >= SEVERITY_RANK[c.min_severity])) return false;
  if (c.incident_types && !(c.incident_types as readonly string[]).includes(inc.incident_type)) return false;
  if (c.classifications && !(inc.classification && c.classifications.includes(inc.classification)))
    return false;
  if (c.min_confidence !== undefined && !(inc.confidence !== null && inc.confidence >= c.min_confidence))
    return false;
  if (c.max_confidence !== undefined && !(inc.confidence !== null && inc.confidence <= c.max_confidence))
    return false;
  if (c.origins && !c.origins.includes(s.origin)) return false;
  return true;
}

/**
 * A guardrails policy ready to decide (src/ports/policy.port.ts, docs/POLICY.md): deny lists → rate
 * limits → approval rules (first match) → auto-approve rules (first match) → the default for the
 * origin; then the operation mode. Messages quote only the target value (cut and cleaned) besides
 * what the policy's author wrote.
 */
export class GuardrailsPolicy implements CompiledPolicy {
  private readonly deny: DenyMatcher[];
  private readonly approvals: Array<{
    rule: PolicyDefinition['approval_rules'][number];
    targets?: Matcher[];
  }>;
  private readonly autos: Array<{ rule: PolicyDefinition['auto_approve'][number]; targets?: Matcher[] }>;

  constructor(
    readonly version: number,
    readonly definition: PolicyDefinition,
  ) {
    this.deny = definition.deny.map(denyMatcher);
    const withTargets = <R extends { when: RuleConditions }>(rule: R) => ({
      rule,
      ...(rule.when.targets ? { targets: rule.when.targets.map(compileGlob) } : {}),
    });
    this.approvals = definition.approval_rules.map(withTargets);
    this.autos = definition.auto_approve.map(withTargets);
  }

  rateLimit(actionType: ActionType): ActionRateLimit | null {
    const l = this.definition.rate_limits[actionType];
    return l && (l.per_hour || l.per_day || l.concurrent) ? { ...l } : null;
  }

  decide(subject: PolicySubject, counts: ActionCounts): PolicyDecision {
    return {
      ...this.adjust(this.base(subject, counts), subject),
      policy_version: this.version,
    } as PolicyDecision;
  }

  private base(s: PolicySubject, counts: ActionCounts): Outcome {
    const what = `${s.action_type} on ${s.target.type} ${quote(s.target.value)}`;
    for (const list of this.deny) {
      const hit = list.match(s);
      if (hit !== undefined)
        return denied(
          `deny.${list.name}`,
          list.message
            ? `${what} is denied: ${list.message}`
            : `${what} is denied: it matches ${quote(hit)} in the deny list ${list.name}`,
        );
    }
    const limit = this.rateLimit(s.action_type);
    if (limit) {
      const checks = [
        ['per_hour', counts.last_hour, 'in the last hour'],
        ['per_day', counts.last_day, 'in the last 24 hours'],
        ['concurrent', counts.executing, 'running now'],
      ] as const;
      for (const [key, count, when] of checks) {
        const max = limit[key];
        if (max && count >= max)
          return denied(
            `rate_limit.${s.action_type}.${key}`,
            `${s.action_type} rate limit reached: ${count} ${when} (limit ${max}, counted across the cluster)`,
          );
      }
    }
    for (const { rule, targets } of this.approvals)
      if (conditionsHold(rule.when, s, targets))
        return approval(
          `approval.${rule.name}`,
          rule.message ?? `${what} needs approval at level ${rule.level} (rule ${rule.name})`,
          rule.level,
        );
    for (const { rule, targets } of this.autos)
      if (conditionsHold(rule.when, s, targets))
        return allowed(
          `auto_approve.${rule.name}`,
          rule.message ?? `${what} is approved by rule ${rule.name}`,
        );
    const d = this.definition.defaults[s.origin];
    return d.decision === 'allowed'
      ? allowed(`default.${s.origin}`, `${what} is allowed by the default for ${s.origin} actions`)
      : approval(
          `default.${s.origin}`,
          `${what} needs approval (${d.level}) by the default for ${s.origin} actions`,
          d.level,
        );
  }

  /** The operation mode (port docs): never loosens a denial or a senior/manager approval. */
  private adjust(d: Outcome, s: PolicySubject): Outcome {
    if (s.mode === 'assisted' && d.outcome === 'allowed' && s.origin === 'recommended')
      return approval(
        'mode.assisted',
        `assisted mode: recommended actions wait for an analyst (policy alone: ${d.rule})`,
        'analyst',
      );
    if (s.mode === 'autonomous' && d.outcome === 'requires_approval' && d.level === 'analyst')
      return allowed(
        'mode.autonomous',
        `autonomous mode runs analyst-level actions (policy alone: ${d.rule})`,
      );
    return d;
  }

  summary(): PolicySummary {
    const d = this.definition;
    return {
      description: d.description,
      deny_lists: d.deny.map((l) => ({ name: l.name, kind: l.kind, entries: l.entries.length })),
      rate_limits: d.rate_limits,
      approval_rules: d.approval_rules.map((r) => ({ name: r.name, level: r.level })),
      auto_approve: d.auto_approve.map((r) => r.name),
      defaults: d.defaults,
    };
  }
}

/** Compiles a guardrails document into the policy that decides (`version` 0: not stored). */
export function compilePolicy(
  source: string,
  file: string,
  version: number,
): { ok: true; policy: GuardrailsPolicy } | { ok: false; errors: PolicyError[] } {
  const r = compilePolicyDocument(source, file);
  return r.ok ? { ok: true, policy: new GuardrailsPolicy(version, r.definition) } : r;
}
