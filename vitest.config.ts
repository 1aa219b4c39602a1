import { defineConfig } from 'vitest/config';

// Limits for a slow 2-core CI machine: a test or hook that needs more says so itself. Vitest's
// defaults (5 s a test, 10 s a hook) are close to what a CLI run against a ClickHouse server or
// stopping a service takes there; these only change how long a real hang takes to be reported.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
