import { AppError } from '../../contracts/index.ts';
import type {
  EventBus,
  KillSwitchState,
  KillSwitchStore,
  KillSwitchView,
  Logger,
} from '../../ports/index.ts';

export interface KillSwitchDeps {
  store: KillSwitchStore;
  bus: EventBus;
  log: Logger;
  /** Set to 1/0 on every change this process sees (tw_kill_switch_active). */
  gauge?: { set(value: number): void };
  /** Safety-net re-read of the stored state, for an event the bus lost (docs/RESPONSE.md). */
  pollMs: number;
}

/**
 * The kill switch (docs/RESPONSE.md): one persisted flag for the deployment. While it is active no
 * automated response action may start; ingestion and triage go on. Every process holds the state in
 * memory (`isActive()` is synchronous, for the action executor's hot path): a change is published on
 * the event bus and every process re-reads the stored row when the event arrives, and every `pollMs`
 * in case an event was lost. The stored row, not the event, is the truth.
 */
export class KillSwitchService implements KillSwitchView {
  private current: KillSwitchState = { active: false, reason: null, changedBy: null, changedAt: null };
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private stopped = false;

  constructor(private readonly deps: KillSwitchDeps) {}

  /** Reads the stored state (a failure to read is thrown: do not start blind), then follows it. */
  async start(): Promise<void> {
    await this.refresh();
    this.unsubscribe = await this.deps.bus.subscribe((event) => {
      if (event.type === 'kill_switch_activated' || event.type === 'kill_switch_deactivated')
        void this.refresh().catch(() => undefined);
    });
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.deps.pollMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
  }

  isActive(): boolean {
    return this.current.active;
  }

  state(): KillSwitchState {
    return { ...this.current };
  }

  /**
   * Re-reads the stored state. Reads are not merged (a read started before a change committed must
   * not answer for one asked after it); one that completes late cannot undo a newer state (apply).
   */
  async refresh(): Promise<KillSwitchState> {
    try {
      const s = await this.deps.store.get();
      this.apply(s);
      return s;
    } catch (err) {
      this.deps.log.warn({ err: String(err) }, 'kill switch state not read; keeping the last one');
      throw err;
    }
  }

  async activate(reason: string, actor: string): Promise<{ state: KillSwitchState; changed: boolean }> {
    return this.set(true, reason, actor);
  }

  async deactivate(reason: string, actor: string): Promise<{ state: KillSwitchState; changed: boolean }> {
    return this.set(false, reason, actor);
  }

  private async set(active: boolean, reason: string, actor: string) {
    const text = reason.trim();
    if (!text) throw new AppError('VALIDATION_ERROR', 'reason must not be empty');
    const result = await this.deps.store.set(active, text, actor);
    this.apply(result.state);
    if (result.changed) {
      this.deps.log.warn({ by: actor, active }, active ? 'kill switch activated' : 'kill switch deactivated');
      // Stored and audited already: a lost event is caught up by every process's poll.
      await (
        active
          ? this.deps.bus.publish('kill_switch_activated', { by: actor, reason: text })
          : this.deps.bus.publish('kill_switch_deactivated', { by: actor })
      ).catch((err: unknown) =>
        this.deps.log.warn({ err: String(err) }, 'kill switch event not published; the poll propagates it'),
      );
    }
    return result;
  }

  private apply(s: KillSwitchState): void {
    if (this.stopped) return;
    // A slower read must not undo a newer state: keep the most recent change.
    if (this.current.changedAt && (!s.changedAt || s.changedAt < this.current.changedAt)) return;
    this.current = s;
    this.deps.gauge?.set(s.active ? 1 : 0);
  }
}
