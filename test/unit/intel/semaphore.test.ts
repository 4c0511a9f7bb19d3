import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../../src/core/shared/semaphore.ts';

/** A promise with its resolve exposed, so a test decides when work finishes. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('Semaphore', () => {
  it('never lets more than `capacity` run and serves waiters in FIFO order', async () => {
    const sem = new Semaphore(3);
    const gates = Array.from({ length: 10 }, gate);
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      sem.run(async () => {
        started.push(i);
        await g.promise;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    expect(sem.inFlight).toBe(3);
    expect(sem.waiting).toBe(7);
    for (const g of gates) {
      g.open();
      await new Promise((r) => setImmediate(r));
      expect(sem.inFlight).toBeLessThanOrEqual(3);
    }
    await Promise.all(runs);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sem.inFlight).toBe(0);
    expect(sem.maxObserved).toBe(3);
  });

  it('releases the permit when the work throws', async () => {
    const sem = new Semaphore(1);
    await expect(sem.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(sem.inFlight).toBe(0);
    await expect(sem.run(() => 'ok')).resolves.toBe('ok');
  });

  it('drops an aborted waiter from the queue without taking a permit', async () => {
    const sem = new Semaphore(1);
    await sem.acquire();
    const ac = new AbortController();
    const waiting = sem.acquire(ac.signal);
    expect(sem.waiting).toBe(1);
    ac.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    expect(sem.waiting).toBe(0);
    sem.release();
    expect(sem.inFlight).toBe(0);
    await expect(sem.acquire(AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });

  it('rejects a bad capacity and an unmatched release', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
    expect(() => new Semaphore(1).release()).toThrow(/without a matching acquire/);
  });
});
