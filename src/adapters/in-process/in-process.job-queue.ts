import { isPermanentJobError } from '../../contracts/index.ts';
import { retryPolicyFor } from '../../ports/index.ts';
import type {
  EnqueueOptions,
  EnqueueRequest,
  JobCounts,
  JobHandler,
  JobPayloadMap,
  JobQueue,
  JobRecord,
  ProcessOptions,
  RetryPolicy,
  RetryPolicyByName,
} from '../../ports/index.ts';
import { InProcessQueueBackend } from './in-process.queue-backend.ts';
import type { Delivery, InProcessQueueState, QueueWorker } from './in-process.queue-backend.ts';

export interface InProcessJobQueueOptions {
  /** Queue name; instances with the same name on one backend share jobs. Default `'default'`. */
  name?: string;
  /** Attempts and exponential backoff (`backoffMs * 2^(attempt-1)`) applied by this instance's worker. */
  retry: RetryPolicy;
  /** Per job name, a policy replacing `retry` for jobs of that name (the job catalog's kinds). */
  retryByName?: RetryPolicyByName;
  /** Shared storage, to run several instances as several workers. Default: a private backend. */
  backend?: InProcessQueueBackend;
}

const DEFAULT_GRACE_MS = 10_000;

interface Running {
  controller: AbortController;
  done: Promise<void>;
  handedBack: boolean;
}

/**
 * The embedded-mode JobQueue: jobs live in this process's memory (a `backend`), so they do not
 * survive a restart; the leader's reconciler re-enqueues incidents left behind. Payloads are copied
 * as JSON on enqueue, as a Redis queue would store them.
 */
export class InProcessJobQueue<M extends JobPayloadMap = JobPayloadMap> implements JobQueue<M>, QueueWorker {
  private readonly state: InProcessQueueState;
  private readonly retry: RetryPolicy;
  private readonly retryByName: RetryPolicyByName | undefined;
  private readonly running = new Map<Delivery, Running>();
  private handler: JobHandler<M> | undefined;
  private concurrency = 0;
  private paused = false;
  private closing: Promise<void> | undefined;
  private pumpScheduled = false;

  constructor(options: InProcessJobQueueOptions) {
    if (!Number.isInteger(options.retry.attempts) || options.retry.attempts < 1) {
      throw new RangeError('retry.attempts must be an integer >= 1');
    }
    this.retry = { ...options.retry };
    for (const [name, policy] of Object.entries(options.retryByName ?? {})) {
      const attempts = policy.attempts ?? this.retry.attempts;
      if (!Number.isInteger(attempts) || attempts < 1)
        throw new RangeError(`retry attempts of ${name} must be an integer >= 1`);
    }
    this.retryByName = options.retryByName;
    this.state = (options.backend ?? new InProcessQueueBackend()).queue(options.name ?? 'default');
  }

  async enqueue<K extends keyof M & string>(
    name: K,
    id: string,
    payload: M[K],
    options?: EnqueueOptions,
  ): Promise<{ added: boolean }> {
    if (this.closing) throw new Error('queue is closed');
    const copy: unknown = payload === undefined ? undefined : JSON.parse(JSON.stringify(payload));
    const added = this.state.add({ id, name, payload: copy, attempt: 0 }, options?.delayMs ?? 0);
    return { added };
  }

  async enqueueMany(jobs: readonly EnqueueRequest<M>[]): Promise<{ added: boolean }[]> {
    if (this.closing) throw new Error('queue is closed');
    return Promise.all(jobs.map((j) => this.enqueue(j.name, j.id, j.payload, j.options)));
  }

  process(handler: JobHandler<M>, options: ProcessOptions): void {
    if (this.handler) throw new Error('process() was already called on this queue');
    if (this.closing) throw new Error('queue is closed');
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError('concurrency must be an integer >= 1');
    }
    this.handler = handler;
    this.concurrency = options.concurrency;
    this.state.addWorker(this);
    this.wake();
  }

  async counts(): Promise<JobCounts> {
    return this.state.counts();
  }

  async pause(): Promise<void> {
    this.paused = true;
  }

  async resume(): Promise<void> {
    this.paused = false;
    this.wake();
  }

  close(options?: { graceMs?: number }): Promise<void> {
    this.closing ??= this.shutdown(options?.graceMs ?? DEFAULT_GRACE_MS);
    return this.closing;
  }

  /** @internal Called by the backend when a job may be available. */
  wake(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    // Start handlers outside the caller's stack (never inside enqueue or another job's completion).
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const handler = this.handler;
    if (!handler || this.paused || this.closing) return;
    while (this.running.size < this.concurrency) {
      const delivery = this.state.take();
      if (!delivery) return;
      const entry: Running = {
        controller: new AbortController(),
        done: Promise.resolve(),
        handedBack: false,
      };
      this.running.set(delivery, entry);
      entry.done = this.run(handler, delivery, entry);
    }
  }

  /** Runs one delivery and settles it on the backend. Never rejects. */
  private async run(handler: JobHandler<M>, delivery: Delivery, entry: Running): Promise<void> {
    const { job } = delivery;
    let failure: { error: unknown } | undefined;
    try {
      // Inside try, so a handler that throws synchronously counts as a rejection.
      await handler(
        { id: job.id, name: job.name, payload: job.payload, attempt: job.attempt } as JobRecord<M>,
        entry.controller.signal,
      );
    } catch (error) {
      failure = { error };
    }
    this.running.delete(delivery);
    if (entry.handedBack) return;
    const retry = retryPolicyFor(job.name, this.retry, this.retryByName);
    if (!failure) this.state.complete(delivery);
    else if (isPermanentJobError(failure.error) || job.attempt >= retry.attempts) this.state.fail(delivery);
    else this.state.retry(delivery, retry.backoffMs * 2 ** (job.attempt - 1));
    this.wake();
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.state.removeWorker(this);
    const pending = [...this.running.values()].map((r) => r.done);
    if (pending.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([Promise.all(pending), grace]);
      clearTimeout(timer);
    }
    for (const [delivery, entry] of this.running) {
      entry.handedBack = true;
      this.state.handBack(delivery);
      const reason = new Error('queue closing: job handed back for redelivery');
      reason.name = 'AbortError';
      entry.controller.abort(reason);
    }
    this.running.clear();
  }
}
