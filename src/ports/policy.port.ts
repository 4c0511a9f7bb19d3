import type {
  ActionOrigin,
  ActionTarget,
  ActionType,
  Classification,
  OperationMode,
  PolicyDecision,
  Severity,
} from '../contracts/index.ts';

/** One action as the policy engine judges it (docs/POLICY.md). */
export interface PolicySubject {
  action_type: ActionType;
  target: ActionTarget;
  origin: ActionOrigin;
  /** `user:alice`, `playbook:phishing@3/block-sender`. */
  requested_by: string;
  /** The operation mode in force (global, or the incident's playbook's). */
  mode: OperationMode;
  incident: {
    id: string;
    severity: Severity;
    incident_type: string;
    tags: readonly string[];
    /** The verdict, when triage gave one. */
    classification: Classification | null;
    confidence: number | null;
  };
  /** Criticality and tags of the target asset when known (`critical`, `crown-jewel`…). */
  target_criticality?: 'low' | 'medium' | 'high' | 'critical' | null;
  target_tags?: readonly string[];
}

/**
 * Action counts the rate limits read, cluster-wide (from the actions table, not process memory):
 * actions of this type started (executing, executed or failed after starting) in the last hour and
 * day, and executing now.
 */
export interface ActionCounts {
  last_hour: number;
  last_day: number;
  executing: number;
}

/** Rate limits per action type of the active policy (0 / absent: no limit). */
export interface ActionRateLimit {
  per_hour?: number;
  per_day?: number;
  concurrent?: number;
}

/**
 * The active guardrails policy, compiled. `decide` is pure: the same subject and counts give the same
 * decision, so a dry run (`POST /policies/evaluate`) shows exactly what would happen. Order: deny lists
 * → rate limits → approval rules (first match) → auto-approve rules → the default; then the operation
 * mode adjusts it (docs/POLICY.md): `assisted` turns an `allowed` recommended action into
 * `requires_approval` (analyst, rule `mode.assisted`); `autonomous` turns `requires_approval` at level
 * analyst into `allowed` (rule `mode.autonomous`); senior/manager approvals hold in every mode; a
 * denial holds in every mode. The kill switch is not part of the decision: it stops execution
 * (the executor checks it right before it starts an action).
 */
export interface CompiledPolicy {
  version: number;
  decide(subject: PolicySubject, counts: ActionCounts): PolicyDecision;
  /** The rate limit of an action type, for the executor's atomic claim. */
  rateLimit(actionType: ActionType): ActionRateLimit | null;
}

/** Gives every process the active policy (cached; dropped on `policy_changed`). */
export interface PolicyProvider {
  active(signal?: AbortSignal): Promise<CompiledPolicy>;
}
