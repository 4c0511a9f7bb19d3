import type { JobCounts } from '../../ports/index.ts';

/** A job as the backend stores it. `attempt` counts deliveries so far (0 until first taken). */
export interface StoredJob {
  readonly id: string;
  readonly name: string;
  readonly payload: unknown;
  attempt: number;
}

/**
 * One delivery of a job to one worker. Outcomes are accepted only from the delivery the backend
 * currently holds as active, so a handed-back delivery that finishes late changes nothing.
 */
export interface Delivery {
  readonly job: StoredJob;
}

/** A worker registered on a queue; `wake` is called when a job may be available. */
export interface QueueWorker {
  wake(): void;
}

/** Failed jobs kept for `counts().failed` per queue; the oldest are forgotten beyond this. */
const FAILED_RETENTION = 10_000;

/** The shared state of one named queue. Every operation is synchronous, hence atomic in-process. */
export class InProcessQueueState {
  private readonly waiting: StoredJob[] = [];
  private readonly delayed = new Map<string, { job: StoredJob; timer: NodeJS.Timeout }>();
  private readonly active = new Map<string, Delivery>();
  private readonly failed = new Map<string, StoredJob>();
  private workers: QueueWorker[] = [];

  /** Adds a job unless its id is waiting, delayed or active. */
  add(job: StoredJob, delayMs: number): boolean {
    if (this.active.has(job.id) || this.delayed.has(job.id) || this.waiting.some((j) => j.id === job.id)) {
      return false;
    }
    this.failed.delete(job.id);
    if (delayMs > 0) this.delay(job, delayMs);
    else this.makeWaiting(job, 'back');
    return true;
  }

  /** Takes the oldest waiting job as a new delivery, or undefined when none waits. */
  take(): Delivery | undefined {
    const job = this.waiting.shift();
    if (!job) return undefined;
    job.attempt += 1;
    const delivery: Delivery = { job };
    this.active.set(job.id, delivery);
    return delivery;
  }

  complete(delivery: Delivery): void {
    this.release(delivery);
  }

  fail(delivery: Delivery): void {
    if (!this.release(delivery)) return;
    this.failed.set(delivery.job.id, delivery.job);
    if (this.failed.size > FAILED_RETENTION) {
      const oldest = this.failed.keys().next();
      if (!oldest.done) this.failed.delete(oldest.value);
    }
  }

  retry(delivery: Delivery, delayMs: number): void {
    if (this.release(delivery)) this.delay(delivery.job, delayMs);
  }

  /** Puts a delivery that will not finish here back at the head of the queue for another worker. */
  handBack(delivery: Delivery): void {
    if (this.release(delivery)) this.makeWaiting(delivery.job, 'front');
  }

  counts(): JobCounts {
    return {
      waiting: this.waiting.length,
      active: this.active.size,
      delayed: this.delayed.size,
      failed: this.failed.size,
    };
  }

  addWorker(worker: QueueWorker): void {
    this.workers.push(worker);
  }

  removeWorker(worker: QueueWorker): void {
    this.workers = this.workers.filter((w) => w !== worker);
  }

  /** Drops every job and timer. */
  clear(): void {
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.waiting.length = 0;
    this.active.clear();
    this.failed.clear();
  }

  private release(delivery: Delivery): boolean {
    if (this.active.get(delivery.job.id) !== delivery) return false;
    this.active.delete(delivery.job.id);
    return true;
  }

  private delay(job: StoredJob, delayMs: number): void {
    const timer = setTimeout(() => {
      this.delayed.delete(job.id);
      this.makeWaiting(job, 'back');
    }, delayMs);
    // A pending delay must not keep the process alive.
    timer.unref();
    this.delayed.set(job.id, { job, timer });
  }

  private makeWaiting(job: StoredJob, end: 'front' | 'back'): void {
    if (end === 'front') this.waiting.unshift(job);
    else this.waiting.push(job);
    // Rotate so that several workers on one queue take turns at new work.
    const first = this.workers.shift();
    if (first) this.workers.push(first);
    for (const w of this.workers) w.wake();
  }
}

/**
 * Storage shared by the in-process queue instances that are given the same backend: instances with
 * the same queue name on one backend act as several workers on one queue, as BullMQ workers on one
 * Redis would. Lives only in this process's memory.
 */
export class InProcessQueueBackend {
  private readonly queues = new Map<string, InProcessQueueState>();

  /** The state of the queue called `name`, created on first use. */
  queue(name: string): InProcessQueueState {
    let state = this.queues.get(name);
    if (!state) {
      state = new InProcessQueueState();
      this.queues.set(name, state);
    }
    return state;
  }

  /** Drops every job and pending timer of every queue (for tests and shutdown). */
  clear(): void {
    for (const state of this.queues.values()) state.clear();
    this.queues.clear();
  }
}
