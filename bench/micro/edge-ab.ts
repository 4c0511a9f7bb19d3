/**
 * A/B of the API's CPU per request on `GET /api/v1/incidents/:id` with a real API key (the
 * simple-endpoint load, rate limits on), for this tree's compiled build beside another build — the
 * figure that throughput follows, and one that other work on the machine disturbs far less than
 * req/s. Both API processes run at once on one database and Redis prefix; short autocannon loads
 * alternate between them; each process's CPU time (/proc) over a load divided by the answers it gave
 * is its cost per request. The bare Fastify baseline of the bench is measured the same way.
 *
 *   node --import tsx bench/micro/edge-ab.ts --baseline <dir holding cli/main.js> [--baseline <another>] [--rounds 4] [--seconds 3] [--profile]
 *
 * `--profile` writes each API process's CPU profile (node --cpu-prof) under the run's log folder.
 *
 * A baseline build of another checkout: `git archive <commit> src package.json tsconfig.json
 * tsconfig.build.json | tar -x -C /tmp/base`, link node_modules into it, then in /tmp/base
 * `node node_modules/typescript/bin/tsc -p tsconfig.build.json --noCheck --outDir /tmp/base/dist`.
 * Needs PostgreSQL and Redis as the bench does. Absolute figures depend on the load of the machine.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBuild } from '../lib/build.ts';
import { runLoad } from '../lib/load.ts';
import { NodeProcess, REPO_ROOT, cleanEnv, cpuSecondsOf, freePorts, killAllChildren } from '../lib/proc.ts';
import { createApiKey, seedIncidents } from '../scenarios/simple-endpoint.ts';
import {
  checkServices,
  createMigratedDatabase,
  deleteRedisKeys,
  distributedEnv,
  dropDatabase,
  suffix,
} from '../lib/services.ts';

/** CPU seconds of this process's finished children (the load generators), from /proc/self/stat. */
function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // cutime, cstime
}

const { values } = parseArgs({
  options: {
    baseline: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    profile: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const logDir = join(REPO_ROOT, 'tmp', 'bench', `edge-ab-${new Date().toISOString().replace(/[:.]/g, '-')}`);
mkdirSync(logDir, { recursive: true });

await checkServices();
const build = await ensureBuild((m) => console.error(m));
const id = suffix();
const dbName = `tw_bench_edgeab_${id}`;
const prefix = `twb${id}`;
await createMigratedDatabase(dbName);
const procs: NodeProcess[] = [];

async function api(name: string, entry: string): Promise<NodeProcess> {
  const [port] = await freePorts(1);
  const proc = new NodeProcess({
    name,
    script: entry,
    args: ['api'],
    env: cleanEnv(distributedEnv({ dbName, prefix, port: port!, instance: name })),
    logFile: join(logDir, `${name}.log`),
    port: port!,
    nodeArgs: values.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(logDir, 'profiles', name)}`] : [],
  });
  procs.push(proc);
  await proc.waitReady(90_000);
  return proc;
}

try {
  const servers: { name: string; proc: NodeProcess; us: number[]; rps: number[]; loadUs: number[] }[] = [];
  servers.push({ name: 'this', proc: await api('this', build.entry), us: [], rps: [], loadUs: [] });
  for (const [i, dir] of (values.baseline ?? []).entries()) {
    const name = `baseline ${i + 1}`;
    servers.push({
      name,
      proc: await api(`baseline-${i + 1}`, join(resolve(dir), 'cli', 'main.js')),
      us: [],
      rps: [],
      loadUs: [],
    });
  }
  const [barePort] = await freePorts(1);
  const bare = new NodeProcess({
    name: 'bare',
    script: build.bareFastify,
    env: cleanEnv({ BENCH_PORT: String(barePort) }),
    logFile: join(logDir, 'bare.log'),
    port: barePort!,
  });
  procs.push(bare);
  await bare.waitReady(60_000);
  servers.push({ name: 'bare Fastify', proc: bare, us: [], rps: [], loadUs: [] });

  const first = servers[0]!.proc;
  const ids = await seedIncidents(first.url, 20);
  const headers = { authorization: `Bearer ${await createApiKey(first.url, 'edge-ab')}` };
  for (let r = 0; r < rounds; r++) {
    for (const s of servers) {
      const paths = s.name === 'bare Fastify' ? ['/'] : ids.map((i) => `/api/v1/incidents/${i}`);
      const before = cpuSecondsOf(s.proc.pid);
      const loadBefore = childrenCpuSeconds();
      const res = await runLoad(
        {
          url: s.proc.url,
          connections,
          durationS: seconds,
          warmupS: r === 0 ? 1 : 0,
          mode: { kind: 'get', paths },
          headers,
        },
        logDir,
        `${s.name.replace(/\W+/g, '-')}-${r}`,
      );
      const used = cpuSecondsOf(s.proc.pid) - before;
      const loadUsed = childrenCpuSeconds() - loadBefore;
      if (res.non2xx || res.errors)
        throw new Error(`${s.name}: ${JSON.stringify(res.status_codes)}, ${res.errors} errors`);
      // The warm-up's answers are not in res.ok: only count rounds without one.
      if (r > 0) {
        s.us.push((used * 1e6) / res.ok);
        // The load generator's warm-up is in its CPU too: only rounds without one count (as here).
        s.loadUs.push((loadUsed * 1e6) / res.ok);
        s.rps.push(res.rps);
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`${rounds - 1} measured rounds of ${seconds} s x ${connections} connections (medians)`);
  for (const s of servers)
    console.log(
      `${s.name.padEnd(13)} ${median(s.us).toFixed(1)} µs CPU per request, load generator ${median(s.loadUs).toFixed(1)} µs ` +
        `(${Math.round(median(s.rps))} req/s under today's load)`,
    );
  // When server and load generator share the cores and use them fully (the bench on an idle 2-core
  // machine), throughput goes as 1 / (their CPU per request together): the share of bare it predicts.
  const bareRow = servers.at(-1)!;
  const whole = (s: (typeof servers)[number]) => median(s.us) + median(s.loadUs);
  for (const s of servers.slice(0, -1))
    console.log(
      `${s.name.padEnd(13)} predicted share of bare Fastify: ${((whole(bareRow) / whole(s)) * 100).toFixed(1)} %`,
    );
} finally {
  await Promise.allSettled(procs.map((p) => p.stop()));
  killAllChildren();
  await deleteRedisKeys(prefix).catch(() => undefined);
  await dropDatabase(dbName).catch(() => undefined);
}
