// Issue 10 item 5: after an embedded process died with acknowledged incidents still in `new` (its
// in-memory queue lost), the next start triages them at once instead of after stale_after; and the
// reconciler runs with leader election disabled.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { createRuntime, type Role, type Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, testConfig } from '../helpers/runtime.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function runtimeOn(dir: string, role: Role, leaderElection: boolean): Promise<Runtime> {
  const config = testConfig({
    data_dir: dir,
    // The defaults a deployment has: a crash must not cost stale_after (2 minutes) of waiting.
    orchestrator: {
      stale_after: '2m',
      reconcile_interval: '30s',
      leaderElection: { enabled: leaderElection },
    },
  });
  const log = createLogger({ level: config.logging.level, instance: 'test', role });
  const rt = await createRuntime(config, role, log);
  await rt.start({ listen: false });
  return rt;
}

describe.each([true, false])('start-up recovery in embedded mode (leader election %s)', (election) => {
  it('incidents acknowledged but never triaged before the process stopped are triaged on the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-recovery-'));
    dirs.push(dir);
    // An API-only process: it acknowledges (commits) and enqueues into its in-memory queue, which
    // nothing consumes, then goes away — as an embedded process killed before its worker ran.
    const first = await runtimeOn(dir, 'api', election);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await first.app.inject({
        method: 'POST',
        url: '/api/v1/incidents',
        headers: asAdmin(),
        payload: { incident_type: 'malware', source: 'edr', severity: 'high', title: `Beacon ${i}` },
      });
      expect(res.statusCode, res.body).toBe(202);
      ids.push(res.json().incident_id as string);
    }
    await first.stop();

    const second = await runtimeOn(dir, 'all', election);
    try {
      expect(second.leaderJobs).toBeDefined();
      for (const id of ids) {
        const i = await eventually(async () => {
          const row = await second.store.get(id);
          return row?.triaged_at ? row : null;
        }, `incident ${id} triaged after the restart`);
        expect(i.classification).not.toBeNull();
      }
    } finally {
      await second.stop();
    }
  }, 240_000);
});
