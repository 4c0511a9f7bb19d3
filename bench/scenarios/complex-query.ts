/**
 * Scenario 2: GET /api/v1/incidents with filters + sort + pagination + full-text `q` on a database of
 * 1,000,000 incidents (bench/lib/incident-generator.ts; reused between runs and migrated to the current
 * schema, `--regenerate` rebuilds it). Baseline: the very SQL the repository runs (captured from
 * Kysely: one statement per request, the capped count being an InitPlan of the page query), straight
 * through `pg` with the API's pool size, in the same run. EXPLAIN (ANALYZE, BUFFERS) of each query
 * shape, and of its capped count on its own (to show the count's share).
 *
 * Deep pages are reached the way a client reaches them: shapes marked `via: 'cursor'` walk from page 1
 * with `next_cursor` and then load the cursor of their page; one shape (`type_closed_by_update`) stays
 * an offset page, as a "jump to page 10" in the UI is.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { cappedCount, DEFAULT_LIST_LIMITS } from '../../src/adapters/sql/incident-list.ts';
import { searchValues } from '../../src/adapters/sql/incident-list.search.ts';
import { SqlIncidentStore, type DB, type SqlDatabase } from '../../src/adapters/sql/index.ts';
import type { IncidentListQuery } from '../../src/ports/index.ts';
import { ensureIncidentDatabase, type GeneratedMeta } from '../lib/incident-generator.ts';
import { runLoad, type LoadResult } from '../lib/load.ts';
import { monotonicUs } from '../lib/profile.ts';
import { row, type Check, type Row } from '../lib/result.ts';
import type { RunContext, Scenario, ScenarioOutput } from '../lib/scenario.ts';
import { dbUrl, dropDatabase, suffix } from '../lib/services.ts';
import { startRole } from '../lib/setup.ts';
import { deleteRedisKeys } from '../lib/services.ts';
import { distribution, round } from '../lib/stats.ts';
import { loadChecks } from './simple-endpoint.ts';
import { adminHeaders } from '../lib/auth.ts';

const FULL_ROWS = 1_000_000;
const TINY_ROWS = 5_000;
export const BENCH_DB = 'tw_bench_1m';
/** The API's pool (database.max_connections default), used for the direct-SQL baseline too. */
const POOL_SIZE = 15;

interface Shape {
  name: string;
  description: string;
  query: IncidentListQuery;
  /** How a client reaches `query.page`: an offset page, or a `next_cursor` walk from page 1 (default offset). */
  via?: 'offset' | 'cursor';
}

export function shapes(meta: GeneratedMeta): Shape[] {
  const anchor = new Date(meta.anchor);
  const daysBefore = (d: number) => new Date(anchor.getTime() - d * 86_400_000);
  return [
    {
      name: 'recent_default',
      description: 'the dashboard default: newest first, page 1 (count capped: 1,000+)',
      query: { sort: 'created_at', order: 'desc', page: 1, per_page: 20 },
    },
    {
      name: 'open_high_severity_p3',
      description:
        'status in 3 open states + severity high/critical, newest first, page 3 of 50 reached by cursor (next_cursor of page 2)',
      via: 'cursor',
      query: {
        status: ['pending_review', 'pending_approval', 'escalated'],
        severity: ['high', 'critical'],
        sort: 'created_at',
        order: 'desc',
        page: 3,
        per_page: 50,
      },
    },
    {
      name: 'fulltext_selective',
      description: 'q=mimikatz (selective: 7.6k rows) + severity high/critical, page 1',
      query: {
        q: 'mimikatz',
        severity: ['high', 'critical'],
        sort: 'created_at',
        order: 'desc',
        page: 1,
        per_page: 20,
      },
    },
    {
      name: 'fulltext_broad',
      description: 'q=powershell.exe (broad: 108k rows), page 5 reached by cursor',
      via: 'cursor',
      query: { q: 'powershell.exe', sort: 'created_at', order: 'desc', page: 5, per_page: 20 },
    },
    {
      name: 'source_week_by_severity',
      description:
        'source=crowdstrike, last 7 days, sorted by severity (then newest), page 2 of 25 reached by cursor',
      via: 'cursor',
      query: {
        source: ['crowdstrike'],
        since: daysBefore(7),
        until: anchor,
        sort: 'severity',
        order: 'desc',
        page: 2,
        per_page: 25,
      },
    },
    {
      name: 'type_closed_by_update',
      description:
        'incident_type=phishing, status resolved/false_positive, sorted by updated_at, offset page 10 (a "jump to page")',
      query: {
        incident_type: ['phishing'],
        status: ['resolved', 'false_positive'],
        sort: 'updated_at',
        order: 'desc',
        page: 10,
        per_page: 20,
      },
    },
  ];
}

export function toPath(q: IncidentListQuery): string {
  const p = new URLSearchParams();
  for (const key of ['status', 'severity', 'incident_type', 'source'] as const) {
    const v = q[key];
    if (v?.length) p.set(key, v.join(','));
  }
  if (q.since) p.set('since', q.since.toISOString());
  if (q.until) p.set('until', q.until.toISOString());
  if (q.q) p.set('q', q.q);
  p.set('sort', q.sort);
  p.set('order', q.order);
  if (q.cursor) p.set('cursor', q.cursor);
  else p.set('page', String(q.page));
  p.set('per_page', String(q.per_page));
  return `/api/v1/incidents?${p.toString()}`;
}

interface Captured {
  sql: string;
  parameters: unknown[];
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Total Time'?: number;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
}

function walk(node: PlanNode, out: PlanNode[] = []): PlanNode[] {
  out.push(node);
  for (const child of node.Plans ?? []) walk(child, out);
  return out;
}

/**
 * The SQL `SqlIncidentStore.list()` runs for a query (one statement: the page, with the capped count
 * as an InitPlan), as Kysely compiles it; the capped count alone, for EXPLAIN. A `via: 'cursor'` shape
 * is first walked from page 1 to the cursor of its page, which then replaces the page number.
 */
export async function captureSql(
  pool: pg.Pool,
  shape: Pick<Shape, 'query' | 'via'>,
): Promise<{ query: IncidentListQuery; rows: Captured; count: Captured; total: number }> {
  const captured: Captured[] = [];
  const kysely = new Kysely<DB>({
    dialect: new PostgresDialect({ pool }),
    log: (e) => {
      if (e.level === 'query') captured.push({ sql: e.query.sql, parameters: [...e.query.parameters] });
    },
  });
  const store = new SqlIncidentStore(database(kysely));
  let query = shape.query;
  if (shape.via === 'cursor' && query.page > 1) {
    let cursor: string | null = null;
    for (let page = 1; page < shape.query.page; page++) {
      const p = await store.list({ ...shape.query, page: 1, ...(cursor ? { cursor } : {}) });
      cursor = p.pagination.next_cursor;
      if (!cursor) throw new Error(`cursor walk ended at page ${page}, before page ${shape.query.page}`);
    }
    query = { ...shape.query, page: 1, cursor: cursor! };
  }
  captured.length = 0;
  const page = await store.list(query);
  // With `q`, the ids its indicator/asset/raw arms match are gathered first (incident-list.search.ts).
  const expected = query.q ? 2 : 1;
  const rows = captured[expected - 1];
  if (captured.length !== expected || !rows) {
    throw new Error(`expected ${expected} statement(s) per list request, captured ${captured.length}`);
  }
  const search = query.q ? await searchValues(kysely, query.q) : undefined;
  const compiled = cappedCount(kysely, query, DEFAULT_LIST_LIMITS.countCap, search).compile();
  const count = { sql: compiled.sql, parameters: [...compiled.parameters] };
  return { query, rows, count, total: page.pagination.total_items };
}

function database(kysely: Kysely<DB>): SqlDatabase {
  return {
    kind: 'postgres',
    primary: kysely,
    read: (fn) => fn(kysely),
    exec: async () => {},
    ping: async () => {},
    poolStats: () => ({ primary: { total: 0, idle: 0, waiting: 0 } }),
    replicaInUse: () => false,
    close: async () => {},
  };
}

export async function explain(pool: pg.Pool, q: Captured) {
  const json = await pool.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${q.sql}`, q.parameters);
  const plan = (
    json.rows[0] as {
      'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number; 'Planning Time': number; JIT?: unknown }];
    }
  )['QUERY PLAN'][0];
  const text = await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`, q.parameters);
  const nodes = walk(plan.Plan);
  return {
    execution_ms: round(plan['Execution Time'], 2),
    jit: 'JIT' in plan,
    planning_ms: round(plan['Planning Time'], 2),
    seq_scan: nodes.some((n) => /Seq Scan/.test(n['Node Type']) && n['Relation Name'] === 'incidents'),
    indexes: [...new Set(nodes.map((n) => n['Index Name']).filter((n): n is string => !!n))],
    node_types: [...new Set(nodes.map((n) => n['Node Type']))],
    text: (text.rows as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN']).join('\n'),
  };
}

/**
 * Waits until no query of ours runs on `db`: requests a load generator gave up on keep their queries
 * running on the server, and the next measurement must not inherit them.
 */
async function waitIdle(pool: pg.Pool, db: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await pool.query<{ n: string }>(
      `select count(*) as n from pg_stat_activity where datname = $1 and state = 'active' and backend_type = 'client backend' and pid <> pg_backend_pid()`,
      [db],
    );
    if (Number(r.rows[0]?.n) === 0 || Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The repository's statement per request, straight through pg: `concurrency` loops for `seconds`. */
async function directLoop(
  pool: pg.Pool,
  queries: { rows: Captured }[],
  seconds: number,
  concurrency: number,
) {
  const deadline = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  let i = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const q = queries[i++ % queries.length]!;
        const t = performance.now();
        await pool.query(q.rows.sql, q.rows.parameters);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const d = distribution(latencies);
  return {
    per_s: latencies.length / elapsed,
    p50_ms: round(d.p50, 2),
    p99_ms: round(d.p99, 2),
    requests: latencies.length,
  };
}

export const complexQuery: Scenario = {
  name: 'complex-query',
  title: 'GET /api/v1/incidents (filters, sort, pagination, q) on 1,000,000 incidents',
  timeoutMs: (tiny) => (tiny ? 240_000 : 1_800_000),
  async run(ctx: RunContext): Promise<ScenarioOutput> {
    const tiny = ctx.tiny;
    const name = tiny ? `tw_bench_tiny_${suffix()}` : BENCH_DB;
    if (tiny) ctx.defer(() => dropDatabase(name));
    const { meta, reused } = await ensureIncidentDatabase({
      name,
      rows: tiny ? TINY_ROWS : FULL_ROWS,
      regenerate: ctx.regenerate,
      log: (m) => ctx.log(m),
    });
    ctx.log(
      reused
        ? `reusing ${name} (${meta.rows} incidents, built ${meta.generated_at})`
        : `built ${name} in ${meta.generation_s} s`,
    );
    ctx.checkpoint();

    const pool = new pg.Pool({ connectionString: dbUrl(name), max: POOL_SIZE });
    pool.on('error', () => {});
    ctx.defer(() => pool.end());
    const all = shapes(meta);
    const captured = [];
    for (const s of all) captured.push({ shape: s, ...(await captureSql(pool, s)) });

    const prefix = `twb${suffix()}`;
    ctx.defer(() => deleteRedisKeys(prefix));
    const { proc: api } = await startRole(
      ctx,
      'api',
      { dbName: name, prefix },
      { name: 'api', profile: true },
    );
    ctx.checkpoint();

    // Correctness first: the API answers each shape with the total the SQL gives.
    const checks: Check[] = [];
    for (const c of captured) {
      const res = await fetch(`${api.url}${toPath(c.query)}`, { headers: adminHeaders() });
      const body = (await res.json()) as { pagination?: { total_items: number }; data?: unknown[] };
      checks.push({
        name: `${c.shape.name}: API total_items equals the SQL count`,
        ok: res.status === 200 && body.pagination?.total_items === c.total,
        detail: `HTTP ${res.status}, API ${body.pagination?.total_items}, SQL ${c.total}, page of ${body.data?.length ?? 0}`,
      });
    }

    const duration = tiny ? 1 : 8;
    // As many connections as before the count was capped, so runs compare like for like.
    const connections = tiny ? 4 : 8;
    const paths = captured.map((c) => toPath(c.query));
    const perShape: Record<string, { api: LoadResult; direct: Awaited<ReturnType<typeof directLoop>> }> = {};
    const from = monotonicUs();
    ctx.log(`mixed load: ${paths.length} shapes, ${tiny ? 1 : 15}s x ${connections}`);
    const mixed = await runLoad(
      {
        url: api.url,
        connections,
        durationS: tiny ? 1 : 15,
        timeoutS: 30,
        mode: { kind: 'get', paths },
        headers: adminHeaders(),
      },
      ctx.logDir,
      'mixed',
    );
    const to = monotonicUs();
    checks.push(...loadChecks('mixed', mixed));
    if (!tiny) {
      for (const c of captured) {
        ctx.checkpoint();
        await waitIdle(pool, name);
        ctx.log(`shape ${c.shape.name}`);
        const r = await runLoad(
          {
            url: api.url,
            connections,
            durationS: duration,
            timeoutS: 30,
            mode: { kind: 'get', paths: [toPath(c.query)] },
            headers: adminHeaders(),
          },
          ctx.logDir,
          c.shape.name,
        );
        checks.push(...loadChecks(c.shape.name, r));
        perShape[c.shape.name] = { api: r, direct: { per_s: 0, p50_ms: 0, p99_ms: 0, requests: 0 } };
      }
    }
    await api.stop();
    ctx.collectProfile(api, { 'list, mixed shapes': { fromUs: from, toUs: to } });

    await waitIdle(pool, name);
    ctx.log('direct SQL baseline');
    const directMixed = await directLoop(pool, captured, tiny ? 1 : 8, connections);
    if (!tiny) {
      for (const c of captured) perShape[c.shape.name]!.direct = await directLoop(pool, [c], 5, connections);
    }

    ctx.log('EXPLAIN (ANALYZE, BUFFERS)');
    const plans: Record<string, unknown> = {};
    const notes: string[] = [];
    for (const c of captured) {
      const rowsPlan = await explain(pool, c.rows);
      const countPlan = await explain(pool, c.count);
      // The page statement includes the count (InitPlan): its share is the count run alone over the whole.
      const countShare = Math.min(1, countPlan.execution_ms / Math.max(0.001, rowsPlan.execution_ms));
      plans[c.shape.name] = {
        description: c.shape.description,
        path: toPath(c.query),
        total_items: c.total,
        rows_sql: c.rows.sql,
        count_sql: c.count.sql,
        parameters: c.rows.parameters,
        rows_plan: rowsPlan,
        count_plan: countPlan,
        count_share: round(countShare, 3),
      };
      const problems = [
        rowsPlan.seq_scan ? 'page query scans incidents sequentially' : '',
        countPlan.seq_scan ? 'count(*) scans incidents sequentially' : '',
        countShare > 0.5 && countPlan.execution_ms > 5
          ? `count(*) is ${Math.round(countShare * 100)} % of the SQL time (${countPlan.execution_ms} ms)`
          : '',
        rowsPlan.jit ? 'the statement was JIT-compiled' : '',
      ].filter(Boolean);
      if (problems.length) notes.push(`${c.shape.name}: ${problems.join('; ')}.`);
    }

    const directBase = { label: 'same SQL via pg', value: directMixed.per_s, unit: 'req/s' };
    const rows: Row[] = [
      row({
        id: 'complex.mixed.rps',
        label: `list, ${all.length} shapes mixed`,
        value: mixed.rps,
        unit: 'req/s',
        target: { op: '>=', value: 1000 },
        seed: '~100 req/s',
        baseline: directBase,
      }),
      row({ id: 'complex.mixed.p50', label: 'list mixed p50', value: mixed.latency_ms.p50, unit: 'ms' }),
      ...(mixed.timeouts > 0
        ? [
            row({
              id: 'complex.mixed.timeouts',
              label: 'list mixed: requests timed out (30 s)',
              value: mixed.timeouts,
              unit: '',
            }),
          ]
        : []),
      row({
        id: 'complex.mixed.p99',
        label: 'list mixed p99',
        value: mixed.latency_ms.p99,
        unit: 'ms',
        target: { op: '<', value: 100 },
      }),
      row({
        id: 'complex.direct_sql.per_s',
        label: 'same SQL via pg, mixed (baseline)',
        value: directMixed.per_s,
        unit: 'req/s',
      }),
      row({
        id: 'complex.direct_sql.p99',
        label: 'same SQL via pg p99',
        value: directMixed.p99_ms,
        unit: 'ms',
      }),
    ];
    for (const [shape, r] of Object.entries(perShape)) {
      rows.push(
        row({
          id: `complex.${shape}.rps`,
          label: `list ${shape}`,
          value: r.api.rps,
          unit: 'req/s',
          target: { op: '>=', value: 1000 },
          seed: '~100 req/s',
          baseline: { label: 'same SQL via pg', value: r.direct.per_s, unit: 'req/s' },
        }),
        row({
          id: `complex.${shape}.p99`,
          label: `list ${shape} p99`,
          value: r.api.latency_ms.p99,
          unit: 'ms',
          target: { op: '<', value: 100 },
        }),
      );
    }
    for (const [shape, p] of Object.entries(plans)) {
      const plan = p as { rows_plan: { execution_ms: number }; count_plan: { execution_ms: number } };
      rows.push(
        row({
          id: `complex.${shape}.sql_page_ms`,
          label: `EXPLAIN ${shape} page query`,
          value: plan.rows_plan.execution_ms,
          unit: 'ms',
        }),
        row({
          id: `complex.${shape}.sql_count_ms`,
          label: `EXPLAIN ${shape} count(*)`,
          value: plan.count_plan.execution_ms,
          unit: 'ms',
        }),
      );
    }
    return {
      rows,
      checks,
      details: {
        database: name,
        reused,
        generator: meta,
        connections,
        api_pool: POOL_SIZE,
        loads: { mixed, per_shape: perShape, direct_mixed: directMixed },
        plans,
      },
      notes: [
        ...notes,
        `Database ${name}: ${meta.rows.toLocaleString('en-US')} incidents over ${meta.span_days} days (generator v${meta.generator_version}, COPY ${meta.copy_s} s + indexes ${meta.index_s} s).`,
        'The API reads from the primary (no replica configured); the direct-SQL baseline runs the same statement per request (page + capped count as its InitPlan) over a pool of the same size.',
        `total_items is exact up to ${DEFAULT_LIST_LIMITS.countCap.toLocaleString('en-US')} rows (count of at most cap + 1 rows), then reported as the cap with total_exact: false; "count(*)" rows above are that capped count run on its own.`,
        `${connections} concurrent connections; a request unanswered after 30 s counts as a timeout, and before each run the bench waits until the queries of the previous one have left the server.`,
      ],
    };
  },
};
