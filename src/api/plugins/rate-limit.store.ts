import type { RateLimitResult, RateLimiter } from '../../ports/index.ts';

/** Hits counted locally before they are sent to the backend in one call (per key). */
const BATCH = 100;
/** Longest time a key's local hits wait before they are sent (ms). */
const SYNC_MS = 100;
/** Within this many requests of the limit, every hit is counted by the backend. */
const MARGIN = 1000;
/** Keys whose local state is kept (oldest dropped beyond). */
const MAX_KEYS = 10_000;

interface KeyState {
  /** The backend's count at the last answer. */
  synced: number;
  /** Hits admitted here and not yet sent. */
  pending: number;
  /** performance.now() at which the backend's window ends. */
  resetAt: number;
  lastSync: number;
  inflight: boolean;
}

/** What the HTTP rate limits call on their store (callback style: no promise on the hot path). */
export interface CounterStore {
  /**
   * Counts one hit on `key` in memory when that is allowed (far from the limit, window known);
   * false when the hit must go through {@link CounterStore.incr}. Synchronous, allocates nothing.
   */
  admitLocally(key: string, timeWindow: number, max: number): boolean;
  /** Counts one hit; `current` above `max` means refused. `err` when the backend failed. */
  incr(key: string, cb: StoreCallback, timeWindow: number, max: number): void;
}
export type StoreCallback = (err: Error | null, result?: { current: number; ttl: number }) => void;

export interface CounterStoreOptions {
  /** A backend call slower than this counts as a failure. Default 1000 ms. */
  deadlineMs?: number;
  /** After a failure, calls are skipped (the limiter lets requests through) this long. Default 5000 ms. */
  pauseMs?: number;
  /** Called once each time the limiter starts skipping. Default: nothing. */
  onUnavailable?: (err: Error) => void;
}

/**
 * The HTTP rate limits' store on the {@link RateLimiter} port, so the limits are the port's atomic
 * fixed windows: Redis (one Lua call, shared by every replica) in distributed mode, this process's
 * memory in embedded mode. Keys live under `http:` in the port's namespace; every route shares one
 * store (buckets are told apart by the key prefix the caller chooses, not by route).
 *
 * When the backend is down the limiter fails open, and fast: after one failure it stops asking for
 * `pauseMs`, so a Redis outage costs no request more than one `deadlineMs`.
 */
export function counterStore(counters: RateLimiter, options: CounterStoreOptions = {}): CounterStore {
  const deadlineMs = options.deadlineMs ?? 1000;
  const pauseMs = options.pauseMs ?? 5000;
  let pausedUntil = 0;

  const call = (key: string, max: number, windowMs: number, cost: number, cb: StoreCallback): void => {
    if (performance.now() < pausedUntil) return cb(new Error('rate limit backend paused after a failure'));
    let consumed: Promise<RateLimitResult>;
    try {
      consumed = counters.consume(`http:${key}`, max, windowMs, cost);
    } catch (err) {
      consumed = Promise.reject(err as Error);
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`rate limit backend slower than ${deadlineMs} ms`)),
        deadlineMs,
      );
    });
    Promise.race([consumed, deadline]).then(
      (r) => {
        clearTimeout(timer);
        // Refused calls are not counted by the port; report them as one past the limit.
        cb(null, { current: r.allowed ? max - r.remaining : max + 1, ttl: r.resetMs });
      },
      (err: Error) => {
        clearTimeout(timer);
        if (performance.now() >= pausedUntil) options.onUnavailable?.(err);
        pausedUntil = performance.now() + pauseMs;
        cb(err);
      },
    );
  };

  // Far from its limit, a key is counted locally and its hits reach the backend in batches (one
  // call per BATCH hits or SYNC_MS per key, not one per request): on the hot path a shared limit
  // then costs no network round trip. Within MARGIN of the limit every hit is counted exactly, so
  // the cluster-wide count can overshoot only by what other replicas have not flushed yet (at most
  // BATCH each). Limits at or below MARGIN (the defaults per IP and per credential reach it within
  // their first hits) are counted exactly from the start.
  const states = new Map<string, KeyState>();
  const flush = (key: string, st: KeyState, max: number, windowMs: number): void => {
    const cost = st.pending;
    if (cost === 0 || st.inflight) return;
    st.inflight = true;
    st.pending = 0;
    st.lastSync = performance.now();
    counters.consume(`http:${key}`, max, windowMs, cost).then(
      (r) => {
        st.inflight = false;
        // Refused as a whole (the batch would pass the limit): count exactly from now on.
        st.synced = r.allowed ? max - r.remaining : max;
        st.resetAt = performance.now() + r.resetMs;
      },
      () => {
        st.inflight = false;
        st.synced = max; // unknown: exact mode, which fails open by itself when the backend is down
      },
    );
  };
  const local = (key: string, windowMs: number, max: number): KeyState | undefined => {
    if (max <= MARGIN) return undefined;
    const now = performance.now();
    const st = states.get(key);
    if (!st || now >= st.resetAt || st.synced + st.pending + 1 > max - MARGIN) return undefined;
    st.pending += 1;
    if (st.pending >= BATCH || now - st.lastSync >= SYNC_MS) flush(key, st, max, windowMs);
    return st;
  };
  const remember = (key: string, current: number, ttl: number): void => {
    if (states.size >= MAX_KEYS) states.delete(states.keys().next().value!);
    const now = performance.now();
    const prev = states.get(key);
    if (prev?.inflight || (prev && prev.pending > 0)) return;
    states.set(key, { synced: current, pending: 0, resetAt: now + ttl, lastSync: now, inflight: false });
  };

  return {
    admitLocally: (key, timeWindow, max) => local(key, timeWindow, max) !== undefined,
    incr(key, cb, timeWindow, max) {
      const st = local(key, timeWindow, max);
      if (st) {
        cb(null, { current: st.synced + st.pending, ttl: Math.max(0, st.resetAt - performance.now()) });
        return;
      }
      call(key, max, timeWindow, 1, (err, result) => {
        if (!err && result && max > MARGIN) remember(key, result.current, result.ttl);
        cb(err, result);
      });
    },
  };
}
