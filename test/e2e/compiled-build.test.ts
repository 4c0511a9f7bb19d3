/**
 * The production form of the binary: the sources compiled with tsconfig.build.json (as `npm run build`
 * and the image do) and run by plain node, no tsx. It starts, serves /ready and stops on SIGTERM; and
 * next to sources newer than itself it refuses to start instead of running stale code.
 * The build goes to a temp copy of the tree, never to the checkout's dist/.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
} from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/harness.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const work = mkdtempSync(join(tmpdir(), 'tw-compiled-'));
const ENTRY = join(work, 'dist', 'cli', 'main.js');

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('TW_') && k !== 'NODE_OPTIONS') env[k] = v;
  return { ...env, ...extra };
}

const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [ENTRY, ...args], { cwd: work, env: cleanEnv(env), encoding: 'utf8' });

function status(url: string): Promise<number> {
  return new Promise((done) => {
    const req = http.get(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(0));
  });
}

beforeAll(() => {
  // The layout of the image: package.json ("type": "module") beside dist/, dependencies resolvable.
  cpSync(join(ROOT, 'src'), join(work, 'src'), { recursive: true });
  for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json'])
    cpSync(join(ROOT, f), join(work, f));
  // The built-in playbooks ship beside dist/ (Dockerfile: COPY playbooks ./playbooks).
  cpSync(join(ROOT, 'playbooks'), join(work, 'playbooks'), { recursive: true });
  // So does the built-in guardrails policy (Dockerfile: COPY policies ./policies).
  cpSync(join(ROOT, 'policies'), join(work, 'policies'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
  // Sources older than the build, whatever the clock did while copying.
  const past = new Date(Date.now() - 60_000);
  for (const rel of readdirSync(join(work, 'src'), { recursive: true, encoding: 'utf8' })) {
    const path = join(work, 'src', rel);
    if (statSync(path).isFile()) utimesSync(path, past, past);
  }
  const tsc = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--noCheck'],
    { cwd: work, encoding: 'utf8' },
  );
  expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the compiled build (production form)', () => {
  it('answers --help and refuses a role without its services, like the sources do', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('triage-warden — security alert triage');
    const api = run(['api']);
    expect(api.status).toBe(2);
    expect(api.stderr).toContain('TW_DATABASE_URL');
  });

  it('start (embedded) reaches /ready and exits 0 on SIGTERM', { timeout: 150_000 }, async () => {
    const dataDir = join(work, 'data');
    const port = await freePort();
    const child = spawn(process.execPath, [ENTRY, 'start'], {
      cwd: work,
      env: cleanEnv({ TW_DATA_DIR: dataDir, TW_PORT: String(port), TW_HOST: '127.0.0.1' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      const deadline = Date.now() + 140_000;
      let ready = 0;
      while (Date.now() < deadline && child.exitCode === null) {
        ready = await status(`http://127.0.0.1:${port}/ready`);
        if (ready === 200) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(ready, output.slice(-2000)).toBe(200);
      expect(output).toContain('Triage Warden (all) is up');
      child.kill('SIGTERM');
      expect(await exited, output.slice(-2000)).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('refuses to start when a source is newer than the build, naming it (exit 2)', () => {
    const source = join(work, 'src', 'cli', 'serve.command.ts');
    appendFileSync(source, '\n');
    const now = new Date();
    utimesSync(source, now, now);
    const stale = run(['--help']);
    expect(stale.status).toBe(2);
    expect(stale.stderr).toContain(join('src', 'cli', 'serve.command.ts'));
    expect(stale.stderr).toContain('npm run build');
    const rebuilt = new Date(now.getTime() + 1000);
    utimesSync(join(work, 'dist', 'cli', 'serve.command.js'), rebuilt, rebuilt);
    expect(run(['--help']).status).toBe(0);
  });
});
