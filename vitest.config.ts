import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: PGlite instances cost ~230 MB and real-process suites spawn children.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
