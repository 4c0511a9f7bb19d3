import { AppError } from '../../contracts/index.ts';

export interface BatcherOptions<I, O> {
  /**
   * Writes a batch all or nothing: resolves with one result per item, in order, once every item is
   * durable; rejects when none is.
   */
  flush: (items: I[]) => Promise<O[]>;
  /** Most items in one flush. Default 200. */
  maxBatch?: number;
  /** Flushes in flight at once; items arriving meanwhile wait for a free one. Default 1. */
  maxConcurrent?: number;
  /** Items waiting for a flush beyond which `submit` is refused at once (SERVICE_UNAVAILABLE). Default 10 000. */
  maxQueued?: number;
  /**
   * Whether the items of a failed batch may be retried one by one. False when the failure leaves it
   * unknown whether the batch was written (retrying could write it twice): every item then fails.
   * Default: always true.
   */
  retryAlone?: (err: unknown) => boolean;
  /** Told when a batch failed as a whole and its items are retried one by one. Default: nothing. */
  onBatchError?: (err: unknown, size: number) => void;
}

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
}

/**
 * Group commit: concurrent `submit` calls are written together by one `flush`. There is no timer: an
 * item submitted while a flush slot is free goes out at the end of the current event-loop turn (so
 * items arriving together share a flush, and a lone item waits for nothing); items submitted while
 * every slot is busy gather and go out together as soon as one frees, up to `maxBatch` per flush.
 * Each caller's promise settles only with its own item's outcome: resolved after its flush resolved
 * (durable), rejected otherwise. When a flush of several items fails, each item is retried alone,
 * so one bad item cannot fail the others; only its own caller sees its error.
 */
export class Batcher<I, O> {
  private readonly flushFn: (items: I[]) => Promise<O[]>;
  private readonly maxBatch: number;
  private readonly maxConcurrent: number;
  private readonly maxQueued: number;
  private readonly onBatchError: (err: unknown, size: number) => void;
  private readonly retryAlone: (err: unknown) => boolean;
  private waiting: Waiting<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(options: BatcherOptions<I, O>) {
    this.flushFn = options.flush;
    this.maxBatch = positiveInt(options.maxBatch ?? 200, 'maxBatch');
    this.maxConcurrent = positiveInt(options.maxConcurrent ?? 1, 'maxConcurrent');
    this.maxQueued = positiveInt(options.maxQueued ?? 10_000, 'maxQueued');
    this.onBatchError = options.onBatchError ?? (() => {});
    this.retryAlone = options.retryAlone ?? (() => true);
  }

  /** Items waiting for a flush (not counting those being flushed). */
  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves with the item's result once its flush has resolved; rejects if it could not be written. */
  submit(item: I): Promise<O> {
    if (this.waiting.length >= this.maxQueued) {
      return Promise.reject(new AppError('SERVICE_UNAVAILABLE', 'too many writes waiting; retry shortly'));
    }
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxConcurrent) return;
    this.scheduled = true;
    // After the I/O callbacks of this turn: requests that arrived together are flushed together.
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxConcurrent && this.waiting.length > 0) {
      const batch =
        this.waiting.length <= this.maxBatch ? this.waiting : this.waiting.slice(0, this.maxBatch);
      this.waiting = batch === this.waiting ? [] : this.waiting.slice(this.maxBatch);
      this.inFlight += 1;
      void this.run(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  /** Never rejects: every member is settled. */
  private async run(batch: Waiting<I, O>[]): Promise<void> {
    try {
      settle(batch, await this.flushFn(batch.map((w) => w.item)));
      return;
    } catch (err) {
      if (batch.length === 1 || !this.retryAlone(err)) {
        for (const w of batch) w.reject(err);
        return;
      }
      try {
        this.onBatchError(err, batch.length);
      } catch {
        // A failing reporter must not leave callers hanging.
      }
    }
    // Each alone, concurrently (the flush's own resources bound how many really run at once).
    await Promise.all(
      batch.map(async (w) => {
        try {
          settle([w], await this.flushFn([w.item]));
        } catch (err) {
          w.reject(err);
        }
      }),
    );
  }
}

function settle<I, O>(batch: Waiting<I, O>[], results: O[]): void {
  batch.forEach((w, i) => {
    if (i < results.length) w.resolve(results[i]!);
    else w.reject(new Error(`batch flush returned ${results.length} results for ${batch.length} items`));
  });
}

function positiveInt(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be an integer >= 1 (got ${n})`);
  return n;
}
