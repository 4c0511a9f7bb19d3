import type { Config } from '../config/index.ts';
import {
  InProcessCache,
  InProcessEventBus,
  InProcessJobQueue,
  InProcessLeaderElector,
  InProcessRateLimiter,
} from '../adapters/in-process/index.ts';
import { JOB_CATALOG, retryPoliciesOf, type JobPayloads } from '../core/jobs/job-catalog.ts';
import type {
  Cache,
  EventBus,
  JobQueue,
  LeaderElector,
  Logger,
  RateLimiter,
  RetryPolicy,
  RetryPolicyByName,
} from '../ports/index.ts';

/** The ports that move work and state between processes. */
export interface Transports {
  kind: 'in-process' | 'redis';
  /** The work queue: every kind of the job catalog travels on it. */
  queue: JobQueue<JobPayloads>;
  bus: EventBus;
  cache: Cache;
  counters: RateLimiter;
  elector: LeaderElector;
  /** Readiness of the transport backend (always ok in-process). */
  check(): Promise<{ ok: boolean; detail?: string }>;
  redisConnectedClients?: () => Promise<number>;
  /** Times the queue worker was replaced after it stopped consuming. */
  queueWorkerRecoveries?: () => number;
  close(): Promise<void>;
}

export function leaseTimings(config: Config) {
  const le = config.orchestrator.leaderElection;
  return {
    leaseDurationMs: le.leaseDuration,
    renewDeadlineMs: le.renewDeadline,
    retryPeriodMs: le.retryPeriod,
  };
}

/**
 * Each job kind's retry policy from the catalog; `triage` takes orchestrator.job_attempts and
 * orchestrator.job_backoff, which are also the queue's default.
 */
export function retryPolicies(config: Config): { retry: RetryPolicy; retryByName: RetryPolicyByName } {
  const triage: RetryPolicy = {
    ...JOB_CATALOG.triage.retry,
    attempts: config.orchestrator.job_attempts,
    backoffMs: config.orchestrator.job_backoff,
  };
  return { retry: triage, retryByName: { ...retryPoliciesOf(JOB_CATALOG), triage } };
}

/** Embedded mode: everything in this process's memory. */
export function createInProcessTransports(config: Config): Transports {
  const queue = new InProcessJobQueue<JobPayloads>({ name: 'incidents', ...retryPolicies(config) });
  const bus = new InProcessEventBus();
  const cache = new InProcessCache();
  const counters = new InProcessRateLimiter();
  const elector = new InProcessLeaderElector({
    instanceName: config.server.instance_id,
    timings: leaseTimings(config),
  });
  return {
    kind: 'in-process',
    queue,
    bus,
    cache,
    counters,
    elector,
    check: async () => ({ ok: true }),
    async close() {
      await Promise.allSettled([bus.close(), cache.close(), counters.close()]);
    },
  };
}

export type TransportFactory = (config: Config, log: Logger) => Promise<Transports>;
