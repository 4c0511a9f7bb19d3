import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { TEST_SECRETS, startRuntime, testConfig } from '../helpers/runtime.ts';
import { signedHeaders } from '../helpers/webhooks.ts';

const STRICT_SECRET = 'strict-source-secret-0123456789ab';

let seq = 0;
const alertBody = (tag: string) =>
  JSON.stringify({ title: `replay ${tag} ${Date.now()} ${seq++}`, severity: 'medium', alert_type: 'dlp' });

function post(rt: Runtime, source: string, body: string, headers: Record<string, string>) {
  return rt.app.inject({ method: 'POST', url: `/api/v1/webhooks/${source}`, headers, payload: body });
}

describe('webhook replay guard', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startRuntime();
  });
  afterAll(async () => {
    await rt?.stop();
  });

  it("the vendor's identical retry after our 5xx during ingest is accepted (the slot is taken only on commit)", async () => {
    const body = alertBody('retry');
    const headers = signedHeaders(TEST_SECRETS['acme-dlp'], body);
    const spy = vi.spyOn(rt.store, 'ingestMany').mockRejectedValueOnce(new Error('database went away'));
    try {
      const failed = await post(rt, 'acme-dlp', body, headers);
      expect(failed.statusCode, failed.body).toBeGreaterThanOrEqual(500);
    } finally {
      spy.mockRestore();
    }
    const retry = await post(rt, 'acme-dlp', body, headers);
    expect(retry.statusCode, retry.body).toBe(202);
    expect(retry.json().created).toBe(true);
    // Once committed, the same request is a replay.
    const again = await post(rt, 'acme-dlp', body, headers);
    expect(again.statusCode).toBe(401);
    expect(again.json().message).toMatch(/replay/);
  });

  it('two identical concurrent requests: one is accepted, the other refused, one incident', async () => {
    const body = alertBody('concurrent');
    const headers = signedHeaders(TEST_SECRETS['acme-dlp'], body);
    const [a, b] = await Promise.all([
      post(rt, 'acme-dlp', body, headers),
      post(rt, 'acme-dlp', body, headers),
    ]);
    const statuses = [a!.statusCode, b!.statusCode].sort();
    expect(statuses[0]).toBe(202);
    expect([401, 409]).toContain(statuses[1]);
  });
});

describe('require_timestamp on a configured source', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startRuntime(
      testConfig({
        webhooks: { sources: { 'strict-src': { secret: STRICT_SECRET, require_timestamp: true } } },
      }),
    );
  });
  afterAll(async () => {
    await rt?.stop();
  });

  it('a source with require_timestamp refuses a request without X-Webhook-Timestamp (no replay guard without one)', async () => {
    const body = alertBody('no-ts');
    const res = await post(rt, 'strict-src', body, signedHeaders(STRICT_SECRET, body, { noTimestamp: true }));
    expect(res.statusCode, res.body).toBe(401);
    expect(res.json().code).toBe('INVALID_SIGNATURE');
    const headers = signedHeaders(STRICT_SECRET, body);
    const ok = await post(rt, 'strict-src', body, headers);
    expect(ok.statusCode, ok.body).toBe(202);
    // The same signed request again is a replay.
    expect((await post(rt, 'strict-src', body, headers)).statusCode).toBe(401);
  });
});

describe('webhook replay guard across a restart (embedded, same data folder)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-replay-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a request accepted before the restart is refused as a replay after it', async () => {
    const config = testConfig({ data_dir: dir });
    const body = alertBody('restart');
    const headers = signedHeaders(TEST_SECRETS['acme-dlp'], body);
    let rt = await startRuntime(config);
    try {
      expect((await post(rt, 'acme-dlp', body, headers)).statusCode).toBe(202);
    } finally {
      await rt.stop();
    }
    rt = await startRuntime(config);
    try {
      const replay = await post(rt, 'acme-dlp', body, headers);
      expect(replay.statusCode, replay.body).toBe(401);
      expect(replay.json().message).toMatch(/replay/);
    } finally {
      await rt.stop();
    }
  });
});
