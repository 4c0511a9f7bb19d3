/** The kill switch as stored (docs/RESPONSE.md). */
export interface KillSwitchState {
  active: boolean;
  /** Why it was last activated or deactivated. */
  reason: string | null;
  /** Who last changed it (`user:alice`, `api_key:ab12cd34`). */
  changedBy: string | null;
  changedAt: Date | null;
}

/** Where the kill switch persists: one row, changed with its audit row in one transaction. */
export interface KillSwitchStore {
  get(): Promise<KillSwitchState>;
  /**
   * Sets the switch and writes the audit row, in one transaction. `changed` is false (and nothing is
   * written) when it already held that state.
   */
  set(active: boolean, reason: string, actor: string): Promise<{ state: KillSwitchState; changed: boolean }>;
}

/** What automation consults before it starts any response action. */
export interface KillSwitchView {
  /** True while no automated response action may start (this process's view, at most ~1 s stale). */
  isActive(): boolean;
}
