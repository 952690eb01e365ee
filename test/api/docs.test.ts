import { readFileSync } from 'node:fs';
import { ENV_DOCS } from '@cws/registry-server';
import { describe, expect, it } from 'vitest';
import { routes } from '../../registry-server/src/http/routes/index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every environment variable the server reads', () => {
    for (const { name } of ENV_DOCS) expect(readme, name).toContain(`| \`${name}\``);
  });

  it("gives the test command CI runs (.ci/run's TEST_COMMAND), word for word", () => {
    const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    const command = ci.match(/^TEST_COMMAND='([^']+)'$/m)?.[1];
    expect(command, 'TEST_COMMAND in .ci/run').toBeTruthy();
    const block = readme.match(/Run the whole test suite[^`]*```sh\n([^\n]+)\n```/)?.[1];
    expect(block).toBe(command);
    expect(ci.match(/bash -c "\$TEST_COMMAND"/g)?.length, 'both passes run it').toBe(2);
  });

  it('lists every API route', () => {
    for (const { contract: spec } of routes) {
      const path = spec.path.replace(/\?.*$/, '');
      expect(readme, `${spec.method} ${path}`).toContain(path);
    }
  });
});
