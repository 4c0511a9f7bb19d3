import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The inner loop (`npm run test:unit`): unit tests and the in-process adapters' contract suites.
 * No services, no browser, no child processes, no database: the few files under test/unit that open
 * PGlite (each pays its ~10-30 s start) or PostgreSQL stay in `npm test` (vitest.config.ts).
 */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/contract/in-process.test.ts'],
    exclude: [
      ...configDefaults.exclude,
      'test/unit/store/error-translation.test.ts',
      'test/unit/cli/audit-command.test.ts',
      'test/unit/cli/incidents-command.test.ts',
      'test/unit/response/action-rules.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
