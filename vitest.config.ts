import { defineConfig } from 'vitest/config';

// Two projects: unit tests (no engine) and integration tests (a real dockerd, see scripts/provision-test-engine.sh).
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // the engine is one shared machine: keep files sequential so resources do not fight
          fileParallelism: false,
          // the built main process is loaded by Node itself, unchanged (test/integration/electron-shell.test.ts)
          server: { deps: { external: [/\/dist\/electron\/main\//] } },
        },
      },
    ],
  },
});
