import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PermanentJobError } from '../../src/contracts/index.ts';
import type { JobHandler, JobRecord } from '../../src/ports/index.ts';
import { deferred, sleep, waitFor } from './helpers.ts';
import { FAST, idle, recorder } from './job-queue.helpers.ts';
import type { JobQueueHarness, Run } from './job-queue.helpers.ts';
import { describeJobQueueKinds } from './job-queue.kinds.contract.ts';
import { describeJobQueueLifecycle } from './job-queue.lifecycle.contract.ts';

export type { JobQueueHarness } from './job-queue.helpers.ts';

export function describeJobQueueContract(name: string, factory: () => Promise<JobQueueHarness>): void {
  describe(`JobQueue contract: ${name}`, () => {
    let h: JobQueueHarness;
    beforeEach(async () => {
      h = await factory();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('enqueue is idempotent by id while the job is waiting or delayed', async () => {
      const q = await h.create({ retry: FAST });
      expect(await q.enqueue('triage', 'a', { n: 1 })).toEqual({ added: true });
      expect(await q.enqueue('triage', 'a', { n: 2 })).toEqual({ added: false });
      expect(await q.enqueue('triage', 'd', { n: 3 }, { delayMs: 10_000 })).toEqual({ added: true });
      expect(await q.enqueue('triage', 'd', { n: 4 })).toEqual({ added: false });
      expect(await q.counts()).toEqual({ waiting: 1, active: 0, delayed: 1, failed: 0 });

      const runs: Run[] = [];
      q.process(recorder(runs), { concurrency: 2 });
      await waitFor(() => runs.length >= 1);
      await sleep(150);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ id: 'a', attempt: 1, payload: { n: 1 } });
    });

    it('enqueueMany adds each job as consecutive enqueue calls would (one job per id), in one call', async () => {
      const q = await h.create({ retry: FAST });
      expect(await q.enqueueMany([])).toEqual([]);
      expect(await q.enqueue('triage', 'a', { n: 0 })).toEqual({ added: true });
      const results = await q.enqueueMany([
        { name: 'triage', id: 'a', payload: { n: 1 } },
        { name: 'triage', id: 'b', payload: { n: 2 } },
        { name: 'triage', id: 'c', payload: { n: 3 } },
        { name: 'triage', id: 'b', payload: { n: 4 } },
        { name: 'triage', id: 'd', payload: { n: 5 }, options: { delayMs: 10_000 } },
      ]);
      expect(results).toEqual([
        { added: false },
        { added: true },
        { added: true },
        { added: false },
        { added: true },
      ]);
      expect(await q.enqueue('triage', 'd', { n: 6 })).toEqual({ added: false });
      expect(await q.counts()).toEqual({ waiting: 3, active: 0, delayed: 1, failed: 0 });

      const runs: Run[] = [];
      q.process(recorder(runs), { concurrency: 1 });
      await waitFor(() => runs.length === 3);
      await waitFor(async () => {
        const c = await q.counts();
        return c.waiting === 0 && c.active === 0;
      });
      expect(runs.map((r) => [r.id, r.payload])).toEqual([
        ['a', { n: 0 }],
        ['b', { n: 2 }],
        ['c', { n: 3 }],
      ]);
      // Completed: the same ids can be enqueued again, in bulk too.
      expect(await q.enqueueMany([{ name: 'triage', id: 'a', payload: { n: 7 } }])).toEqual([
        { added: true },
      ]);
      await waitFor(() => runs.length === 4);
      expect(runs[3]).toMatchObject({ id: 'a', attempt: 1, payload: { n: 7 } });
    });

    it('enqueueMany replaces a finally failed job of the same id', async () => {
      const q = await h.create({ retry: { attempts: 1, backoffMs: 50 } });
      const runs: Run[] = [];
      q.process(
        recorder(runs, async () => {
          if (runs.length === 1) throw new Error('boom');
        }),
        { concurrency: 1 },
      );
      await q.enqueue('triage', 'f', { n: 1 });
      await waitFor(async () => (await q.counts()).failed === 1, { what: 'failed job' });
      expect(
        await q.enqueueMany([
          { name: 'triage', id: 'f', payload: { n: 2 } },
          { name: 'triage', id: 'g', payload: { n: 3 } },
        ]),
      ).toEqual([{ added: true }, { added: true }]);
      await waitFor(() => runs.length === 3);
      expect(
        runs
          .slice(1)
          .map((r) => `${r.id}:${r.attempt}`)
          .sort(),
      ).toEqual(['f:1', 'g:1']);
      await idle(q);
      expect((await q.counts()).failed).toBe(0);
    });

    it('enqueue is idempotent while active, and the same id runs again once completed', async () => {
      const q = await h.create({ retry: FAST });
      const gate = deferred();
      const runs: Run[] = [];
      q.process(
        recorder(runs, async () => {
          if (runs.length === 1) await gate.promise;
        }),
        { concurrency: 1 },
      );
      await q.enqueue('triage', 'a', { n: 1 });
      await waitFor(() => runs.length === 1);
      expect(await q.enqueue('triage', 'a', { n: 2 })).toEqual({ added: false });
      gate.resolve();
      await idle(q);
      expect(await q.enqueue('triage', 'a', { n: 3 })).toEqual({ added: true });
      await waitFor(() => runs.length === 2);
      await sleep(100);
      expect(runs.map((r) => r.payload)).toEqual([{ n: 1 }, { n: 3 }]);
      expect(runs[1]?.attempt).toBe(1);
    });

    it('the same id can be enqueued again after its final failure', async () => {
      const q = await h.create({ retry: { attempts: 1, backoffMs: 50 } });
      const runs: Run[] = [];
      q.process(
        recorder(runs, async () => {
          if (runs.length === 1) throw new Error('boom');
        }),
        { concurrency: 1 },
      );
      await q.enqueue('triage', 'a', { n: 1 });
      await waitFor(async () => (await q.counts()).failed === 1, { what: 'failed job' });
      expect(await q.enqueue('triage', 'a', { n: 2 })).toEqual({ added: true });
      await waitFor(() => runs.length === 2);
      expect(runs[1]).toMatchObject({ id: 'a', attempt: 1, payload: { n: 2 } });
    });

    it('never runs more than `concurrency` jobs at once in one instance', async () => {
      const q = await h.create({ retry: FAST });
      let inFlight = 0;
      let max = 0;
      let done = 0;
      q.process(
        async () => {
          inFlight += 1;
          max = Math.max(max, inFlight);
          await sleep(60);
          inFlight -= 1;
          done += 1;
        },
        { concurrency: 3 },
      );
      for (let i = 0; i < 10; i += 1) await q.enqueue('triage', `j${i}`, { i });
      await waitFor(() => done === 10, { timeoutMs: 5000, what: '10 jobs done' });
      expect(max).toBe(3);
    });

    it('retries a throwing job with a growing attempt counter and backoff, up to the attempt limit', async () => {
      const q = await h.create({ retry: FAST });
      const runs: Run[] = [];
      q.process(
        recorder(runs, async () => {
          throw new Error('transient');
        }),
        { concurrency: 1 },
      );
      await q.enqueue('triage', 'r', {});
      await waitFor(async () => (await q.counts()).failed === 1, { what: 'failed job' });
      await sleep(300);
      expect(runs.map((r) => r.attempt)).toEqual([1, 2, 3]);
      const [r1, r2, r3] = runs as [Run, Run, Run];
      expect(r2.at - r1.at).toBeGreaterThanOrEqual(FAST.backoffMs - 5);
      expect(r3.at - r2.at).toBeGreaterThanOrEqual(FAST.backoffMs * 2 - 5);
      expect(await q.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 1 });
    });

    it('a job that succeeds on a retry is not counted as failed', async () => {
      const q = await h.create({ retry: FAST });
      const runs: Run[] = [];
      q.process(
        recorder(runs, async (job) => {
          if (job.attempt === 1) throw new Error('transient');
        }),
        { concurrency: 1 },
      );
      await q.enqueue('triage', 'r', {});
      await waitFor(() => runs.length === 2);
      await idle(q);
      await sleep(150);
      expect(runs.map((r) => r.attempt)).toEqual([1, 2]);
      expect((await q.counts()).failed).toBe(0);
    });

    it('a handler that throws synchronously is treated like a rejection', async () => {
      const q = await h.create({ retry: { attempts: 2, backoffMs: 50 } });
      const attempts: number[] = [];
      const handler = ((job: JobRecord) => {
        attempts.push(job.attempt);
        throw new Error('sync');
      }) as unknown as JobHandler;
      q.process(handler, { concurrency: 1 });
      await q.enqueue('triage', 's', {});
      await waitFor(async () => (await q.counts()).failed === 1, { what: 'failed job' });
      expect(attempts).toEqual([1, 2]);
    });

    it('a PermanentJobError (matched by name) fails the job at once, without retries', async () => {
      const q = await h.create({ retry: { attempts: 5, backoffMs: 50 } });
      const runs: Run[] = [];
      q.process(
        recorder(runs, async (job) => {
          if (job.id === 'p1') throw new PermanentJobError('bad payload');
          // As it arrives after crossing a process boundary: a plain Error carrying the name.
          throw Object.assign(new Error('incident gone'), { name: 'PermanentJobError' });
        }),
        { concurrency: 2 },
      );
      await q.enqueue('triage', 'p1', {});
      await q.enqueue('triage', 'p2', {});
      await waitFor(async () => (await q.counts()).failed === 2, { what: 'two failed jobs' });
      await sleep(250);
      expect(runs.map((r) => `${r.id}:${r.attempt}`).sort()).toEqual(['p1:1', 'p2:1']);
    });

    it('a delayed job waits for its delay', async () => {
      const q = await h.create({ retry: FAST });
      const runs: Run[] = [];
      q.process(recorder(runs), { concurrency: 1 });
      const enqueuedAt = Date.now();
      await q.enqueue('triage', 'later', {}, { delayMs: 400 });
      await sleep(150);
      expect(runs).toHaveLength(0);
      expect(await q.counts()).toMatchObject({ waiting: 0, active: 0, delayed: 1 });
      await waitFor(() => runs.length === 1);
      expect(runs[0]!.at - enqueuedAt).toBeGreaterThanOrEqual(395);
    });

    it('counts() reflects waiting, active and failed jobs', async () => {
      const q = await h.create({ retry: FAST });
      const gate = deferred();
      q.process(
        async (job) => {
          await gate.promise;
          if (job.id === 'c') throw new PermanentJobError('no');
        },
        { concurrency: 1 },
      );
      for (const id of ['a', 'b', 'c']) await q.enqueue('triage', id, {});
      await waitFor(async () => (await q.counts()).active === 1, { what: 'one active job' });
      expect(await q.counts()).toEqual({ waiting: 2, active: 1, delayed: 0, failed: 0 });
      gate.resolve();
      await waitFor(async () => (await q.counts()).failed === 1, { what: 'failed job' });
      expect(await q.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 1 });
    });

    describeJobQueueLifecycle(() => h);
    describeJobQueueKinds(() => h);
  });
}
