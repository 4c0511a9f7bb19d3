import type {
  ActionOrigin,
  ActionType,
  ApprovalLevel,
  Classification,
  IncidentType,
  Severity,
  TargetType,
} from '../../../contracts/index.ts';
import type { ActionRateLimit } from '../../../ports/policy.port.ts';

/** What a deny list holds (docs/POLICY.md "Deny lists"). */
export const DENY_KINDS = ['action_types', 'targets', 'hosts', 'users', 'domains', 'ips'] as const;
export type DenyKind = (typeof DENY_KINDS)[number];

export const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Criticality = (typeof CRITICALITIES)[number];

/** One entry of a deny list: a pattern (glob, CIDR, action type) and the action types it applies to. */
export interface DenyEntry {
  value: string;
  /** Absent: the list's own action types (absent there too: every action). */
  action_types?: ActionType[];
}

export interface DenyList {
  name: string;
  kind: DenyKind;
  /** For `targets` lists: the target types its patterns are matched against (absent: every type). */
  target_types?: TargetType[];
  action_types?: ActionType[];
  entries: DenyEntry[];
  /** Said to the analyst (written by the policy's author). */
  message?: string;
}

/** Conditions of an approval or auto-approve rule; every one given must hold (absent: any). */
export interface RuleConditions {
  action_types?: ActionType[];
  target_types?: TargetType[];
  /** Globs on the target value (case-insensitive). */
  targets?: string[];
  target_criticality?: Criticality[];
  /** The target asset carries at least one of these tags. */
  target_tags?: string[];
  /** The incident carries at least one of these tags. */
  incident_tags?: string[];
  min_severity?: Severity;
  incident_types?: IncidentType[];
  classifications?: Classification[];
  min_confidence?: number;
  max_confidence?: number;
  origins?: ActionOrigin[];
}

export interface ApprovalRule {
  name: string;
  when: RuleConditions;
  level: ApprovalLevel;
  message?: string;
}

export interface AutoApproveRule {
  name: string;
  when: RuleConditions;
  message?: string;
}

export type DefaultDecision =
  { decision: 'allowed' } | { decision: 'requires_approval'; level: ApprovalLevel };

/** A guardrails document as written (docs/POLICY.md), validated. */
export interface PolicyDefinition {
  description: string;
  deny: DenyList[];
  rate_limits: Partial<Record<ActionType, ActionRateLimit>>;
  approval_rules: ApprovalRule[];
  auto_approve: AutoApproveRule[];
  defaults: Record<ActionOrigin, DefaultDecision>;
}

/** What GET /policies shows of the active policy besides its source. */
export interface PolicySummary {
  description: string;
  deny_lists: Array<{ name: string; kind: DenyKind; entries: number }>;
  rate_limits: Partial<Record<ActionType, ActionRateLimit>>;
  approval_rules: Array<{ name: string; level: ApprovalLevel }>;
  auto_approve: string[];
  defaults: Record<ActionOrigin, DefaultDecision>;
}
