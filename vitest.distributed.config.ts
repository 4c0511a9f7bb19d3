import { defineConfig } from 'vitest/config';

/**
 * The multi-process suites (test/distributed/**): each starts its own cluster of the real binary
 * (API replicas and orchestrators behind haproxy) on the shared PostgreSQL primary, replica,
 * PgBouncer and Redis. One file at a time: replica.test.ts stops and restarts the shared streaming
 * replica, the failover and fencing suites assert lease timings that a second cluster competing
 * for the two cores would disturb, and every cluster is CPU-bound on its own.
 *
 *   vitest run -c vitest.distributed.config.ts
 */
export default defineConfig({
  test: {
    include: ['test/distributed/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    // Clusters take tens of seconds to start on a loaded two-core machine; scenarios take minutes.
    testTimeout: 240_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
