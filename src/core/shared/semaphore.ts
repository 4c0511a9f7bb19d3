/**
 * A counting semaphore with FIFO hand-off. One instance bounds one kind of outbound work for the
 * whole process (threat-intel lookups, LLM calls), whichever incident asks for it.
 */
export class Semaphore {
  /** Maximum permits held at once. */
  readonly capacity: number;
  #inFlight = 0;
  #maxObserved = 0;
  readonly #waiters: Array<() => void> = [];

  /** @param capacity permits available at once; an integer ≥ 1. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Semaphore capacity must be an integer >= 1, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** Permits held right now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** The highest `inFlight` seen since construction. */
  get maxObserved(): number {
    return this.#maxObserved;
  }

  /** Callers queued for a permit. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Resolves once a permit is held; the caller must `release()` it exactly once. Rejects with the
   * signal's reason if `signal` aborts first (no permit is then held).
   */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#inFlight < this.capacity) {
      this.#take();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(grant);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal?.reason);
      };
      // `release()` hands its permit straight to the next waiter, so inFlight never dips and a
      // newcomer cannot overtake the queue.
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#waiters.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Returns a permit taken by `acquire()`. */
  release(): void {
    if (this.#inFlight === 0) throw new Error('Semaphore.release() without a matching acquire()');
    const next = this.#waiters.shift();
    if (next) next();
    else this.#inFlight -= 1;
  }

  /** Runs `fn` while holding a permit and releases it however `fn` ends. */
  async run<T>(fn: () => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  #take(): void {
    this.#inFlight += 1;
    if (this.#inFlight > this.#maxObserved) this.#maxObserved = this.#inFlight;
  }
}
