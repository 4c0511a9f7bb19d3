import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The inner loop (`npm run test:unit`): unit tests and the in-process adapters' contract suites.
 * No services, no browser, no child processes; PGlite in memory where a test needs SQL.
 * test/unit/store/error-translation.test.ts runs against PostgreSQL too, so it stays in `npm test`.
 */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/contract/in-process.test.ts'],
    exclude: [...configDefaults.exclude, 'test/unit/store/error-translation.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
