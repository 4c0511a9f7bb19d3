// Issue 10 item 6: two processes configured with the same instance id (containers: same hostname,
// pid 1) both believed they led. The runtime's transport wiring must give each process start its own
// elector id while the configured id stays the display name.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { createRedisTransports } from '../../src/runtime/redis-transports.ts';
import type { Transports } from '../../src/runtime/transports.ts';
import { testConfig } from '../helpers/runtime.ts';
import { requireServices } from '../helpers/services.ts';
import { sleep, waitFor } from '../contract/helpers.ts';

const skip = await requireServices(['redis']);

describe.skipIf(Boolean(skip))('instance ids on Redis', () => {
  const made: Transports[] = [];
  const prefix = `twtest-${randomUUID().slice(0, 8)}`;
  afterAll(async () => {
    for (const t of made) await t.elector.stop();
    const [first] = made;
    if (first) {
      for (const t of made.slice(1)) await t.close();
      await first.close();
    }
  });

  it('two runtimes with the same server.instance_id get distinct elector ids and one leader', async () => {
    const config = testConfig({
      server: { instance_id: 'worker-1' },
      redis: { url: 'redis://127.0.0.1:6379', key_prefix: prefix },
      orchestrator: {
        leaderElection: { leaseDuration: '1500ms', renewDeadline: '1s', retryPeriod: '200ms' },
      },
    });
    const log = createLogger({ level: 'silent', instance: 'test', role: 'orchestrator' });
    for (let i = 0; i < 2; i++) made.push(await createRedisTransports(config, log));
    const [a, b] = made.map((t) => t.elector) as [Transports['elector'], Transports['elector']];
    expect(a.id).not.toBe(b.id);
    expect(a.id.startsWith('worker-1-')).toBe(true);
    await a.start();
    await b.start();
    await waitFor(() => [a, b].filter((e) => e.state().isLeader).length === 1, { what: 'one leader' });
    const until = Date.now() + 2500;
    while (Date.now() < until) {
      expect([a, b].filter((e) => e.state().isLeader)).toHaveLength(1);
      await sleep(50);
    }
  });
});
