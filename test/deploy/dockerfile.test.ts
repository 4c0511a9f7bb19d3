// The image (no Docker engine here, so the Dockerfile is checked as text): multi-stage npm ci build,
// the compiled build (dist/) on production dependencies, node:20-bookworm-slim runtime, tini as
// PID 1, non-root, read-only friendly, /live health check, one image whose command is the role;
// .dockerignore keeps secrets and dev files out.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, readText } from './helpers.ts';

interface Instr {
  op: string;
  args: string;
}
function instructions(text: string): Instr[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

const all = instructions(readText('Dockerfile'));
const args = Object.fromEntries(
  all.filter((i) => i.op === 'ARG').map((i) => i.args.split('=') as [string, string]),
);
const stages: { from: string; name: string; body: Instr[] }[] = [];
for (const i of all) {
  if (i.op === 'FROM') {
    const [image, , name] = i.args.split(/\s+/);
    stages.push({
      from: image!.replace(/\$\{(\w+)\}/g, (_m, a: string) => args[a] ?? ''),
      name: name ?? '',
      body: [],
    });
  } else if (stages.length) stages[stages.length - 1]!.body.push(i);
}
const runtime = stages[stages.length - 1]!;
const get = (op: string) => runtime.body.filter((i) => i.op === op).map((i) => i.args);

describe('Dockerfile', () => {
  it('builds dependencies with npm ci in a separate stage and runs on node:20-bookworm-slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const deps = stages.find((s) => s.name === 'deps')!;
    expect(deps.body.some((i) => i.op === 'RUN' && /npm ci --omit=dev/.test(i.args))).toBe(true);
    expect(deps.body.some((i) => i.op === 'COPY' && /package\.json package-lock\.json/.test(i.args))).toBe(
      true,
    );
    for (const s of stages) expect(s.from).toBe('node:20-bookworm-slim');
    expect(get('COPY').some((a) => a.startsWith('--from=deps /app/node_modules'))).toBe(true);
  });

  it('compiles the sources in a build stage and ships only dist/, without sources or tsx', () => {
    const build = stages.find((s) => s.name === 'build')!;
    const runs = build.body.filter((i) => i.op === 'RUN').map((i) => i.args);
    // All dependencies (TypeScript is a dev dependency), then the same build as `npm run build`.
    expect(runs.some((a) => /npm ci(?!.*--omit=dev)/.test(a))).toBe(true);
    expect(runs).toContain('npm run build');
    const pkg = JSON.parse(readText('package.json')) as {
      type: string;
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json');
    expect(readText('tsconfig.build.json')).toMatch(/"outDir":\s*"dist"/);
    // The runtime copies the compiled tree and package.json ("type": "module" for dist/*.js) only:
    // with no src/ beside dist/, the stale-build check of the entry has nothing to compare.
    expect(pkg.type).toBe('module');
    const copies = get('COPY');
    expect(copies).toContain('--from=build /app/dist ./dist');
    expect(copies).toContain('package.json ./');
    expect(copies.some((a) => /^(\.|src)\s/.test(a))).toBe(false);
    // The build makes a migrated embedded database with the compiled migrate; new data folders copy it.
    // Root owns it and it is owner-only as made: the app user (1000) could not read it without a+rX.
    expect(runs).toContainEqual(
      expect.stringMatching(
        /^TW_DATA_DIR=\/app\/pglite-template TW_LOG_LEVEL=warn node dist\/cli\/main\.js migrate\s+&& chmod -R a\+rX \/app\/pglite-template$/,
      ),
    );
    expect(copies).toContain('--from=build /app/pglite-template ./pglite-template');
    expect(get('ENV').join(' ')).toMatch(/TW_DATABASE__PGLITE_TEMPLATE=\/app\/pglite-template/);
    // tsx runs the sources in development only; `npm ci --omit=dev` leaves it out.
    expect(pkg.dependencies.tsx).toBeUndefined();
  });

  it('runs as a numeric non-root user under tini, the role being the command', () => {
    const user = get('USER').at(-1)!;
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(get('RUN').some((a) => /apt-get install .*\btini\b/.test(a))).toBe(true);
    const entrypoint = JSON.parse(get('ENTRYPOINT')[0]!) as string[];
    expect(entrypoint.slice(0, 2)).toEqual(['/usr/bin/tini', '--']);
    // The compiled form of the program that package.json's bin runs from the sources in development.
    const pkg = JSON.parse(readText('package.json')) as { bin: Record<string, string> };
    expect(readText(pkg.bin['triage-warden']!)).toContain("import('../src/cli/main.ts')");
    expect(entrypoint.slice(2)).toEqual(['node', 'dist/cli/main.js']);
    expect(JSON.parse(get('CMD')[0]!)).toEqual(['start']);
  });

  it('keeps writable paths to volumes (read-only root filesystem) and checks /live', () => {
    expect(JSON.parse(get('VOLUME')[0]!)).toEqual(['/var/lib/triage-warden', '/tmp']);
    const env = get('ENV').join(' ');
    expect(env).toMatch(/TW_DATA_DIR=\/var\/lib\/triage-warden/);
    expect(env).toMatch(/TMPDIR=\/tmp/);
    expect(get('EXPOSE')).toContain('8080');
    const hc = get('HEALTHCHECK')[0]!;
    expect(hc).toMatch(/CMD node -e .*\/live/);
    expect(hc).toMatch(/TW_PORT/);
  });

  it.skipIf(!existsSync(join(ROOT, 'bin/triage-warden.js')))(
    'the entrypoint script exists (skipped until the CLI lands)',
    () => {
      expect(existsSync(join(ROOT, 'bin/triage-warden.js'))).toBe(true);
    },
  );
});

describe('.dockerignore', () => {
  const lines = readText('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const excluded = (path: string) =>
    lines.some(
      (p) => p === path || p === `**/${path}` || (p.endsWith('*') && path.startsWith(p.slice(0, -1))),
    );

  it('keeps VCS data, local dependencies, data, tests and secrets out of the image', () => {
    for (const p of ['.git', 'node_modules', 'data', 'test', '.env', '.env.local', 'coverage', 'tmp'])
      expect(excluded(p), p).toBe(true);
  });
  it('keeps what the runtime needs', () => {
    for (const p of ['package.json', 'package-lock.json', 'src', 'tsconfig.json', 'tsconfig.build.json'])
      expect(excluded(p), p).toBe(false);
  });
  it('leaves a local dist/ out: the image compiles its own', () => {
    expect(excluded('dist')).toBe(true);
  });
});
