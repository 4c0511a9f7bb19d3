import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import {
  APPROVAL_LEVELS,
  type ActionType,
  type ApprovalLevel,
  type ApprovalStatus,
  type PolicyDecision,
} from '../../contracts/index.ts';
import type { ActionListQuery, ActionRecord, ActionStore, NewAction } from '../../ports/action-store.port.ts';
import type { Fence } from '../../ports/index.ts';
import type { ActionCounts, ActionRateLimit } from '../../ports/policy.port.ts';
import { audit } from './audit.ts';
import type { SqlDatabase } from './database.ts';
import { raiseFence } from './leader-fence.ts';
import type { DB } from './schema.ts';

/** The columns an ActionRecord is read from. */
const COLUMNS = sql.raw(`id, incident_id, action_type, target, target_type, parameters,
  approval_status, origin, requested_by, reason, mode, decision, approval_level, decided_by,
  decided_at, decision_comment, connector, dry_run, executed_at, result, error, error_code,
  expires_at, created_at, updated_at, version`);

interface ActionRow {
  id: string;
  incident_id: string;
  action_type: string;
  target: string;
  target_type: string;
  parameters: unknown;
  approval_status: string;
  origin: string;
  requested_by: string;
  reason: string | null;
  mode: string;
  decision: unknown;
  approval_level: string | null;
  decided_by: string | null;
  decided_at: Date | string | null;
  decision_comment: string | null;
  connector: string | null;
  dry_run: boolean;
  executed_at: Date | string | null;
  result: unknown;
  error: string | null;
  error_code: string | null;
  expires_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
  version: number;
}

const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));
const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);

function toRecord(r: ActionRow): ActionRecord {
  return {
    id: r.id,
    incident_id: r.incident_id,
    action_type: r.action_type as ActionType,
    target: { type: r.target_type as ActionRecord['target']['type'], value: r.target },
    parameters: (json(r.parameters) ?? {}) as Record<string, unknown>,
    status: r.approval_status as ApprovalStatus,
    origin: r.origin as ActionRecord['origin'],
    requested_by: r.requested_by,
    reason: r.reason,
    mode: r.mode as ActionRecord['mode'],
    decision: json(r.decision) as PolicyDecision,
    approval_level: r.approval_level as ApprovalLevel | null,
    decided_by: r.decided_by,
    decided_at: date(r.decided_at),
    decision_comment: r.decision_comment,
    connector: r.connector,
    dry_run: r.dry_run,
    executed_at: date(r.executed_at),
    result: (json(r.result) ?? null) as Record<string, unknown> | null,
    error: r.error_code !== null ? { code: r.error_code, message: r.error ?? '' } : null,
    expires_at: date(r.expires_at),
    created_at: new Date(r.created_at),
    updated_at: new Date(r.updated_at),
    version: Number(r.version),
  };
}

/** What one status move writes to the audit log (besides the transition itself). */
function trail(a: ActionRecord, from: ApprovalStatus | null, extra: Record<string, unknown> = {}) {
  return {
    action_id: a.id,
    action_type: a.action_type,
    target: a.target,
    from,
    to: a.status,
    ...extra,
  };
}

/**
 * The action store on PostgreSQL / PGlite (docs/RESPONSE.md). Every status move is one conditional
 * UPDATE on the current status with its audit row in the same transaction, always on the primary.
 */
export class SqlActionStore implements ActionStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db(): Kysely<DB> {
    return this.database.primary;
  }

  async create(action: NewAction, actor: string): Promise<{ action: ActionRecord; created: boolean }> {
    return this.db.transaction().execute(async (tx) => {
      const r = await sql<ActionRow>`
        INSERT INTO actions (id, incident_id, action_type, target, target_type, parameters,
          approval_status, approval_level, origin, requested_by, reason, mode, decision, policy_version,
          connector, expires_at, dedupe_key)
        VALUES (${action.id}, ${action.incident_id}, ${action.action_type}, ${action.target.value},
          ${action.target.type}, ${JSON.stringify(action.parameters)}::jsonb, ${action.status},
          ${action.approval_level}, ${action.origin}, ${action.requested_by}, ${action.reason},
          ${action.mode}, ${JSON.stringify(action.decision)}::jsonb, ${action.decision.policy_version},
          ${action.connector}, ${action.expires_at}, ${action.dedupe_key})
        ON CONFLICT (incident_id, dedupe_key) DO NOTHING
        RETURNING ${COLUMNS}`.execute(tx);
      const row = r.rows[0];
      if (!row) {
        const existing = await sql<ActionRow>`
          SELECT ${COLUMNS} FROM actions
          WHERE incident_id = ${action.incident_id} AND dedupe_key = ${action.dedupe_key}`.execute(tx);
        return { action: toRecord(existing.rows[0]!), created: false };
      }
      const created = toRecord(row);
      await audit(tx, created.incident_id, actor, 'action.proposed', {
        ...trail(created, null),
        origin: created.origin,
        mode: created.mode,
        decision: created.decision,
        ...(created.connector ? { connector: created.connector } : {}),
      });
      if (created.status === 'denied')
        await audit(tx, created.incident_id, actor, 'action.denied', {
          ...trail(created, null),
          rule: created.decision.rule,
        });
      return { action: created, created: true };
    });
  }

  async get(id: string): Promise<ActionRecord | null> {
    const r = await sql<ActionRow>`SELECT ${COLUMNS} FROM actions WHERE id = ${id}`.execute(this.db);
    return r.rows[0] ? toRecord(r.rows[0]) : null;
  }

  async list(q: ActionListQuery): Promise<{ items: ActionRecord[]; total: number }> {
    const where: RawBuilder<unknown>[] = [sql`true`];
    if (q.incident_id) where.push(sql`incident_id = ${q.incident_id}`);
    if (q.status?.length) where.push(sql`approval_status IN (${sql.join(q.status)})`);
    if (q.action_type) where.push(sql`action_type = ${q.action_type}`);
    if (q.approval_level) where.push(sql`approval_level = ${q.approval_level}`);
    if (q.max_level) {
      const levels = APPROVAL_LEVELS.slice(0, APPROVAL_LEVELS.indexOf(q.max_level) + 1);
      where.push(sql`approval_level IN (${sql.join([...levels])})`);
    }
    const cond = sql.join(where, sql` AND `);
    const [rows, total] = await Promise.all([
      sql<ActionRow>`SELECT ${COLUMNS} FROM actions WHERE ${cond}
        ORDER BY created_at DESC, id LIMIT ${q.per_page} OFFSET ${(q.page - 1) * q.per_page}`.execute(
        this.db,
      ),
      sql<{ n: number }>`SELECT count(*)::int AS n FROM actions WHERE ${cond}`.execute(this.db),
    ]);
    return { items: rows.rows.map(toRecord), total: Number(total.rows[0]?.n ?? 0) };
  }

  async decide(
    id: string,
    to: 'approved' | 'denied',
    by: string,
    comment: string | null,
  ): Promise<ActionRecord | null> {
    return this.db.transaction().execute(async (tx) => {
      // A pending action past its expiry is no longer decidable, even before the leader's sweep.
      const r = await sql<ActionRow>`
        UPDATE actions SET approval_status = ${to}, decided_by = ${by}, decided_at = now(),
          decision_comment = ${comment}, updated_at = now(), version = version + 1
        WHERE id = ${id} AND approval_status = 'pending' AND (expires_at IS NULL OR expires_at > now())
        RETURNING ${COLUMNS}`.execute(tx);
      if (!r.rows[0]) return null;
      const a = toRecord(r.rows[0]);
      await audit(tx, a.incident_id, by, to === 'approved' ? 'action.approved' : 'action.denied', {
        ...trail(a, 'pending'),
        ...(comment !== null ? { comment } : {}),
      });
      return a;
    });
  }

  async claim(
    id: string,
    limit: ActionRateLimit | null,
    by: string,
  ): Promise<
    { action: ActionRecord } | { action: null; reason: 'not_claimable' | 'rate_limited'; window?: string }
  > {
    return this.db.transaction().execute(async (tx) => {
      const found = await sql<{ action_type: string }>`
        SELECT action_type FROM actions WHERE id = ${id}`.execute(tx);
      const type = found.rows[0]?.action_type;
      if (type === undefined) return { action: null, reason: 'not_claimable' as const };
      // Claims of one type queue here, cluster-wide, until the holder commits: the counts below then
      // include every start before ours. Transaction-scoped, so safe through PgBouncer (transaction mode).
      await sql`SELECT pg_advisory_xact_lock(hashtext(${'tw:action_rate:' + type}))`.execute(tx);
      const current = await sql<{ approval_status: string }>`
        SELECT approval_status FROM actions WHERE id = ${id} FOR UPDATE`.execute(tx);
      const status = current.rows[0]?.approval_status;
      if (status !== 'approved' && status !== 'auto_approved')
        return { action: null, reason: 'not_claimable' as const };
      const window = limit ? exceeded(limit, await countsIn(tx, type)) : null;
      if (window) {
        const r = await sql<ActionRow>`
          UPDATE actions SET approval_status = 'denied', decided_by = ${'system:rate_limit'},
            decided_at = now(), updated_at = now(), version = version + 1,
            decision = jsonb_build_object('outcome', 'denied', 'rule', ${`rate_limit.${type}.${window}`}::text,
              'message', ${`the ${window} rate limit of ${type} is reached`}::text,
              'policy_version', policy_version)
          WHERE id = ${id} RETURNING ${COLUMNS}`.execute(tx);
        const a = toRecord(r.rows[0]!);
        await audit(tx, a.incident_id, 'system:rate_limit', 'action.denied', {
          ...trail(a, status),
          rule: a.decision.rule,
        });
        return { action: null, reason: 'rate_limited' as const, window };
      }
      const r = await sql<ActionRow>`
        UPDATE actions SET approval_status = 'executing', executing_since = now(), claimed_by = ${by},
          updated_at = now(), version = version + 1
        WHERE id = ${id} AND approval_status IN ('approved', 'auto_approved')
        RETURNING ${COLUMNS}`.execute(tx);
      const a = toRecord(r.rows[0]!);
      await audit(tx, a.incident_id, by, 'action.started', {
        ...trail(a, status),
        connector: a.connector,
        dry_run: a.dry_run,
      });
      return { action: a };
    });
  }

  async finish(
    id: string,
    outcome:
      | { status: 'executed'; result: Record<string, unknown>; dry_run?: boolean }
      | {
          status: 'failed';
          error: { code: string; message: string };
          result: Record<string, unknown> | null;
          dry_run?: boolean;
        },
  ): Promise<ActionRecord | null> {
    return this.db.transaction().execute(async (tx) => {
      const error = outcome.status === 'failed' ? outcome.error : null;
      const r = await sql<ActionRow & { claimed_by: string | null }>`
        UPDATE actions SET approval_status = ${outcome.status}, executed_at = now(),
          result = ${outcome.result === null ? null : JSON.stringify(outcome.result)}::jsonb,
          error_code = ${error?.code ?? null}, error = ${error?.message ?? null},
          dry_run = ${outcome.dry_run === true}, updated_at = now(), version = version + 1
        WHERE id = ${id} AND approval_status = 'executing'
        RETURNING ${COLUMNS}, claimed_by`.execute(tx);
      const row = r.rows[0];
      if (!row) return null;
      const a = toRecord(row);
      await audit(
        tx,
        a.incident_id,
        row.claimed_by ?? 'system:executor',
        outcome.status === 'executed' ? 'action.executed' : 'action.failed',
        { ...trail(a, 'executing'), ...(error ? { error } : {}), ...(a.result ? { result: a.result } : {}) },
      );
      return a;
    });
  }

  async fail(
    id: string,
    from: ApprovalStatus[],
    error: { code: string; message: string },
  ): Promise<ActionRecord | null> {
    if (from.length === 0) return null;
    return this.db.transaction().execute(async (tx) => {
      const before = await sql<{ approval_status: string }>`
        SELECT approval_status FROM actions WHERE id = ${id} FOR UPDATE`.execute(tx);
      const status = before.rows[0]?.approval_status as ApprovalStatus | undefined;
      if (!status || !from.includes(status)) return null;
      const r = await sql<ActionRow>`
        UPDATE actions SET approval_status = 'failed', error_code = ${error.code}, error = ${error.message},
          updated_at = now(), version = version + 1
        WHERE id = ${id} AND approval_status = ${status}
        RETURNING ${COLUMNS}`.execute(tx);
      if (!r.rows[0]) return null;
      const a = toRecord(r.rows[0]);
      await audit(tx, a.incident_id, 'system:executor', 'action.failed', {
        ...trail(a, status),
        error,
        started: false,
      });
      return a;
    });
  }

  async counts(actionType: ActionType): Promise<ActionCounts> {
    return countsIn(this.db, actionType);
  }

  async note(
    action: ActionRecord,
    actor: string,
    what: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.db
      .transaction()
      .execute((tx) => audit(tx, action.incident_id, actor, what, { action_id: action.id, ...details }));
  }

  async expirePending(fence: Fence, now: Date, limit: number): Promise<ActionRecord[] | null> {
    return this.db.transaction().execute(async (tx) => {
      if (!(await raiseFence(tx, fence))) return null;
      const r = await sql<ActionRow>`
        UPDATE actions SET approval_status = 'denied', decided_by = 'system:expiry', decided_at = now(),
          decision_comment = 'approval expired', updated_at = now(), version = version + 1
        WHERE id IN (
          SELECT id FROM actions WHERE approval_status = 'pending' AND expires_at <= ${now}
          ORDER BY expires_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        AND approval_status = 'pending'
        RETURNING ${COLUMNS}`.execute(tx);
      const expired = r.rows.map(toRecord);
      for (const a of expired)
        await audit(tx, a.incident_id, 'system:expiry', 'action.expired', {
          ...trail(a, 'pending'),
          expires_at: a.expires_at?.toISOString() ?? null,
        });
      return expired;
    });
  }

  async failStaleExecuting(fence: Fence, olderThanMs: number, limit: number): Promise<ActionRecord[] | null> {
    return this.db.transaction().execute(async (tx) => {
      if (!(await raiseFence(tx, fence))) return null;
      const message = 'the worker running it stopped mid-call: check the vendor before acting again';
      const r = await sql<ActionRow>`
        UPDATE actions SET approval_status = 'failed', error_code = 'OUTCOME_UNKNOWN', error = ${message},
          updated_at = now(), version = version + 1
        WHERE id IN (
          SELECT id FROM actions WHERE approval_status = 'executing'
            AND executing_since < now() - make_interval(secs => ${olderThanMs / 1000})
          ORDER BY executing_since LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        AND approval_status = 'executing'
        RETURNING ${COLUMNS}`.execute(tx);
      const failed = r.rows.map(toRecord);
      for (const a of failed)
        await audit(tx, a.incident_id, 'system:stale_executing', 'action.failed', {
          ...trail(a, 'executing'),
          error: { code: 'OUTCOME_UNKNOWN', message },
        });
      return failed;
    });
  }
}

/** Starts of a type in the last hour and day, and how many run now (cluster-wide: the table). */
async function countsIn(db: Kysely<DB> | Transaction<DB>, type: string): Promise<ActionCounts> {
  const r = await sql<{ last_hour: number; last_day: number; executing: number }>`
    SELECT count(*) FILTER (WHERE executing_since > now() - interval '1 hour')::int AS last_hour,
      count(*) FILTER (WHERE executing_since > now() - interval '1 day')::int AS last_day,
      count(*) FILTER (WHERE approval_status = 'executing')::int AS executing
    FROM actions
    WHERE action_type = ${type} AND executing_since IS NOT NULL
      AND (executing_since > now() - interval '1 day' OR approval_status = 'executing')`.execute(db);
  const row = r.rows[0];
  return {
    last_hour: Number(row?.last_hour ?? 0),
    last_day: Number(row?.last_day ?? 0),
    executing: Number(row?.executing ?? 0),
  };
}

/** The first window a new start would exceed (`per_hour`, `per_day`, `concurrent`), or null. */
export function exceeded(limit: ActionRateLimit, counts: ActionCounts): string | null {
  if (limit.concurrent && counts.executing >= limit.concurrent) return 'concurrent';
  if (limit.per_hour && counts.last_hour >= limit.per_hour) return 'per_hour';
  if (limit.per_day && counts.last_day >= limit.per_day) return 'per_day';
  return null;
}
