/**
 * Scenario 6: leader handover between two orchestrators (the real binary) after SIGTERM (graceful:
 * the leader releases its lease) and after kill -9 (the lease must expire), median of several kills.
 * Handover time = from the signal to the lease key holding the other orchestrator's id, polled in
 * Redis every 20 ms. The killed process is restarted (as a follower) before the next round.
 */
import { Redis } from 'ioredis';
import type { NodeProcess } from '../lib/proc.ts';
import { row, type Check, type Row } from '../lib/result.ts';
import type { RunContext, Scenario, ScenarioOutput } from '../lib/scenario.ts';
import { REDIS_URL } from '../lib/services.ts';
import { isolate, startRole, type Isolation } from '../lib/setup.ts';
import { median, round, sleep } from '../lib/stats.ts';

interface Round {
  signal: 'SIGTERM' | 'SIGKILL';
  from: string;
  to: string;
  handover_ms: number;
  /** When the lease key was first seen empty (released on SIGTERM, expired after kill -9). */
  lease_free_after_ms?: number;
}

export const failover: Scenario = {
  name: 'failover',
  title: 'Leader handover after SIGTERM and after kill -9',
  timeoutMs: (tiny) => (tiny ? 240_000 : 900_000),
  async run(ctx: RunContext): Promise<ScenarioOutput> {
    const tiny = ctx.tiny;
    // Tiny shortens the lease so CI stays quick; the full run uses the seed's timings (the defaults).
    const timings = tiny
      ? { lease: 3000, renew: 2000, retry: 500 }
      : { lease: 15_000, renew: 10_000, retry: 2000 };
    const env: Record<string, string> = {
      TW_ORCHESTRATOR__LEADERELECTION__LEASEDURATION: `${timings.lease}ms`,
      TW_ORCHESTRATOR__LEADERELECTION__RENEWDEADLINE: `${timings.renew}ms`,
      TW_ORCHESTRATOR__LEADERELECTION__RETRYPERIOD: `${timings.retry}ms`,
    };
    const kills = tiny ? 1 : 5;
    const iso: Isolation = await isolate(ctx, 'failover');
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
    redis.on('error', () => {});
    ctx.defer(() => redis.quit().catch(() => redis.disconnect()));
    const leaseKey = `{${iso.prefix}}:leader:orchestrator:lease`;
    // The lease names the elector (`<instance>-<pid>-<random>`, unique per process start): map it back
    // to the instance that holds it.
    const holder = async () => {
      const id = ((await redis.get(leaseKey)) ?? '').split('|')[0] ?? '';
      return [...procs.keys()].find((name) => id.startsWith(`${name}-`)) ?? id;
    };

    const procs = new Map<string, NodeProcess>();
    const start = async (name: string) => {
      const { proc } = await startRole(ctx, 'orchestrator', iso, { name, extraEnv: env });
      procs.set(name, proc);
    };
    await Promise.all([start('orch-a'), start('orch-b')]);

    const rounds: Round[] = [];
    const plan: ('SIGTERM' | 'SIGKILL')[] = [
      ...Array(kills).fill('SIGTERM'),
      ...Array(kills).fill('SIGKILL'),
    ];
    for (const [index, signal] of plan.entries()) {
      ctx.checkpoint();
      // A settled leader first.
      let leader = '';
      const settle = Date.now() + timings.lease + 10 * timings.retry + 10_000;
      while (!procs.has(leader)) {
        if (Date.now() > settle)
          throw new Error(`no leader among ${[...procs.keys()].join(', ')} (lease holds "${leader}")`);
        await sleep(50);
        leader = await holder();
      }
      const victim = procs.get(leader)!;
      const other = [...procs.keys()].find((k) => k !== leader)!;
      ctx.log(`${signal} to leader ${leader}`);
      const t0 = performance.now();
      victim.signal(signal);
      const limit = t0 + timings.lease + 5 * timings.retry + 15_000;
      let now = await holder();
      let released: number | undefined;
      while (now !== other) {
        if (released === undefined && now === '') released = performance.now() - t0;
        if (performance.now() > limit)
          throw new Error(`${other} did not take over within ${Math.round(limit - t0)} ms after ${signal}`);
        await sleep(20);
        now = await holder();
      }
      const handover = performance.now() - t0;
      rounds.push({
        signal,
        from: leader,
        to: other,
        handover_ms: round(handover, 0),
        ...(released !== undefined ? { lease_free_after_ms: round(released, 0) } : {}),
      });
      ctx.log(`handover ${leader} → ${other}: ${Math.round(handover)} ms`);
      await victim.exited;
      procs.delete(leader);
      // Back as a follower for the next round (none after the last).
      if (index < plan.length - 1) await start(leader);
    }
    const term = rounds.filter((r) => r.signal === 'SIGTERM').map((r) => r.handover_ms);
    const kill = rounds.filter((r) => r.signal === 'SIGKILL').map((r) => r.handover_ms);
    const bound = timings.lease + timings.retry;
    const checks: Check[] = [
      {
        name: 'every kill -9 handover within leaseDuration + retryPeriod (+1 s slack)',
        ok: kill.every((ms) => ms <= bound + 1000),
        detail: `${kill.join(', ')} ms; bound ${bound} ms`,
      },
      {
        name: 'a new leader after every SIGTERM',
        ok: term.length === kills,
        detail: `${term.join(', ')} ms`,
      },
    ];
    const seedTimings = 'lease 15 s / renew 10 s / retry 2 s';
    const rows: Row[] = [
      row({
        id: 'failover.sigterm.median',
        label: `handover after SIGTERM, median of ${term.length}`,
        value: median(term) / 1000,
        unit: 's',
        ...(tiny ? {} : { target: { op: '<' as const, value: 3 } }),
        seed: seedTimings,
        baseline: { label: 'retryPeriod', value: timings.retry / 1000, unit: 's' },
      }),
      row({
        id: 'failover.sigterm.max',
        label: 'handover after SIGTERM, max',
        value: Math.max(...term) / 1000,
        unit: 's',
      }),
      row({
        id: 'failover.kill9.median',
        label: `handover after kill -9, median of ${kill.length}`,
        value: median(kill) / 1000,
        unit: 's',
        ...(tiny ? {} : { target: { op: '<=' as const, value: 17 } }),
        seed: seedTimings,
        baseline: { label: 'leaseDuration + retryPeriod', value: bound / 1000, unit: 's' },
      }),
      row({
        id: 'failover.kill9.max',
        label: 'handover after kill -9, max',
        value: Math.max(...kill) / 1000,
        unit: 's',
      }),
    ];
    return {
      rows,
      checks,
      details: { timings_ms: timings, rounds },
      notes: [
        tiny
          ? 'Tiny configuration: lease 3 s / renew 2 s / retry 0.5 s, one kill of each kind.'
          : 'Seed timings (the defaults): leaseDuration 15 s, renewDeadline 10 s, retryPeriod 2 s.',
        'After SIGTERM the leader releases its lease on the way out; the follower takes it at its next retry (≤ retryPeriod). After kill -9 the lease must expire first (≤ leaseDuration since the last renewal) and the follower takes it at its next retry.',
      ],
    };
  },
};
