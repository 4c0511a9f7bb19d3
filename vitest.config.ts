import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Multi-process suites run on their own, one file at a time: vitest.distributed.config.ts.
    exclude: [...configDefaults.exclude, 'test/distributed/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: PGlite instances cost ~230 MB and real-process suites spawn children.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
