import { describe, expect, it } from 'vitest';
import { Batcher } from '../../../src/core/ingest/batcher.ts';

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Settles every promise and reports each outcome, in order. */
async function outcomes<T>(promises: Promise<T>[]) {
  return (await Promise.allSettled(promises)).map((r) =>
    r.status === 'fulfilled' ? { ok: r.value } : { err: (r.reason as Error).message },
  );
}

describe('Batcher (group commit)', () => {
  it('flushes a lone item at once, alone', async () => {
    const flushes: number[][] = [];
    const b = new Batcher<number, number>({
      flush: async (items) => {
        flushes.push(items);
        return items.map((n) => n * 10);
      },
    });
    expect(await b.submit(1)).toBe(10);
    expect(flushes).toEqual([[1]]);
    expect(await b.submit(2)).toBe(20);
    expect(flushes).toEqual([[1], [2]]);
  });

  it('items arriving together share a flush; items arriving during a flush share the next one', async () => {
    const flushes: number[][] = [];
    const gates: ReturnType<typeof deferred<void>>[] = [];
    const b = new Batcher<number, number>({
      maxConcurrent: 1,
      flush: async (items) => {
        flushes.push(items);
        const gate = deferred<void>();
        gates.push(gate);
        await gate.promise;
        return items;
      },
    });
    const first = [b.submit(1), b.submit(2)];
    await new Promise((r) => setImmediate(r));
    expect(flushes).toEqual([[1, 2]]);
    const second = [3, 4, 5].map((n) => b.submit(n));
    await new Promise((r) => setTimeout(r, 20));
    expect(flushes).toHaveLength(1); // nothing else starts while the only slot is busy
    expect(b.queued).toBe(3);
    gates[0]!.resolve();
    expect(await Promise.all(first)).toEqual([1, 2]);
    await new Promise((r) => setImmediate(r));
    expect(flushes).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    gates[1]!.resolve();
    expect(await Promise.all(second)).toEqual([3, 4, 5]);
  });

  it('caps a flush at maxBatch and runs at most maxConcurrent flushes at once', async () => {
    let inFlight = 0;
    let most = 0;
    const sizes: number[] = [];
    const b = new Batcher<number, number>({
      maxBatch: 4,
      maxConcurrent: 2,
      flush: async (items) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        sizes.push(items.length);
        await new Promise((r) => setTimeout(r, 10));
        inFlight -= 1;
        return items;
      },
    });
    const all = Array.from({ length: 19 }, (_, i) => b.submit(i));
    expect(await Promise.all(all)).toEqual([...Array(19).keys()]);
    expect(Math.max(...sizes)).toBe(4);
    expect(sizes.reduce((a, n) => a + n, 0)).toBe(19);
    expect(most).toBe(2);
  });

  it('when the batch cannot be written, every caller is rejected and none resolved', async () => {
    let calls = 0;
    const errors: number[] = [];
    const b = new Batcher<number, number>({
      flush: async () => {
        calls += 1;
        throw new Error('database down');
      },
      onBatchError: (_err, size) => errors.push(size),
    });
    const results = await outcomes([1, 2, 3, 4].map((n) => b.submit(n)));
    expect(results).toEqual(Array(4).fill({ err: 'database down' }));
    expect(errors).toEqual([4]);
    // The batch, then each member alone: none of them could be written.
    expect(calls).toBe(5);
  });

  it('does not retry items alone when the failure may have written the batch (retryAlone false)', async () => {
    let calls = 0;
    const b = new Batcher<number, number>({
      flush: async () => {
        calls += 1;
        throw Object.assign(new Error('commit lost'), { name: 'CommitOutcomeUnknownError' });
      },
      retryAlone: (err) => (err as Error).name !== 'CommitOutcomeUnknownError',
    });
    const results = await outcomes([1, 2, 3].map((n) => b.submit(n)));
    expect(results).toEqual(Array(3).fill({ err: 'commit lost' }));
    expect(calls).toBe(1);
  });

  it('a poison item fails alone: its batch-mates are retried one by one and resolve', async () => {
    const flushes: string[][] = [];
    const b = new Batcher<string, string>({
      flush: async (items) => {
        flushes.push(items);
        if (items.includes('poison')) throw new Error('bad alert');
        return items.map((s) => s.toUpperCase());
      },
    });
    const results = await outcomes(['a', 'poison', 'b'].map((s) => b.submit(s)));
    expect(results).toEqual([{ ok: 'A' }, { err: 'bad alert' }, { ok: 'B' }]);
    expect(flushes[0]).toEqual(['a', 'poison', 'b']);
    expect(flushes.slice(1).sort()).toEqual([['a'], ['b'], ['poison']]);
  });

  it('refuses new items beyond maxQueued with SERVICE_UNAVAILABLE (nothing written)', async () => {
    const gate = deferred<void>();
    const flushed: number[] = [];
    const b = new Batcher<number, number>({
      maxConcurrent: 1,
      maxQueued: 2,
      flush: async (items) => {
        await gate.promise;
        flushed.push(...items);
        return items;
      },
    });
    const running = b.submit(0);
    await new Promise((r) => setImmediate(r));
    const waiting = [b.submit(1), b.submit(2)];
    await expect(b.submit(3)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    gate.resolve();
    expect(await Promise.all([running, ...waiting])).toEqual([0, 1, 2]);
    expect(flushed).toEqual([0, 1, 2]);
  });

  it('a flush that returns too few results rejects the items it left out', async () => {
    const b = new Batcher<number, number>({ flush: async (items) => items.slice(0, 1) });
    const results = await outcomes([b.submit(1), b.submit(2)]);
    expect(results[0]).toEqual({ ok: 1 });
    expect(results[1]).toHaveProperty('err');
  });
});
