import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAlerts } from '../../src/cli/demo/samples.ts';
import { TEST_ADMIN_KEY, asAdmin } from '../helpers/auth.ts';

/**
 * The real binary, as a new user runs it: `triage-warden start` on an empty folder, the demo
 * against it, metrics, SIGTERM, a restart on the same folder, and the CLI's refusals.
 * Every process is spawned with a clean environment (no TW_* from the caller).
 */

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'triage-warden.js');
const GRACE_S = 10;
/** Loading the sources through tsx takes seconds on a busy machine; starts get generous time. */
const START_TIMEOUT = 150_000;

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('TW_') && k !== 'NODE_OPTIONS') env[k] = v;
  return { ...env, ...extra };
}

class Proc {
  stdout = '';
  stderr = '';
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: (() => void)[] = [];

  constructor(
    readonly args: string[],
    readonly env: Record<string, string>,
    readonly child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  ) {
    running.add(this);
    child.stdout!.on('data', (d: Buffer) => {
      this.stdout += d.toString();
      this.wake();
    });
    child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      this.wake();
    });
    this.exited = new Promise((r) =>
      child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        this.wake();
        r(this.exit);
      }),
    );
  }

  get output() {
    return `--- stdout\n${this.stdout.slice(-3000)}\n--- stderr\n${this.stderr.slice(-3000)}`;
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /**
   * Resolves with the first match of `re` in stderr (where the human banner goes when stdout is not
   * a terminal); rejects if the process exits first or time runs out.
   */
  async waitFor(re: RegExp, timeoutMs = START_TIMEOUT): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.stderr);
      if (m) return m;
      if (this.exit)
        throw new Error(
          `${this.args.join(' ')} exited (${JSON.stringify(this.exit)}) before printing ${re}\n${this.output}`,
        );
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${re}\n${this.output}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
}

const running = new Set<Proc>();
const run = async (args: string[], env: Record<string, string> = {}) => {
  const p = new Proc(args, env);
  await p.exited;
  return p;
};

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'tw-e2e-'));
});
afterAll(async () => {
  for (const p of running) p.child.kill('SIGKILL');
  await Promise.all([...running].map((p) => p.exited));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the CLI refuses clearly without starting anything', () => {
  it('--help, a command help, api/orchestrator without PostgreSQL and Redis, a bad config value, an unknown command', async () => {
    const [help, startHelp, api, orchestrator, badPort, unknown] = await Promise.all([
      run(['--help']),
      run(['start', '--help']),
      run(['api'], { TW_DATA_DIR: dataDir }),
      run(['orchestrator'], { TW_DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db' }),
      run(['start'], { TW_PORT: 'abc', TW_DATA_DIR: dataDir }),
      run(['frobnicate']),
    ]);
    expect(help.exit?.code, help.output).toBe(0);
    expect(help.stdout).toMatch(/Usage: triage-warden <command>/);
    for (const cmd of ['start', 'api', 'orchestrator', 'migrate', 'demo']) expect(help.stdout).toContain(cmd);
    expect(help.stdout).toContain('--version');

    expect(startHelp.exit?.code).toBe(0);
    expect(startHelp.stdout).toMatch(/triage-warden start/);

    expect(api.exit?.code, api.output).not.toBe(0);
    expect(api.stderr).toMatch(/TW_DATABASE_URL/);
    expect(api.stderr).toMatch(/TW_REDIS_URL/);
    expect(api.stderr).toMatch(/triage-warden start/); // says what to do instead
    expect(orchestrator.exit?.code).not.toBe(0);
    expect(orchestrator.stderr).toMatch(/TW_REDIS_URL/);
    expect(orchestrator.stderr).not.toMatch(/TW_DATABASE_URL \(/); // that one was given

    expect(badPort.exit?.code, badPort.output).toBe(2);
    expect(badPort.stderr).toMatch(/server\.port/);
    expect(badPort.stderr).toMatch(/TW_PORT/);

    expect(unknown.exit?.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command: frobnicate/);

    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
    for (const args of [['--version'], ['-v'], ['version']]) {
      const v = await run(args);
      expect(v.exit?.code, v.output).toBe(0);
      expect(v.stdout).toBe(`triage-warden ${version}\n`);
    }

    // None of them touched the data folder beyond reading config.
    expect(existsSync(join(dataDir, 'triage-warden.lock'))).toBe(false);
  }, 180_000);
});

describe('start → demo → metrics → SIGTERM → restart on the same folder', () => {
  const env = () => ({
    TW_DATA_DIR: dataDir,
    TW_PORT: '0',
    TW_HOST: '127.0.0.1',
    TW_LOG_LEVEL: 'warn',
    TW_ADMIN_API_KEY: TEST_ADMIN_KEY,
    TW_SERVER__SHUTDOWN_GRACE: `${GRACE_S}s`,
  });
  let server: Proc;
  let url: string;
  let demoIds: string[] = [];
  let totalBefore = 0;

  const getJson = async (path: string) => {
    const res = await fetch(`${url}${path}`, { headers: asAdmin() });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it(
    'start prints the API URL; /ready answers 200',
    async () => {
      server = new Proc(['start'], env());
      const m = await server.waitFor(/API:\s+(http:\/\/\S+)\/api\/v1\/incidents/);
      url = m[1]!;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.stderr).toMatch(/storage: pglite, transport: in-process/);
      expect(server.stderr).toContain(dataDir);
      // stdout is not a terminal here: it carries the JSON logs only, the banner went to stderr.
      expect(server.stdout).not.toMatch(/Triage Warden|API:/);
      for (const line of server.stdout.split('\n').filter(Boolean))
        expect(() => JSON.parse(line), line).not.toThrow();
      expect(JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8'))).toEqual({
        url,
        pid: server.child.pid,
      });
      const ready = await getJson('/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ready');
      expect(existsSync(join(dataDir, 'webhook-secrets.json'))).toBe(true);
    },
    START_TIMEOUT + 30_000,
  );

  it(
    'a second start on the same folder exits non-zero naming the folder',
    async () => {
      const second = await run(['start'], env());
      expect(second.exit?.code, second.output).not.toBe(0);
      expect(second.stdout + second.stderr).toContain(dataDir);
      expect(second.stderr).toMatch(/in use/);
      // The first one is unharmed.
      expect(server.exit).toBeUndefined();
      expect((await getJson('/ready')).status).toBe(200);
    },
    START_TIMEOUT,
  );

  it('demo exits 0 and prints a verdict line per alert sent; every demo incident has a verdict over GET', async () => {
    const expected = demoAlerts();
    const demo = await run(['demo', '--url', url], { TW_DATA_DIR: dataDir, TW_LOG_LEVEL: 'warn' });
    expect(demo.exit?.code, demo.output).toBe(0);
    expect(demo.stderr, demo.output).not.toMatch(/HTTP 401/);
    const sent = [...demo.stdout.matchAll(/^sent (\S+)\s+→ incident ([0-9a-f-]{36})/gm)];
    expect(sent.map((m) => m[1])).toEqual(expected.map((a) => a.source));
    demoIds = sent.map((m) => m[2]!);
    // The table: one row per sent alert, each with a verdict and confidence.
    const rows = demo.stdout
      .split('\n')
      .filter((l) =>
        /^\S+\s+(info|low|medium|high|critical)\s+(malicious|suspicious|benign|inconclusive) \(\d\.\d\d\)/.test(
          l,
        ),
      );
    expect(rows.map((r) => r.split(/\s+/)[0])).toEqual(expected.map((a) => a.source));
    expect(demo.stdout).not.toMatch(/not triaged yet/);

    for (const id of demoIds) {
      const { status, body } = await getJson(`/api/v1/incidents/${id}`);
      expect(status).toBe(200);
      const verdict = body.verdict as { classification: string; confidence: number } | null;
      expect(verdict, `verdict of ${id}`).not.toBeNull();
      expect(['malicious', 'suspicious', 'benign', 'inconclusive']).toContain(verdict!.classification);
    }
    const list = await getJson('/api/v1/incidents?per_page=200');
    totalBefore = (list.body.pagination as { total_items: number }).total_items;
    expect(totalBefore).toBe(expected.length);
  }, 180_000);

  it('/metrics exposes the ingest counter and the request histogram', async () => {
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    const ingested = [...text.matchAll(/^tw_incidents_ingested_total\{[^}]*\} (\d+)/gm)].reduce(
      (s, m) => s + Number(m[1]),
      0,
    );
    expect(ingested).toBe(demoIds.length);
    expect(text).toMatch(
      /^http_request_duration_seconds_bucket\{(?=[^}]*route="\/api\/v1\/webhooks\/:source")(?=[^}]*status_code="202")[^}]*\} \d+/m,
    );
    expect(text).toMatch(/^http_request_duration_seconds_count\{/m);
  });

  it(`SIGTERM exits 0 within the grace period (${GRACE_S}s) and frees the folder`, async () => {
    const t0 = Date.now();
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    const seconds = (Date.now() - t0) / 1000;
    expect(exit, server.output).toEqual({ code: 0, signal: null });
    expect(seconds).toBeLessThan(GRACE_S + 5);
    expect(existsSync(join(dataDir, 'triage-warden.lock'))).toBe(false);
    expect(existsSync(join(dataDir, 'server.json'))).toBe(false);
    // No server on the folder now: the demo says where it tried and how to point it elsewhere.
    const demo = await run(['demo', '--no-wait'], { TW_DATA_DIR: dataDir, TW_PORT: '1' });
    expect(demo.exit?.code, demo.output).toBe(1);
    expect(demo.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1 \(from TW_PORT/);
    expect(demo.stderr).toMatch(/pass --url http:\/\/<host>:<port> or set TW_PORT/);
  }, 60_000);

  it(
    'migrate and start again on the same folder: migrations are harmless, the incidents are still there',
    async () => {
      const migrate = await run(['migrate'], { TW_DATA_DIR: dataDir, TW_LOG_LEVEL: 'warn' });
      expect(migrate.exit?.code, migrate.output).toBe(0);
      expect(migrate.stdout).toMatch(/up to date/);

      server = new Proc(['start'], env());
      url = (await server.waitFor(/API:\s+(http:\/\/\S+)\/api\/v1\/incidents/))[1]!;
      expect((await getJson('/ready')).status).toBe(200);
      const list = await getJson('/api/v1/incidents?per_page=200');
      expect((list.body.pagination as { total_items: number }).total_items).toBe(totalBefore);
      for (const id of demoIds) {
        const { status, body } = await getJson(`/api/v1/incidents/${id}`);
        expect(status).toBe(200);
        expect(body.verdict).not.toBeNull();
      }
      // The local secrets survived too: a second demo run is accepted (new incidents, since ids embed the time).
      // Without --url it finds the server (on a random port: TW_PORT=0) through TW_DATA_DIR/server.json.
      const demo = await run(['demo', '--no-wait'], {
        TW_DATA_DIR: dataDir,
        TW_LOG_LEVEL: 'warn',
      });
      expect(demo.exit?.code, demo.output).toBe(0);
      expect(demo.stdout).toMatch(/^sent \S+\s+→ incident /m);
      server.child.kill('SIGTERM');
      expect(await server.exited).toEqual({ code: 0, signal: null });
    },
    START_TIMEOUT + 120_000,
  );
});
