import { readFileSync } from 'node:fs';
import { ENV_DOCS } from '@cws/registry-server';
import { describe, expect, it } from 'vitest';
import { routes } from '../../registry-server/src/http/routes/index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every environment variable the server reads', () => {
    for (const { name } of ENV_DOCS) expect(readme, name).toContain(`| \`${name}\``);
  });

  it('lists every API route', () => {
    for (const { contract: spec } of routes) {
      const path = spec.path.replace(/\?.*$/, '');
      expect(readme, `${spec.method} ${path}`).toContain(path);
    }
  });
});
