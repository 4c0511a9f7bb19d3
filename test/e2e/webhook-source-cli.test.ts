import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startRuntime, testConfig } from '../helpers/runtime.ts';
import { signedHeaders } from '../helpers/webhooks.ts';

/** `triage-warden webhook-source …` on an embedded data folder, then a server on that folder. */

const run = promisify(execFile);
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'triage-warden.js');
const dir = mkdtempSync(join(tmpdir(), 'tw-whcli-'));

function env(): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('TW_') && k !== 'NODE_OPTIONS') out[k] = v;
  return { ...out, TW_DATA_DIR: dir, TW_LOG_LEVEL: 'warn' };
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'webhook-source', ...args], {
      env: env(),
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('triage-warden webhook-source', () => {
  it('add prints the secret once; list never shows it; a server on the folder accepts it; disable refuses it', async () => {
    const added = await cli('add', 'acme-edr', '--rate-limit', '100');
    expect(added.code, added.stderr).toBe(0);
    const secret = /secret \(shown once[^)]*\): ([0-9a-f]{64})/.exec(added.stdout)?.[1];
    expect(secret, added.stdout).toBeDefined();
    expect(statSync(join(dir, 'webhook-encryption.key')).mode & 0o777).toBe(0o600);

    const list = await cli('list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/acme-edr\s+database\s+enabled, signed, timestamp required, 100\/min/);
    expect(list.stdout).not.toContain(secret!);

    const again = await cli('add', 'acme-edr');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists already/);
    expect((await cli('rotate', 'nope')).stderr).toMatch(/no such webhook source/);

    const rt = await startRuntime(testConfig({ data_dir: dir }));
    try {
      const body = JSON.stringify({ title: `cli source ${Date.now()}`, severity: 'high' });
      const res = await rt.app.inject({
        method: 'POST',
        url: '/api/v1/webhooks/acme-edr',
        headers: signedHeaders(secret!, body),
        payload: body,
      });
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json().incident.source).toBe('acme-edr');
    } finally {
      await rt.stop();
    }

    const disabled = await cli('disable', 'acme-edr');
    expect(disabled.stdout).toMatch(/DISABLED/);
  }, 300_000);
});
