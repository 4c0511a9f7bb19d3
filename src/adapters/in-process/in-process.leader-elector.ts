import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { SEED_LEASE_TIMINGS } from '../../ports/index.ts';
import type { LeaderElector, LeadershipState, LeaseTimings } from '../../ports/index.ts';

/**
 * Where a lease lives. Calls are synchronous; one that throws counts as "backend unreachable" (the
 * elector retries, and a leader steps down once it has not renewed within renewDeadline).
 */
export interface LeaseStore {
  /**
   * Claims the lease for `holder` when it is free, expired or already `holder`'s; returns the new
   * term (always larger than any before), or 0 when another holder's lease is live.
   */
  claim(holder: string, durationMs: number): number;
  /** Extends the lease if `holder` still holds `term`; false when it does not. */
  renew(holder: string, term: number, durationMs: number): boolean;
  /** Frees the lease if `holder` still holds `term`. */
  release(holder: string, term: number): void;
}

/** One lease in this process's memory, shared by the electors given it. Uses the monotonic clock. */
export class InProcessLeaseStore implements LeaseStore {
  private holder: string | null = null;
  private term = 0;
  private expiresAt = 0;

  claim(holder: string, durationMs: number): number {
    const now = performance.now();
    if (this.holder !== null && this.holder !== holder && this.expiresAt > now) return 0;
    this.holder = holder;
    this.term += 1;
    this.expiresAt = now + durationMs;
    return this.term;
  }

  renew(holder: string, term: number, durationMs: number): boolean {
    // An expired lease nobody has claimed since is still ours: nobody else led in between.
    if (this.holder !== holder || this.term !== term) return false;
    this.expiresAt = performance.now() + durationMs;
    return true;
  }

  release(holder: string, term: number): void {
    if (this.holder !== holder || this.term !== term) return;
    this.holder = null;
    this.expiresAt = 0;
  }

  /** The current holder and term, for fencing checks: a write is allowed only under the current term. */
  current(): { holder: string | null; term: number } {
    const live = this.holder !== null && this.expiresAt > performance.now();
    return { holder: live ? this.holder : null, term: this.term };
  }
}

export interface InProcessLeaderElectorOptions {
  /** The lease to compete for. Default: a private store, so this elector always leads. */
  store?: LeaseStore;
  /** Default SEED_LEASE_TIMINGS (15 s / 10 s / 2 s). */
  timings?: LeaseTimings;
  /**
   * The instance's display name (`server.instance_id`), the start of this participant's id, which
   * always ends in `-<pid>-<random>` so that no two electors (processes) share a holder id.
   * Default: the hostname.
   */
  instanceName?: string;
  /** Told about onChange listener exceptions. Default: a process warning (`process.emitWarning`). */
  onListenerError?: (error: unknown) => void;
}

const NOT_LEADER: LeadershipState = Object.freeze({ isLeader: false, term: 0 });

/**
 * Lease-based election in the seed's shape: campaign every retryPeriod; the leader renews every
 * retryPeriod and steps down when it has not renewed for renewDeadline, which is shorter than the
 * lease, so it has let go before a peer can claim the expired lease.
 */
export class InProcessLeaderElector implements LeaderElector {
  readonly id: string;
  private readonly store: LeaseStore;
  private readonly timings: LeaseTimings;
  private readonly onListenerError: (error: unknown) => void;
  private readonly listeners = new Set<(state: LeadershipState) => void>();
  private running = false;
  private term = 0;
  private lastRenewAt = 0;
  private tickTimer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;

  constructor(options: InProcessLeaderElectorOptions = {}) {
    this.id = `${options.instanceName ?? hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.store = options.store ?? new InProcessLeaseStore();
    this.timings = { ...(options.timings ?? SEED_LEASE_TIMINGS) };
    const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = this.timings;
    if (!(retryPeriodMs > 0 && retryPeriodMs < renewDeadlineMs && renewDeadlineMs < leaseDurationMs)) {
      throw new RangeError('lease timings need 0 < retryPeriod < renewDeadline < leaseDuration');
    }
    this.onListenerError =
      options.onListenerError ??
      ((error) =>
        process.emitWarning(`leadership listener threw: ${String(error)}`, { type: 'LeaderElectorError' }));
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.tickTimer);
    if (this.term > 0) {
      try {
        this.store.release(this.id, this.term);
      } catch {
        // Unreachable store: the lease simply expires.
      }
    }
    this.stepDown();
  }

  state(): LeadershipState {
    // Checked here too, in case the event loop was blocked past the deadline timer.
    if (this.term > 0 && performance.now() - this.lastRenewAt < this.timings.renewDeadlineMs) {
      return { isLeader: true, term: this.term };
    }
    return { ...NOT_LEADER };
  }

  onChange(listener: (state: LeadershipState) => void): () => void {
    const wrapped = (state: LeadershipState): void => listener(state);
    this.listeners.add(wrapped);
    return () => this.listeners.delete(wrapped);
  }

  private tick(): void {
    if (!this.running) return;
    const now = performance.now();
    if (this.term > 0) this.renew(now);
    else this.campaign(now);
    this.tickTimer = setTimeout(() => this.tick(), this.timings.retryPeriodMs);
    this.tickTimer.unref();
  }

  private renew(now: number): void {
    let renewed: boolean;
    try {
      renewed = this.store.renew(this.id, this.term, this.timings.leaseDurationMs);
    } catch {
      // Unreachable: keep leading until the deadline timer (armed at the last renewal) fires.
      return;
    }
    if (!renewed) {
      this.stepDown();
      return;
    }
    this.lastRenewAt = now;
    this.armDeadline();
  }

  private campaign(now: number): void {
    let term: number;
    try {
      term = this.store.claim(this.id, this.timings.leaseDurationMs);
    } catch {
      return;
    }
    if (term <= 0) return;
    this.term = term;
    this.lastRenewAt = now;
    this.armDeadline();
    this.emit({ isLeader: true, term });
  }

  private armDeadline(): void {
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(() => this.stepDown(), this.timings.renewDeadlineMs);
    this.deadlineTimer.unref();
  }

  private stepDown(): void {
    clearTimeout(this.deadlineTimer);
    if (this.term === 0) return;
    this.term = 0;
    this.emit({ ...NOT_LEADER });
  }

  private emit(state: LeadershipState): void {
    for (const listener of [...this.listeners]) {
      try {
        listener({ ...state });
      } catch (error) {
        try {
          this.onListenerError(error);
        } catch {
          // A failing error reporter must not stop the elector.
        }
      }
    }
  }
}
