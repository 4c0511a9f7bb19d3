import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { SEED_LEASE_TIMINGS } from '../../ports/index.ts';
import type { LeaderElector, LeadershipState, LeaseTimings } from '../../ports/index.ts';
import type { RedisConnection } from './redis.connection.ts';
import { RedisKeyspace } from './redis.keyspace.ts';
import { withDeadline } from './redis.errors.ts';
import { RedisScript } from './redis.script.ts';

/**
 * Claim the lease if it is free (or still carries our own id from a term we already gave up) and
 * open a new term, atomically. The term is max(previous + 1, Redis TIME in µs): it grows per term
 * like a counter, and it also keeps growing when the counter itself is lost — Redis restarted
 * without persistence, or a Sentinel failover promoted a replica that missed the last INCR — where a
 * bare INCR would hand out a token an earlier leader already held. (µs stay below 2^53 until 2255.)
 * KEYS: lease, term. ARGV: id, leaseMs. Returns {1, term} or {0, holder}.
 */
const ACQUIRE = new RedisScript(`
local holder = redis.call('GET', KEYS[1])
if holder then
  local holderId = string.match(holder, '^(.*)|%d+$')
  if holderId ~= ARGV[1] then return {0, holder} end
end
local now = redis.call('TIME')
local nowUs = tonumber(now[1]) * 1000000 + tonumber(now[2])
local term = redis.call('INCR', KEYS[2])
if term < nowUs then
  term = nowUs
  redis.call('SET', KEYS[2], string.format('%.0f', term))
end
local value = ARGV[1] .. '|' .. string.format('%.0f', term)
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
return {1, string.format('%.0f', term)}
`);

/** Extend the lease only while it still holds our id and term. KEYS: lease. ARGV: value, leaseMs. */
const RENEW = new RedisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`);

/** Delete the lease only while it still holds our id and term. KEYS: lease. ARGV: value. */
const RELEASE = new RedisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

export interface RedisLeaderElectorOptions extends Partial<LeaseTimings> {
  /**
   * The instance's display name (`server.instance_id`), the start of this participant's id. The id
   * always ends in `-<pid>-<random>`, unique per process start: two containers configured alike (or
   * both `hostname-1`) must never share a lease holder id, or both would believe they lead. `|` is
   * replaced. Default: the hostname.
   */
  instanceName?: string;
  /** The election: one leader per name. Default `orchestrator`. */
  name?: string;
  /** Key root, overriding the connection's. Default: the connection's `keyPrefix`. */
  keyPrefix?: string;
  /** Called when an acquire/renew/release attempt fails (Redis down, timeout) or a listener throws. Default: none. */
  onError?: (err: unknown) => void;
}

/**
 * {@link LeaderElector} on a Redis lease (defaults: the seed's 15 s lease, 10 s renew deadline, 2 s
 * retry period). Keys `{tw}:leader:<name>:lease` (value `id|term`, PX lease) and
 * `{tw}:leader:<name>:term` share a hash slot, so the acquire script runs under Cluster.
 *
 * Safety: every attempt runs against a deadline, and a leader whose last successful renewal was
 * *sent* more than renewDeadline ago steps down locally (by timer, and again lazily in `state()`),
 * before the lease it last extended — which runs from at least that send time — can expire and be
 * taken by a peer. The term is the fencing token for writes made while leader.
 */
export class RedisLeaderElector implements LeaderElector {
  readonly id: string;
  private readonly connection: RedisConnection;
  private readonly timings: LeaseTimings;
  private readonly leaseKey: string;
  private readonly termKey: string;
  private readonly onError: (err: unknown) => void;
  private readonly listeners = new Set<(state: LeadershipState) => void>();
  private current: LeadershipState = { isLeader: false, term: 0 };
  /** performance.now() at which the last successful acquire/renew was sent. */
  private renewedAt = 0;
  private running = false;
  private paused = false;
  private tickTimer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(connection: RedisConnection, options: RedisLeaderElectorOptions = {}) {
    this.connection = connection;
    const base = (options.instanceName ?? hostname()).replace(/\|/g, '_');
    this.id = `${base}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.timings = {
      leaseDurationMs: options.leaseDurationMs ?? SEED_LEASE_TIMINGS.leaseDurationMs,
      renewDeadlineMs: options.renewDeadlineMs ?? SEED_LEASE_TIMINGS.renewDeadlineMs,
      retryPeriodMs: options.retryPeriodMs ?? SEED_LEASE_TIMINGS.retryPeriodMs,
    };
    const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = this.timings;
    if (!(retryPeriodMs < renewDeadlineMs && renewDeadlineMs < leaseDurationMs)) {
      throw new RangeError('Lease timings need retryPeriod < renewDeadline < leaseDuration');
    }
    const keys = options.keyPrefix ? new RedisKeyspace(options.keyPrefix) : connection.keys;
    const name = options.name ?? 'orchestrator';
    this.leaseKey = keys.tagged('leader', name, 'lease');
    this.termKey = keys.tagged('leader', name, 'term');
    this.onError = options.onError ?? (() => {});
  }

  /** Starts campaigning; resolves after the first attempt (so a lone participant leads at once). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.runTick();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.paused = false;
    clearTimeout(this.tickTimer);
    await this.inFlight;
    if (this.current.isLeader) {
      const value = this.leaseValue();
      this.stepDown();
      try {
        await withDeadline(
          RELEASE.run(this.connection.client, [this.leaseKey], [value]),
          this.timings.renewDeadlineMs,
          'lease release',
        );
      } catch (err) {
        this.onError(err); // the lease then expires on its own
      }
    }
  }

  state(): LeadershipState {
    if (!this.paused) this.checkDeadline();
    return { ...this.current };
  }

  onChange(listener: (state: LeadershipState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Test hook: freezes this participant as a stopped process would be — no renewals, no deadline
   * checks, `state()` keeps answering what it believed when frozen. Returns the function that thaws
   * it (then it renews at once, finds the lease gone if a peer took it, and steps down).
   */
  pauseForTest(): () => void {
    this.paused = true;
    clearTimeout(this.tickTimer);
    clearTimeout(this.deadlineTimer);
    return () => {
      if (!this.paused) return;
      this.paused = false;
      if (this.running) void this.runTick();
    };
  }

  private runTick(): Promise<void> {
    clearTimeout(this.tickTimer);
    const tick = (this.inFlight ??= this.tick().finally(() => {
      this.inFlight = undefined;
      if (this.running && !this.paused) {
        this.tickTimer = setTimeout(() => void this.runTick(), this.timings.retryPeriodMs);
      }
    }));
    return tick;
  }

  private async tick(): Promise<void> {
    const client = this.connection.client;
    const sentAt = performance.now();
    // Generous: safety does not rest on this deadline (the renewDeadline timer steps down on its
    // own, and a late reply is dated by its send time); it only keeps the loop from hanging.
    const budget = this.timings.renewDeadlineMs;
    try {
      if (this.current.isLeader) {
        const value = this.leaseValue();
        const renewed = await withDeadline(
          RENEW.run(client, [this.leaseKey], [value, this.timings.leaseDurationMs]),
          budget,
          'lease renew',
        );
        if (this.paused || !this.current.isLeader || this.leaseValue() !== value) return;
        if (Number(renewed) === 1) this.markRenewed(sentAt);
        else this.stepDown();
        return;
      }
      const reply = (await withDeadline(
        ACQUIRE.run(client, [this.leaseKey, this.termKey], [this.id, this.timings.leaseDurationMs]),
        budget,
        'lease acquire',
      )) as [number, string];
      // Recorded even if stop() began meanwhile: stop() awaits this tick, then releases the lease.
      if (reply[0] !== 1) return;
      this.current = { isLeader: true, term: Number(reply[1]) };
      this.markRenewed(sentAt);
      this.notify();
    } catch (err) {
      this.onError(err);
      this.checkDeadline();
    }
  }

  private markRenewed(sentAt: number): void {
    this.renewedAt = Math.max(this.renewedAt, sentAt);
    clearTimeout(this.deadlineTimer);
    const left = this.renewedAt + this.timings.renewDeadlineMs - performance.now();
    this.deadlineTimer = setTimeout(() => this.checkDeadline(), Math.max(0, left) + 1);
  }

  private checkDeadline(): void {
    if (this.current.isLeader && performance.now() - this.renewedAt >= this.timings.renewDeadlineMs)
      this.stepDown();
  }

  private stepDown(): void {
    clearTimeout(this.deadlineTimer);
    if (!this.current.isLeader) return;
    this.current = { isLeader: false, term: 0 };
    this.notify();
  }

  private leaseValue(): string {
    return `${this.id}|${this.current.term}`;
  }

  private notify(): void {
    const snapshot = { ...this.current };
    for (const listener of this.listeners) {
      try {
        listener(snapshot);
      } catch (err) {
        this.onError(err);
      }
    }
  }
}
