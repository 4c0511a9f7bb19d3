import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPolicy } from '../../../src/cli/policy.command.ts';

const dir = mkdtempSync(join(tmpdir(), 'tw-policy-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(paths: string[], action = 'validate') {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPolicy(
    { action, paths },
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out, err };
}

describe('triage-warden policy validate', () => {
  it('ok for the built-in guardrails', async () => {
    const r = await run(['policies/guardrails.yaml']);
    expect(r).toMatchObject({ code: 0, err: [] });
    expect(r.out[0]).toMatch(/^ok policies\/guardrails\.yaml: 4 deny list\(s\)/);
  });

  it('prints file:line:column: field: message per error and exits 1', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'rate_limits:\n  isolate_host: { per_hour: ten }\napproval_rules:\n  - name: x\n    level: boss\n',
    );
    const r = await run([bad, join(dir, 'missing.yaml')]);
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      `${bad}:2:29: rate_limits.isolate_host.per_hour: must be an integer from 0 to 1000000`,
      expect.stringMatching(
        new RegExp(
          `^${bad.replace(/[.\\]/g, '\\$&')}:5:12: approval_rules\\[0\\]\\.level: "boss" is not one of`,
        ),
      ),
      `${join(dir, 'missing.yaml')}: no such file`,
    ]);
  });

  it('exits 2 on bad usage', async () => {
    expect((await run([], 'validate')).code).toBe(2);
    expect((await run(['x'], 'check')).code).toBe(2);
  });
});
