import {
  AppError,
  type ActionOrigin,
  type ActionTarget,
  type ActionType,
  type Classification,
  type OperationMode,
  type PolicyDecision,
  type PolicyVersionView,
  type Severity,
} from '../../../contracts/index.ts';
import type { EventBus, IncidentStore, Logger } from '../../../ports/index.ts';
import type { ActionCounts, PolicySubject } from '../../../ports/policy.port.ts';
import type { ActionCountSource, PolicyStore, PolicyVersionRow } from '../../../ports/policy-store.port.ts';
import { compilePolicy, type GuardrailsPolicy } from './compiled-policy.ts';
import type { Criticality, PolicySummary } from './policy.model.ts';
import type { CachedPolicyProvider } from './policy.provider.ts';

export interface PolicyServiceDeps {
  store: PolicyStore;
  provider: CachedPolicyProvider;
  bus: EventBus;
  log: Logger;
  /** Cluster-wide counts for the rate limits (the actions table). */
  counts: ActionCountSource;
  /** For evaluate with an incident id (severity, type, tags and verdict come from it). */
  incidents: Pick<IncidentStore, 'get'>;
  /** The kill switch as this process sees it (reported by evaluate; it gates execution, not decisions). */
  killSwitchActive: () => boolean;
  /** The global operation mode (response.mode), used when evaluate names none. */
  mode: OperationMode;
}

/** A dry run (`POST /policies/evaluate`). */
export interface EvaluateInput {
  action_type: ActionType;
  target: ActionTarget;
  incident_id?: string;
  incident?: {
    severity?: Severity;
    incident_type?: string;
    classification?: Classification | null;
    confidence?: number | null;
    tags?: string[];
  };
  origin?: ActionOrigin;
  mode?: OperationMode;
  target_criticality?: Criticality | null;
  target_tags?: string[];
  /** An unsaved guardrails document to judge with instead of the active one (policy_version 0). */
  source?: string;
}

export interface EvaluateResult {
  decision: PolicyDecision;
  policy_version: number;
  counts: ActionCounts;
  kill_switch_active: boolean;
}

export const toVersionView = (r: PolicyVersionRow): PolicyVersionView => ({
  version: r.version,
  source: r.source,
  created_at: r.createdAt.toISOString(),
  created_by: r.createdBy,
  comment: r.comment,
  active: r.active,
});

/**
 * Guardrails management (docs/POLICY.md): versions, replacing and rolling back the active policy
 * (validated first; stored with its audit rows; announced as `policy_changed`), and dry runs.
 */
export class PolicyService {
  constructor(private readonly deps: PolicyServiceDeps) {}

  async current(): Promise<{ version: PolicyVersionView; summary: PolicySummary }> {
    const row = await this.deps.store.active();
    if (!row) throw new AppError('NOT_FOUND', 'no guardrails policy is stored');
    const r = compilePolicy(row.source, `policy v${row.version}`, row.version);
    // Only after an upgrade that tightened the format; the provider fails closed the same way.
    if (!r.ok)
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        `the active policy (version ${row.version}) does not compile`,
      );
    return { version: toVersionView(row), summary: r.policy.summary() };
  }

  async versions(page: number, perPage: number): Promise<{ rows: PolicyVersionView[]; total: number }> {
    const r = await this.deps.store.list((page - 1) * perPage, perPage);
    return { rows: r.rows.map(toVersionView), total: r.total };
  }

  async version(version: number): Promise<PolicyVersionView> {
    const row = await this.deps.store.get(version);
    if (!row) throw new AppError('NOT_FOUND', `policy version ${version} not found`);
    return toVersionView(row);
  }

  /** Validates, stores and activates a new version (`expectedVersion`: 409 unless it is active). */
  async replace(
    source: string,
    opts: { comment?: string; expectedVersion?: number },
    actor: string,
  ): Promise<PolicyVersionView> {
    compileOrThrow(source, '<request>', 0);
    return this.store(
      { source, origin: 'api', comment: opts.comment?.trim() || null, ...expected(opts) },
      actor,
    );
  }

  /** Rollback: stores an older version's document again as a new, active version. */
  async activate(
    version: number,
    opts: { comment?: string; expectedVersion?: number },
    actor: string,
  ): Promise<PolicyVersionView> {
    const old = await this.deps.store.get(version);
    if (!old) throw new AppError('NOT_FOUND', `policy version ${version} not found`);
    compileOrThrow(old.source, `policy v${version}`, version);
    return this.store(
      {
        source: old.source,
        origin: 'rollback',
        comment: opts.comment?.trim() || `rollback to version ${version}`,
        rollbackOf: version,
        ...expected(opts),
      },
      actor,
    );
  }

  async evaluate(input: EvaluateInput, actor: string): Promise<EvaluateResult> {
    const policy =
      input.source !== undefined
        ? compileOrThrow(input.source, '<request>', 0)
        : await this.deps.provider.active();
    const incident = await this.incidentOf(input);
    const subject: PolicySubject = {
      action_type: input.action_type,
      target: input.target,
      origin: input.origin ?? 'manual',
      requested_by: actor,
      mode: input.mode ?? this.deps.mode,
      incident,
      ...(input.target_criticality !== undefined ? { target_criticality: input.target_criticality } : {}),
      ...(input.target_tags ? { target_tags: input.target_tags } : {}),
    };
    const counts = await this.deps.counts(input.action_type);
    return {
      decision: policy.decide(subject, counts),
      policy_version: policy.version,
      counts,
      kill_switch_active: this.deps.killSwitchActive(),
    };
  }

  private async incidentOf(input: EvaluateInput): Promise<PolicySubject['incident']> {
    if (input.incident_id !== undefined) {
      const found = await this.deps.incidents.get(input.incident_id);
      if (!found) throw new AppError('NOT_FOUND', 'incident not found');
      return {
        id: found.id,
        severity: found.severity,
        incident_type: found.incident_type,
        tags: found.tags,
        classification: found.classification,
        confidence: found.confidence,
      };
    }
    const i = input.incident ?? {};
    return {
      id: 'dry-run',
      severity: i.severity ?? 'medium',
      incident_type: i.incident_type ?? 'other',
      tags: i.tags ?? [],
      classification: i.classification ?? null,
      confidence: i.confidence ?? null,
    };
  }

  private async store(
    input: Parameters<PolicyStore['create']>[0],
    actor: string,
  ): Promise<PolicyVersionView> {
    const row = await this.deps.store.create(input, actor);
    if (row === 'conflict')
      throw new AppError('CONFLICT', 'the active policy changed since expected_version; reload and retry');
    this.deps.provider.drop();
    this.deps.log.info(
      { version: row.version, by: actor, origin: row.origin },
      'guardrails policy activated',
    );
    // Stored and audited already: a lost event is caught up by every process's poll.
    await this.deps.bus
      .publish('policy_changed', { version: row.version, by: actor })
      .catch((err: unknown) =>
        this.deps.log.warn({ err: String(err) }, 'policy_changed not published; the poll propagates it'),
      );
    return toVersionView(row);
  }
}

const expected = (o: { expectedVersion?: number }) =>
  o.expectedVersion !== undefined ? { expectedVersion: o.expectedVersion } : {};

function compileOrThrow(source: string, file: string, version: number): GuardrailsPolicy {
  const r = compilePolicy(source, file, version);
  if (!r.ok)
    throw new AppError('VALIDATION_ERROR', `the policy is not valid: ${r.errors.length} problem(s)`, {
      errors: r.errors,
    });
  return r.policy;
}
