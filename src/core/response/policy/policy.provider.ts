import { AppError } from '../../../contracts/index.ts';
import type { EventBus, Logger } from '../../../ports/index.ts';
import type { PolicyProvider } from '../../../ports/policy.port.ts';
import type { PolicyStore } from '../../../ports/policy-store.port.ts';
import { compilePolicy, type GuardrailsPolicy } from './compiled-policy.ts';

export interface PolicyProviderDeps {
  store: PolicyStore;
  bus: EventBus;
  log: Logger;
  /** Safety-net re-read of the active version, for a `policy_changed` event the bus lost. */
  pollMs: number;
}

/**
 * The active guardrails for one process (src/ports/policy.port.ts): compiled once per version and
 * cached; dropped when `policy_changed` arrives and when the poll finds another active version, so a
 * lost event still converges within `pollMs`. Like the kill switch, the stored row is the truth.
 */
export class CachedPolicyProvider implements PolicyProvider {
  private cached?: GuardrailsPolicy;
  private loading?: Promise<GuardrailsPolicy>;
  /** Bumped on every drop: a load that started before it does not fill the cache. */
  private generation = 0;
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;

  constructor(private readonly deps: PolicyProviderDeps) {}

  /** Follows changes (event and poll). Never throws: a bus that is not up yet leaves the poll. */
  async start(): Promise<void> {
    this.timer = setInterval(() => void this.check().catch(() => undefined), this.deps.pollMs);
    this.timer.unref();
    try {
      this.unsubscribe = await this.deps.bus.subscribe((event) => {
        if (event.type === 'policy_changed') this.drop();
      });
    } catch (err) {
      this.deps.log.warn({ err: String(err) }, 'policy events not followed; the poll picks up changes');
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
  }

  /** Forgets the compiled policy (the next `active()` reads the store). */
  drop(): void {
    this.generation += 1;
    this.cached = undefined;
    this.loading = undefined;
  }

  async active(signal?: AbortSignal): Promise<GuardrailsPolicy> {
    signal?.throwIfAborted();
    if (this.cached) return this.cached;
    this.loading ??= this.load(this.generation).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(generation: number): Promise<GuardrailsPolicy> {
    const row = await this.deps.store.active();
    if (!row) throw new AppError('SERVICE_UNAVAILABLE', 'no guardrails policy is stored yet');
    const r = compilePolicy(row.source, `policy v${row.version}`, row.version);
    if (!r.ok) {
      // Only possible after an upgrade that tightened the format: fail closed, loudly.
      this.deps.log.error(
        { version: row.version, errors: r.errors.length },
        'the active policy does not compile',
      );
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        `the active policy (version ${row.version}) does not compile`,
      );
    }
    if (generation === this.generation) this.cached = r.policy;
    return r.policy;
  }

  private async check(): Promise<void> {
    if (!this.cached) return;
    const row = await this.deps.store.active();
    if (row && row.version !== this.cached.version) this.drop();
  }
}
