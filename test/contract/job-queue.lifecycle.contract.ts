import { describe, expect, it } from 'vitest';
import type { JobHandler } from '../../src/ports/index.ts';
import { deferred, settlesWithin, sleep, waitFor } from './helpers.ts';
import { FAST, idle, recorder } from './job-queue.helpers.ts';
import type { JobQueueHarness, Run } from './job-queue.helpers.ts';

/** Part of the JobQueue contract: pause/resume, close with grace and hand-back, several workers. */
export function describeJobQueueLifecycle(harness: () => JobQueueHarness): void {
  describe('lifecycle', () => {
    it('pause stops new starts without waiting for or stopping running jobs; resume restarts', async () => {
      const q = await harness().create({ retry: FAST });
      const gate = deferred();
      const runs: Run[] = [];
      const finished: string[] = [];
      q.process(
        recorder(runs, async (job) => {
          if (job.id === 'a') await gate.promise;
          finished.push(job.id);
        }),
        { concurrency: 2 },
      );
      await q.enqueue('triage', 'a', {});
      await waitFor(() => runs.length === 1);
      expect(await settlesWithin(q.pause(), 1000)).toBe(true);
      await q.enqueue('triage', 'b', {});
      await sleep(200);
      expect(runs.map((r) => r.id)).toEqual(['a']);
      gate.resolve();
      await waitFor(() => finished.includes('a'), { what: 'running job to finish while paused' });
      await sleep(150);
      expect(runs.map((r) => r.id)).toEqual(['a']);
      expect((await q.counts()).waiting).toBe(1);
      await q.resume();
      await waitFor(() => finished.includes('b'), { what: 'job b after resume' });
    });

    it('close({ graceMs }) waits for running jobs that finish within the grace', async () => {
      const q = await harness().create({ retry: FAST });
      const observer = await harness().create({ retry: FAST });
      let aborted = false;
      let started = false;
      let finished = false;
      q.process(
        async (_job, signal) => {
          started = true;
          signal.addEventListener('abort', () => (aborted = true));
          await sleep(200);
          finished = true;
        },
        { concurrency: 1 },
      );
      await q.enqueue('triage', 'a', {});
      // Running means the handler started: a job already active in Redis whose fetch reply has not
      // reached the worker yet is handed back unrun, which is also correct.
      await waitFor(async () => started, { what: 'running job' });
      await q.close({ graceMs: 3000 });
      expect(finished).toBe(true);
      expect(aborted).toBe(false);
      expect(await observer.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    });

    it('close({ graceMs }) aborts jobs still running after the grace and hands them to another worker', async () => {
      const q1 = await harness().create({ retry: FAST });
      let abortedAt = 0;
      q1.process(
        (_job, signal) =>
          new Promise<void>((_resolve, reject) => {
            signal.addEventListener('abort', () => {
              abortedAt = Date.now();
              reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
            });
          }),
        { concurrency: 1 },
      );
      await q1.enqueue('triage', 'x', { n: 7 });
      await waitFor(async () => (await q1.counts()).active === 1, { what: 'active job' });
      const closeStarted = Date.now();
      await q1.close({ graceMs: 200 });
      expect(abortedAt).toBeGreaterThanOrEqual(closeStarted + 190);

      const q2 = await harness().create({ retry: FAST });
      const runs: Run[] = [];
      q2.process(recorder(runs), { concurrency: 1 });
      await waitFor(() => runs.length === 1, { timeoutMs: 5000, what: 'redelivery to the second worker' });
      expect(runs[0]).toMatchObject({ id: 'x', payload: { n: 7 } });
      expect(runs[0]!.attempt).toBeGreaterThanOrEqual(2);
      await idle(q2);
      expect((await q2.counts()).failed).toBe(0);
    });

    it('close is idempotent and the closed instance takes no more jobs', async () => {
      const q1 = await harness().create({ retry: FAST });
      const q2 = await harness().create({ retry: FAST });
      const runs: Run[] = [];
      q1.process(recorder(runs), { concurrency: 1 });
      await q1.close();
      await q1.close({ graceMs: 10 });
      await q2.enqueue('triage', 'y', {});
      await sleep(250);
      expect(runs).toHaveLength(0);
      expect((await q2.counts()).waiting).toBe(1);
    });

    it('process() called twice on one instance throws', async () => {
      const q = await harness().create({ retry: FAST });
      q.process(async () => {}, { concurrency: 1 });
      expect(() => q.process(async () => {}, { concurrency: 1 })).toThrow();
    });

    it('two instances on one backend share the work and run each job once', async () => {
      const q1 = await harness().create({ retry: FAST });
      const q2 = await harness().create({ retry: FAST });
      const byWorker = { q1: 0, q2: 0 };
      const perId = new Map<string, number>();
      const handler =
        (worker: 'q1' | 'q2'): JobHandler =>
        async (job) => {
          byWorker[worker] += 1;
          perId.set(job.id, (perId.get(job.id) ?? 0) + 1);
          await sleep(40);
        };
      q1.process(handler('q1'), { concurrency: 2 });
      q2.process(handler('q2'), { concurrency: 2 });
      for (let i = 0; i < 12; i += 1) await (i % 2 ? q1 : q2).enqueue('triage', `w${i}`, { i });
      await waitFor(() => perId.size === 12, { timeoutMs: 5000, what: '12 distinct jobs' });
      await idle(q1);
      await sleep(100);
      expect([...perId.values()].every((n) => n === 1)).toBe(true);
      expect(byWorker.q1 + byWorker.q2).toBe(12);
      expect(byWorker.q1).toBeGreaterThan(0);
      expect(byWorker.q2).toBeGreaterThan(0);
    });
  });
}
