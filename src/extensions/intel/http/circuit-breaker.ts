import type { CircuitState } from '../../../ports/index.ts';

/** Construction options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long an open circuit fails fast before letting one trial call through (ms). Default 30 000. */
  cooldownMs?: number;
  /** Told of every state change (metrics, logs). */
  onStateChange?: (state: CircuitState) => void;
  /** Monotonic clock, ms. Default `performance.now`. */
  now?: () => number;
}

/**
 * A per-provider circuit breaker. Closed: calls pass, consecutive failures are counted. Open: calls
 * are refused without touching the vendor until the cool-down has passed. Half-open: exactly one
 * trial call passes (the rest are refused); its success closes the circuit, its failure opens it
 * again for another cool-down. State is per process: each orchestrator protects its own calls.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #onChange: (state: CircuitState) => void;
  readonly #now: () => number;
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #trialInFlight = false;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#threshold = options.failureThreshold ?? 5;
    this.#cooldownMs = options.cooldownMs ?? 30_000;
    if (!Number.isInteger(this.#threshold) || this.#threshold < 1)
      throw new RangeError('failureThreshold must be an integer >= 1');
    if (!(this.#cooldownMs >= 0)) throw new RangeError('cooldownMs must be >= 0');
    this.#onChange = options.onStateChange ?? (() => {});
    this.#now = options.now ?? (() => performance.now());
  }

  /** The state now (an open circuit whose cool-down has passed reads as half-open). */
  get state(): CircuitState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#cooldownMs) return 'half_open';
    return this.#state;
  }

  /**
   * Asks to make a call: true when it may go ahead (the caller must then report `success()` or
   * `failure()` once), false when the circuit refuses it.
   */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#trialInFlight) return false;
    if (this.#state !== 'half_open') this.#set('half_open');
    this.#trialInFlight = true;
    return true;
  }

  success(): void {
    this.#failures = 0;
    this.#trialInFlight = false;
    if (this.#state !== 'closed') this.#set('closed');
  }

  failure(): void {
    this.#failures += 1;
    const trial = this.#trialInFlight;
    this.#trialInFlight = false;
    if (trial || (this.#state === 'closed' && this.#failures >= this.#threshold)) {
      this.#openedAt = this.#now();
      this.#set('open');
    }
  }

  /** A call that ended without saying anything about the vendor's health (e.g. aborted by us). */
  release(): void {
    this.#trialInFlight = false;
  }

  #set(state: CircuitState): void {
    this.#state = state;
    this.#onChange(state);
  }
}
