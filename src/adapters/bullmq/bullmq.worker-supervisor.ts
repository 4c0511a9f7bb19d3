import type { Worker } from 'bullmq';
import { withDeadline } from '../redis/index.ts';
import type { RedisClient, RedisConnection } from '../redis/index.ts';

export interface SupervisedWorker {
  worker: Worker;
  /** The connection made for this worker, closed with it. */
  client: RedisClient;
  /** Where `client` came from. */
  connection: RedisConnection;
}

export interface WorkerSupervisorOptions {
  /** Health check period. */
  intervalMs: number;
  /** How long a replaced worker may take to finish its running jobs before it is disconnected. */
  retireTimeoutMs: number;
  create(): SupervisedWorker;
  /** True while this process already runs as many jobs as its concurrency allows. */
  isBusy(): boolean;
  /** True while this process is paused (then taking no jobs is expected). */
  isPaused(): boolean;
  /** Whether jobs sit in the wait list (throws when Redis is unreachable). */
  hasWaitingJobs(): Promise<boolean>;
  onRecovery(reason: string): void;
  onError(err: unknown): void;
}

/**
 * Owns the queue's BullMQ Worker and replaces it when it stops consuming without being told to:
 * it closed or its main loop ended on its own, or — the failure BullMQ users meet after Redis
 * outages and failovers — it sits idle with free capacity while jobs wait, for two health checks in
 * a row with Redis answering. BullMQ 6.7 reconnected by itself in every outage we reproduced
 * (test/redis/outage.test.ts); this is the safety net, counted in `recoveries`.
 */
export class WorkerSupervisor {
  recoveries = 0;
  current: SupervisedWorker | undefined;
  private readonly options: WorkerSupervisorOptions;
  private readonly timer: NodeJS.Timeout;
  private starts = 0;
  /** When the current worker was made, and whether it has connected since. */
  private spawnedAt = 0;
  private ready = false;
  private startsAtLastCheck = 0;
  private idleChecks = 0;
  private checking = false;

  constructor(options: WorkerSupervisorOptions) {
    this.options = options;
    this.current = this.spawn();
    this.timer = setInterval(() => void this.check(), options.intervalMs);
    this.timer.unref();
  }

  /** Called by the processor each time a job starts in this process. */
  noteStart(): void {
    this.starts += 1;
  }

  /** Stops supervising and hands the current worker to the caller to close. */
  stop(): SupervisedWorker | undefined {
    clearInterval(this.timer);
    const current = this.current;
    this.current = undefined;
    return current;
  }

  private spawn(): SupervisedWorker {
    const made = this.options.create();
    this.spawnedAt = Date.now();
    this.ready = false;
    made.worker.waitUntilReady().then(
      () => void (this.current === made && (this.ready = true)),
      () => {},
    );
    made.worker.on('closed', () => {
      if (this.current === made) void this.replace('worker closed on its own', false);
    });
    return made;
  }

  private async check(): Promise<void> {
    const current = this.current;
    if (!current || this.checking) return;
    this.checking = true;
    try {
      // A new worker is judged once connected, or after three periods if it never connects.
      const settled = this.ready || Date.now() - this.spawnedAt >= 3 * this.options.intervalMs;
      if (this.options.isPaused() || !settled) {
        this.idleChecks = 0;
      } else if (!current.worker.isRunning()) {
        await this.replace('worker main loop ended', true);
      } else if (
        this.starts === this.startsAtLastCheck &&
        !this.options.isBusy() &&
        (await this.options.hasWaitingJobs())
      ) {
        this.idleChecks += 1;
        if (this.idleChecks >= 2) await this.replace('worker idle while jobs wait', true);
      } else {
        this.idleChecks = 0;
      }
    } catch (err) {
      // Redis unreachable: nothing to judge until it answers again.
      this.idleChecks = 0;
      this.options.onError(err);
    } finally {
      this.startsAtLastCheck = this.starts;
      this.checking = false;
    }
  }

  private async replace(reason: string, closeOld: boolean): Promise<void> {
    const old = this.current;
    if (!old) return;
    this.recoveries += 1;
    this.idleChecks = 0;
    this.options.onRecovery(reason);
    this.current = this.spawn();
    if (closeOld) void retireWorker(old, this.options.retireTimeoutMs, this.options.onError);
    else void old.connection.release(old.client);
  }
}

/**
 * Closes a worker without forcing, so jobs it still runs complete normally — unless that takes more
 * than `timeoutMs` (its connection may be the thing that hangs): then its sockets are dropped, and
 * jobs it did not finish come back through the stalled check. Never rejects.
 */
export async function retireWorker(
  { worker, client, connection }: SupervisedWorker,
  timeoutMs: number,
  onError: (err: unknown) => void,
  options: { force?: boolean } = {},
): Promise<void> {
  try {
    await withDeadline(worker.close(options.force ?? false), timeoutMs, 'worker close');
  } catch (err) {
    onError(err);
    await worker.disconnect().catch(onError);
  }
  await connection.release(client);
}
