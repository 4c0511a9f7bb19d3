/** Lease timings of the seed (scaling.md): leaseDuration 15s, renewDeadline 10s, retryPeriod 2s. */
export interface LeaseTimings {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export const SEED_LEASE_TIMINGS: Readonly<LeaseTimings> = Object.freeze({
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
});

export interface LeadershipState {
  isLeader: boolean;
  /** The fencing token of this instance's current term; grows with each new term. 0 when not leader. */
  term: number;
}

/**
 * One leader among the participants (DESIGN.md: LeaderElector). Claims are atomic; renewal is a
 * compare-and-renew on our own term; a leader that cannot renew within renewDeadline steps down
 * before its lease can be taken by another; a new term always gets a larger token.
 */
export interface LeaderElector {
  readonly id: string;
  /**
   * Starts campaigning. Resolves after the first claim attempt, so a lone participant facing a free
   * lease is leader when it resolves. Idempotent; may be called again after stop().
   */
  start(): Promise<void>;
  /** Stops campaigning and releases the lease if held, so a peer takes over at once. Idempotent. */
  stop(): Promise<void>;
  state(): LeadershipState;
  /**
   * Called on every change of this instance's leadership (gain, loss, and stop() while leading).
   * A listener that throws is isolated. Returns an unsubscribe function.
   */
  onChange(listener: (state: LeadershipState) => void): () => void;
}
