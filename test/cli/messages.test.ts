import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { assertBuilt, cws, type Sandbox, sandbox } from './run-cws.js';
import { addRegistry, writeTemplate } from './seed.js';

// What people read when something is wrong: one clear line naming the flag or variable and the value, said once,
// and a "Try this" that is never empty. Run on the built binary.
let reg: TestRegistry;
let box: Sandbox;
beforeAll(async () => {
  assertBuilt();
  reg = await startRegistry();
  box = sandbox();
  await addRegistry(box, 'community', reg.url);
});
afterAll(async () => {
  box?.cleanup();
  await reg?.close();
});

const run = (args: string[], env: Record<string, string> = {}) =>
  cws(args, { env: { ...box.env, ...env }, timeoutMs: 60_000 });

describe('usage errors in cws words', () => {
  it('a bad whole number names the flag and the value, not oclif "Expected an integer"', async () => {
    const r = await run(['registry', 'add', 'x', 'http://127.0.0.1:1', '--priority', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'Error: --priority must be a whole number, not "abc"\nTry this: cws registry add --help shows the flags and examples\n',
    );
    const json = await run(['ami', 'browse', '--limit', 'many', '--json']);
    expect(json.json.error).toMatchObject({
      code: 'usage',
      exit: 2,
      message: '--limit must be a whole number, not "many"',
    });
  });

  it('a missing argument and an unknown flag say so in one line', async () => {
    const missing = await run(['ami', 'resolve']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.split('\n')[0]).toBe('Error: missing argument TEMPLATE');
    const unknown = await run(['ami', 'resolve', 'python-ml', '--bogus']);
    expect(unknown.stderr.split('\n')[0]).toBe('Error: unknown flag --bogus');
    expect(unknown.stderr).not.toContain('See more help');
  });

  it('a bad environment variable names it and its value, not zod\'s "received NaN"', async () => {
    const r = await run(['registry', 'list'], { CWS_CACHE_TTL: 'soon' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('environment variable CWS_CACHE_TTL: must be a number of seconds, not "soon"');
    expect(r.stderr).not.toMatch(/NaN|Invalid input/);
  });

  it('ami browse --region mars-1 says what is wrong once, before asking the registry', async () => {
    const r = await run(['ami', 'browse', '--region', 'mars-1']);
    expect(r.code).toBe(2);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('Error:'));
    expect(errors).toEqual(['Error: --region must be an AWS region name such as us-east-1, not "mars-1"']);
    expect(r.stderr.match(/mars-1/g)?.length).toBe(1);
  });
});

describe('AWS failures come with a Try this', () => {
  it('launch --dry-run with AWS unreachable is a failure to ask (exit 8), not "EC2 refused"', async () => {
    writeTemplate(
      box,
      'mapped',
      'name: mapped\nbase_image: ubuntu-24.04\nami_config:\n  ami_mappings:\n    us-east-1: { x86_64: ami-0123456789abcdef0 }\n',
    );
    const r = await run(['launch', 'mapped', 'box1', '--region', 'us-east-1', '--dry-run', '--json'], {
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
      AWS_SECRET_ACCESS_KEY: 'not-a-secret-not-a-secret-not-a-secret00',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_MAX_ATTEMPTS: '1',
    });
    expect(r.code, r.stdout + r.stderr).toBe(8);
    expect(r.json.error.message).toMatch(/could not reach AWS \(ECONNREFUSED\)/);
    expect(r.json.error.message).not.toMatch(/refused:/);
    expect(r.json.error.suggestions.length).toBeGreaterThan(0);
    expect(r.json.error.suggestions.join(' ')).toMatch(/network/);
  });
});
