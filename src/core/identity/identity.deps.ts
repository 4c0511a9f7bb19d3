import type { EventBus, IdentityStore, Logger, RateLimiter } from '../../ports/index.ts';
import type { ScryptParams } from './password.ts';

/** Settings of the identity services (from config `auth`; durations in ms). */
export interface IdentitySettings {
  /** A session unused this long ends (default 30 min). */
  sessionIdleMs: number;
  /** A session ends this long after login whatever its use (default 12 h). */
  sessionMaxAgeMs: number;
  /** Failed logins per username within the window before it is locked (default 5). */
  loginMaxFailuresPerUser: number;
  /** Failed logins per client IP within the window before it is locked (default 20). */
  loginMaxFailuresPerIp: number;
  /** Failure-counting window, and the lockout's length (default 15 min). */
  loginWindowMs: number;
  /** Password hashing cost (default {@link DEFAULT_SCRYPT}). */
  scrypt?: ScryptParams;
}

/** The resources the identity services share. */
export interface IdentityDeps {
  store: IdentityStore;
  /** Publishes `credentials_changed` so every API process drops its cached credentials at once. */
  bus: EventBus;
  /** Shared counters (Redis in distributed mode): login failures hold across replicas. */
  counters: RateLimiter;
  log: Logger;
  settings: IdentitySettings;
  now?: () => Date;
  /** Called at once on a credential change in this process (drops its own cache before the bus echo). */
  onCredentialsChanged?: () => void;
}

/** Who did something, from where (for authentication events). */
export interface AuthContext {
  /** `user:<name>`, `api_key:<prefix>`, `system:…` */
  actor: string;
  ip: string | null;
}

/** Publishes a credential change; a bus failure is logged (caches expire within their TTL anyway). */
export async function announce(
  deps: IdentityDeps,
  kind: 'api_key' | 'session' | 'user',
  id: string,
): Promise<void> {
  deps.onCredentialsChanged?.();
  try {
    await deps.bus.publish('credentials_changed', { kind, id });
  } catch (err) {
    deps.log.warn({ err: String(err), kind }, 'credential change not broadcast; caches expire by TTL');
  }
}
