import type { InstanceLoad } from '../../contracts/cluster.ts';
import type { InstanceHeartbeat, InstanceRegistry, Logger } from '../../ports/index.ts';

export interface InstanceHeartbeatOptions {
  registry: InstanceRegistry;
  /** Who this process is (everything of its row but the load). */
  self: Omit<InstanceHeartbeat, 'load'>;
  /** This process's figures now; `intervalS` is the time since the previous sample. */
  sample: (intervalS: number) => Promise<InstanceLoad> | InstanceLoad;
  /** Heartbeat period (`server.heartbeat_interval`, default 10 s). */
  intervalMs: number;
  log: Logger;
  /** A failing write is logged at most once per this period (default 60 s); the others are counted. */
  logEveryMs?: number;
  /** Longest wait for the `gone` mark on stop (default 2 s): shutdown must not hang on a dead database. */
  goneTimeoutMs?: number;
}

/**
 * Upserts this process's row in the cluster registry every `intervalMs` (the first at start), and
 * marks it gone on stop. A failed write is logged (rate-limited) and never thrown: the registry is for
 * people looking at the cluster, and must not take a process down with the database.
 */
export class InstanceHeartbeatLoop {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<boolean> | undefined;
  private lastSampleAt = performance.now();
  private lastLogAt = -Infinity;
  private suppressed = 0;
  private stopped = false;
  /** Counters for tests and logs. */
  readonly stats = { written: 0, failed: 0 };

  constructor(private readonly options: InstanceHeartbeatOptions) {}

  start(): void {
    if (this.timer || this.stopped) return;
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.options.intervalMs);
    this.timer.unref();
  }

  /** One heartbeat now (skipped while one is still being written). Resolves true when written. */
  beat(): Promise<boolean> {
    this.inFlight ??= this.write().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Stops the heartbeats and marks the row gone (bounded by goneTimeoutMs). Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
    const timeout = this.options.goneTimeoutMs ?? 2000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.options.registry.markGone(this.options.self.id),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), timeout);
        }),
      ]);
    } catch (err) {
      this.options.log.warn(
        { err: String(err) },
        'could not mark this instance gone in the cluster registry',
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private async write(): Promise<boolean> {
    const now = performance.now();
    const intervalS = (now - this.lastSampleAt) / 1000;
    try {
      const load = await this.options.sample(intervalS);
      this.lastSampleAt = now;
      await this.options.registry.heartbeat({ ...this.options.self, load });
      this.stats.written++;
      return true;
    } catch (err) {
      this.stats.failed++;
      const at = performance.now();
      if (at - this.lastLogAt >= (this.options.logEveryMs ?? 60_000)) {
        this.options.log.warn(
          { err: String(err), suppressed: this.suppressed },
          'cluster registry heartbeat failed; retrying every interval',
        );
        this.lastLogAt = at;
        this.suppressed = 0;
      } else {
        this.suppressed++;
      }
      return false;
    }
  }
}
