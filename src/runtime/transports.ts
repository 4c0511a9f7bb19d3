import type { Config } from '../config/index.ts';
import {
  InProcessCache,
  InProcessEventBus,
  InProcessJobQueue,
  InProcessLeaderElector,
  InProcessRateLimiter,
} from '../adapters/in-process/index.ts';
import type { JobPayloads } from '../core/jobs/job-catalog.ts';
import { JOB_CATALOG } from '../core/jobs/job-catalog.ts';
import type { Cache, EventBus, JobQueue, LeaderElector, Logger, RateLimiter } from '../ports/index.ts';

/** The ports that move work and state between processes. */
export interface Transports {
  kind: 'in-process' | 'redis';
  queue: JobQueue<JobPayloads['triage']>;
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

export function retryPolicy(config: Config) {
  return {
    ...JOB_CATALOG.triage.retry,
    attempts: config.orchestrator.job_attempts,
    backoffMs: config.orchestrator.job_backoff,
  };
}

/** Embedded mode: everything in this process's memory. */
export function createInProcessTransports(config: Config): Transports {
  const queue = new InProcessJobQueue<JobPayloads['triage']>({
    name: 'incidents',
    retry: retryPolicy(config),
  });
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
