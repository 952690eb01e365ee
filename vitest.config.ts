import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      // Tests run against the sources; the CLI end-to-end tests run the built binary.
      // A subpath of @cws/shared (its "./*" export, `@cws/shared/schemas/resolve`) is that file of shared/src.
      { find: /^@cws\/shared\/(.+)$/, replacement: here('./shared/src/$1.ts') },
      { find: /^@cws\/shared$/, replacement: here('./shared/src/index.ts') },
      { find: /^@cws\/registry-server$/, replacement: here('./registry-server/src/index.ts') },
      { find: /^@cws\/migrations$/, replacement: here('./migrations/src/index.ts') },
      { find: /^@cws\/aws-emulator$/, replacement: here('./test/aws-emulator/src/index.ts') },
    ],
  },
  test: {
    include: [
      'shared/src/**/*.test.ts',
      'registry-server/src/**/*.test.ts',
      'cli/src/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    // One migrated database for the run (a PGlite dump, or a PostgreSQL template) that test registries copy.
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Test code talks to the emulator with the AWS SDK too: quiet its Node 20 notice there, as the server and the
    // CLI do for themselves (test/install checks the installed binaries with an environment of its own).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // One worker per core: the CLI end-to-end files start many Node subprocesses, and more
    // workers than cores made their timings flaky on a 2-core machine.
    maxWorkers: availableParallelism(),
    // CLI end-to-end tests run the built binary several times per test.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
