import { Job, Queue, UnrecoverableError, WaitingError } from 'bullmq';
import type { JobType, JobsOptions } from 'bullmq';
import { isPermanentJobError } from '../../contracts/index.ts';
import { DEFAULT_RETRY_POLICY, retryPolicyFor } from '../../ports/index.ts';
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
import { RedisKeyspace, toAppError, translated, withDeadline } from '../redis/index.ts';
import type { RedisConnection } from '../redis/index.ts';
import { fromBullId, toBullId } from './bullmq.job-id.ts';
import { TrackingWorker } from './bullmq.tracking-worker.ts';
import { WorkerSupervisor } from './bullmq.worker-supervisor.ts';
import type { SupervisedWorker } from './bullmq.worker-supervisor.ts';

export interface BullMqJobQueueOptions {
  /** Queue name. Default `incidents`. */
  name?: string;
  /** Key root, overriding the connection's; BullMQ's prefix is its hash tag (`{tw}`). Default: the connection's `keyPrefix`. */
  keyPrefix?: string;
  /** Attempts (first included) and exponential backoff base. Default {@link DEFAULT_RETRY_POLICY} (5, 1000 ms). */
  retry?: Partial<RetryPolicy>;
  /** Per job name, a policy replacing `retry` for jobs of that name (set on each job when it is added). */
  retryByName?: RetryPolicyByName;
  /** A running job's lock; when its worker dies the lock lapses and the job is redelivered. Default 30 000 ms. */
  lockDurationMs?: number;
  /** How often each worker looks for jobs whose lock lapsed. Default 10 000 ms. */
  stalledIntervalMs?: number;
  /** Redeliveries after stalls before the job fails for good. Default 3. */
  maxStalledCount?: number;
  /** Permanently failed jobs kept for inspection (and counted in `counts().failed`). Default 1000 jobs, 7 days. */
  keepFailed?: { count: number; ageMs: number };
  /** How often the worker's health is checked (see WorkerSupervisor). Default 5000 ms. */
  healthCheckIntervalMs?: number;
  /** Called for worker errors (Redis down, lost locks) and recoveries, e.g. to log at warn. Default: none. */
  onError?: (err: unknown, context: string) => void;
}

/** One job ready for BullMQ's add script. */
interface AddEntry {
  name: string;
  bullId: string;
  payload: unknown;
  opts: JobsOptions;
}

/** A job this process fetched and has not finished or handed back. */
interface InHand {
  bullId: string;
  token: string;
  controller: AbortController;
  started: boolean;
}

/**
 * {@link JobQueue} on BullMQ 6. The job id is the id given (encoded, see bullmq.job-id.ts), so one
 * incident has at most one waiting, delayed or active job; completed jobs are removed at once and a
 * permanently failed one is replaced by the next enqueue of its id, so the reconciler can always
 * re-enqueue. Retries follow the RetryPolicy (exponential backoff); a PermanentJobError (by name)
 * fails at once. A worker that dies leaves its jobs' locks to lapse and the stalled check of any
 * live worker redelivers them; `close()` hands unfinished jobs back at once.
 */
export class BullMqJobQueue<M extends JobPayloadMap = JobPayloadMap> implements JobQueue<M> {
  private readonly connection: RedisConnection;
  private readonly options: BullMqJobQueueOptions;
  private readonly retry: RetryPolicy;
  private readonly queue: Queue;
  private readonly onError: (err: unknown, context: string) => void;
  /** By fetch token. */
  private readonly inHand = new Map<string, InHand>();
  /** Tokens of jobs a forced close already handed back. */
  private readonly returned = new Set<string>();
  private readonly prefix: string;
  private handler: JobHandler<M> | undefined;
  private supervisor: WorkerSupervisor | undefined;
  private paused = false;
  /** Set when close()'s grace is over: jobs fetched from then on are handed back unrun. */
  private handingBack = false;
  private closing: Promise<void> | undefined;

  constructor(connection: RedisConnection, options: BullMqJobQueueOptions = {}) {
    this.connection = connection;
    this.options = options;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.onError = options.onError ?? (() => {});
    this.prefix = (options.keyPrefix ? new RedisKeyspace(options.keyPrefix) : connection.keys).tag;
    this.queue = new Queue(options.name ?? 'incidents', {
      connection: connection.client,
      prefix: this.prefix,
      skipWaitingForReady: true,
    });
    this.queue.on('error', (err) => this.onError(err, 'queue'));
  }

  /** Times the worker was found dead or stuck and replaced (for a metric). */
  get workerRecoveries(): number {
    return this.supervisor?.recoveries ?? 0;
  }

  async enqueue<K extends keyof M & string>(
    name: K,
    id: string,
    payload: M[K],
    options: EnqueueOptions = {},
  ): Promise<{ added: boolean }> {
    const [result] = await this.enqueueMany([{ name, id, payload, options } as EnqueueRequest<M>]);
    return result!;
  }

  /** Every job's check-and-add in one MULTI (one round trip), whatever the number of jobs. */
  async enqueueMany(jobs: readonly EnqueueRequest<M>[]): Promise<{ added: boolean }[]> {
    if (this.closing) throw toAppError(new Error('queue is closed'), 'enqueue');
    if (jobs.length === 0) return [];
    const keep = this.options.keepFailed ?? { count: 1000, ageMs: 7 * 86_400_000 };
    const entries: AddEntry[] = jobs.map(({ name, id, payload, options = {} }) => {
      const bullId = toBullId(id);
      const retry = retryPolicyFor(name, this.retry, this.options.retryByName);
      return {
        name,
        bullId,
        payload,
        opts: {
          jobId: bullId,
          attempts: retry.attempts,
          backoff: { type: 'exponential', delay: retry.backoffMs },
          removeOnComplete: true,
          removeOnFail: { count: keep.count, age: Math.ceil(keep.ageMs / 1000) },
          ...(options.delayMs && options.delayMs > 0 ? { delay: options.delayMs } : {}),
        },
      };
    });
    return translated('enqueue', async () => {
      const added = new Array<boolean>(entries.length).fill(false);
      let pending = entries.map((entry, index) => ({ entry, index }));
      // A permanently failed job of that id is removed so that the next round adds the new one.
      for (let round = 0; round < 3 && pending.length > 0; round += 1) {
        const outcomes = await this.addUnlessPresent(pending.map((p) => p.entry));
        const retry: typeof pending = [];
        outcomes.forEach((outcome, i) => {
          const p = pending[i]!;
          if (outcome === 'added') added[p.index] = true;
          else if (outcome === 'failed-present') retry.push(p);
        });
        for (const bullId of new Set(retry.map((p) => p.entry.bullId))) await this.queue.remove(bullId);
        pending = retry;
      }
      return added.map((a) => ({ added: a }));
    });
  }

  process(handler: JobHandler<M>, options: ProcessOptions): void {
    if (this.handler) throw new Error('process() was already called on this queue');
    if (this.closing) throw new Error('queue is closed');
    this.handler = handler;
    this.supervisor = new WorkerSupervisor({
      intervalMs: this.options.healthCheckIntervalMs ?? 5000,
      retireTimeoutMs: this.options.lockDurationMs ?? 30_000,
      create: () => this.createWorker(options.concurrency),
      isBusy: () => this.inHand.size >= options.concurrency,
      isPaused: () => this.paused,
      hasWaitingJobs: async () => ((await this.queue.getJobCounts('wait')).wait ?? 0) > 0,
      onRecovery: (reason) => this.onError(new Error(`BullMQ worker replaced: ${reason}`), 'recovery'),
      onError: (err) => this.onError(err, 'health check'),
    });
  }

  async counts(): Promise<JobCounts> {
    const c = await translated('job counts', () =>
      // 'paused' holds jobs only while the whole queue is paused in Redis (never done here).
      this.queue.getJobCounts('wait', 'paused' as JobType, 'prioritized', 'active', 'delayed', 'failed'),
    );
    return {
      waiting: (c.wait ?? 0) + (c.paused ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      failed: c.failed ?? 0,
    };
  }

  /** Stops fetching without waiting for running jobs; a fetch already blocked in Redis that brings one more job hands it straight back. */
  async pause(): Promise<void> {
    this.paused = true;
    await this.supervisor?.current?.worker.pause(true);
  }

  async resume(): Promise<void> {
    this.paused = false;
    await this.supervisor?.current?.worker.resume();
  }

  close(options: { graceMs?: number } = {}): Promise<void> {
    this.closing ??= this.shutdown(options.graceMs ?? 10_000);
    return this.closing;
  }

  private async shutdown(graceMs: number): Promise<void> {
    const current = this.supervisor?.stop();
    const report = (err: unknown): void => this.onError(err, 'close');
    if (current) {
      const { worker } = current;
      await withDeadline(worker.pause(true), 1000, 'worker pause').catch(report);
      // Not forced: BullMQ waits for every job it fetched, including one whose fetch reply is
      // still on its way (already active in Redis), and those run within the grace.
      const closed = worker.close();
      closed.catch(report);
      if (!(await settles(closed, graceMs))) {
        // Grace over: from now on a late fetch is handed back unrun. Unfinished jobs go back to the
        // head of the wait list first (dropping our lock, so how the aborted handler ends cannot
        // fail or retry them: BullMQ's finish scripts check the lock), then their signal fires.
        this.handingBack = true;
        const unfinished = [...this.inHand.values()];
        this.inHand.clear();
        for (const job of unfinished) this.returned.add(job.token);
        await Promise.all(unfinished.map((job) => this.handBack(job.bullId, job.token, !job.started)));
        for (const job of unfinished) job.controller.abort(new Error('queue closing: job handed back'));
        // A handler that ignores its signal is left behind; its job is already back in the queue.
        if (!(await settles(closed, 2000))) await worker.disconnect().catch(report);
      }
      await this.connection.release(current.client);
    }
    await withDeadline(this.queue.close(), 2000, 'queue close').catch(report);
  }

  /**
   * For each job, EXISTS, the failed-set score and BullMQ's add script, all in one MULTI, so "was it
   * there?" and the add are atomic (BullMQ's add alone answers the same for a new and a duplicate id),
   * and a repeated id later in the same MULTI sees the earlier one as present.
   */
  private async addUnlessPresent(
    entries: readonly AddEntry[],
  ): Promise<('added' | 'present' | 'failed-present')[]> {
    const client = await this.queue.getBackend().client;
    const tx = client.multi() as ReturnType<typeof client.multi> & {
      exists(key: string): unknown;
      zscore(key: string, member: string): unknown;
    };
    const failedKey = this.queue.toKey('failed');
    for (const { name, bullId, payload, opts } of entries) {
      tx.exists(this.queue.toKey(bullId));
      tx.zscore(failedKey, bullId);
      const job = new Job(this.queue, name, payload, opts, bullId);
      job.addJob(tx).catch(() => {}); // its outcome is read from EXEC's replies below
    }
    const replies = await tx.exec();
    if (!replies) throw new Error('enqueue transaction aborted');
    for (const [err] of replies) if (err) throw err;
    return entries.map((_, i) => {
      const existed = replies[i * 3]![1] as number;
      const failedScore = replies[i * 3 + 1]![1] as string | null;
      if (existed === 0) return 'added';
      return failedScore === null ? 'present' : 'failed-present';
    });
  }

  private createWorker(concurrency: number): SupervisedWorker {
    const client = this.connection.duplicate('bullmq-worker', { blocking: true });
    const worker = new TrackingWorker(
      this.queue.name,
      (job, token, signal) => this.runJob(job, token, signal),
      {
        connection: client,
        prefix: this.prefix,
        concurrency,
        lockDuration: this.options.lockDurationMs ?? 30_000,
        stalledInterval: this.options.stalledIntervalMs ?? 10_000,
        maxStalledCount: this.options.maxStalledCount ?? 3,
      },
      (bullId, token) => {
        // Fetched while taking work: in hand until it ends. Otherwise runJob hands it back.
        if (!this.paused && !this.closing)
          this.inHand.set(token, { bullId, token, controller: new AbortController(), started: false });
      },
    );
    worker.on('error', (err) => this.onError(err, 'worker'));
    if (this.paused) void worker.pause(true);
    worker.run().catch((err) => this.onError(err, 'worker'));
    return { worker, client, connection: this.connection };
  }

  private async runJob(
    job: Job,
    token: string | undefined,
    bullSignal: AbortSignal | undefined,
  ): Promise<void> {
    const entry = token ? this.inHand.get(token) : undefined;
    const handler = this.handler;
    if (!entry || !handler || !job.id) {
      // Not a delivery: fetched after pause()/close() by a blocking call already in flight (hand
      // it back), or handed back already by a forced close.
      if (job.id && token && !this.returned.delete(token)) await this.handBack(job.id, token, true);
      throw new WaitingError();
    }
    entry.started = true;
    bullSignal?.addEventListener('abort', () => entry.controller.abort(bullSignal.reason), { once: true });
    this.supervisor?.noteStart();
    try {
      await handler(
        {
          id: fromBullId(job.id),
          name: job.name,
          payload: job.data,
          attempt: Math.max(1, job.attemptsStarted),
        } as JobRecord<M>,
        entry.controller.signal,
      );
    } catch (err) {
      if (isPermanentJobError(err))
        throw new UnrecoverableError(err instanceof Error ? err.message : String(err));
      throw err instanceof Error ? err : new Error(String(err));
    } finally {
      this.inHand.delete(entry.token);
    }
  }

  /**
   * Puts an active job of ours back at the head of the wait list (BullMQ checks our lock token).
   * `undoStart` when its handler never ran, so its next delivery still counts as the same attempt.
   */
  private async handBack(bullId: string, token: string, undoStart: boolean): Promise<void> {
    try {
      if (undoStart) await this.connection.client.hincrby(this.queue.toKey(bullId), 'ats', -1);
      await this.queue.getBackend().moveJobFromActiveToWait(bullId, token);
    } catch (err) {
      // Redis unreachable: the job's lock lapses and the stalled check redelivers it.
      this.onError(err, 'hand back');
    }
  }
}

/** Whether `promise` settles (either way) within `ms`. */
async function settles(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const done = promise.then(
    () => true as const,
    () => true as const,
  );
  try {
    return await Promise.race([done, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
