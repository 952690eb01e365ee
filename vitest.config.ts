import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      // Tests run against the sources; the CLI end-to-end tests run the built binary.
      '@cws/shared': here('./shared/src/index.ts'),
      '@cws/registry-server': here('./registry-server/src/index.ts'),
      '@cws/migrations': here('./migrations/src/index.ts'),
      '@cws/aws-emulator': here('./test/aws-emulator/src/index.ts'),
    },
  },
  test: {
    include: [
      'shared/src/**/*.test.ts',
      'registry-server/src/**/*.test.ts',
      'cli/src/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    pool: 'forks',
    // Most test files wait on subprocesses, sockets and the emulator's timed state changes,
    // so one worker more than there are cores keeps the machine busy.
    maxWorkers: availableParallelism() + 1,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
