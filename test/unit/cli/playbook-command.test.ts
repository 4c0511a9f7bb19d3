import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPlaybook } from '../../../src/cli/playbook.command.ts';

const dir = mkdtempSync(join(tmpdir(), 'tw-pb-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(paths: string[], action = 'validate') {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPlaybook(
    { action, paths },
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out, err };
}

describe('triage-warden playbook validate', () => {
  it('ok for the built-ins folder', async () => {
    const r = await run(['playbooks/builtin']);
    expect(r.code).toBe(0);
    expect(r.err).toEqual([]);
    expect(r.out).toHaveLength(5);
  });

  it('prints file:line:column: field: message per error and exits 1', async () => {
    const good = join(dir, 'good.yaml');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(good, 'name: good\nstages:\n  - name: s\n    steps:\n      - { id: a, kind: analyze }\n');
    writeFileSync(
      bad,
      'name: bad\nstages:\n  - name: s\n    steps:\n      - { id: a, kind: analyze, analyzer: gpt }\n',
    );
    const r = await run([good, bad, join(dir, 'missing.yaml')]);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([`ok good ${good}`]);
    expect(r.err[0]).toMatch(
      new RegExp(
        `^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:\\d+: stages\\[0\\]\\.steps\\[0\\]\\.analyzer: "gpt" is not one of`,
      ),
    );
    expect(r.err[1]).toContain('missing.yaml: no such file');
  });

  it('bad usage exits 2', async () => {
    expect((await run([], 'validate')).code).toBe(2);
    expect((await run(['x'], 'lint')).code).toBe(2);
  });
});
