import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { assertBuilt, cws, type Sandbox, sandbox } from './run-cws.js';
import { writeTemplate } from './seed.js';

let reg: TestRegistry;
let box: Sandbox;
let token: string;

beforeAll(async () => {
  assertBuilt();
  reg = await startRegistry();
  token = await createUser(reg, 'erin');
});
afterAll(() => reg?.close());
afterEach(() => box?.cleanup());

describe('cws registry add/list/remove', () => {
  it('keeps registries in priority order in a 0600 config file', async () => {
    box = sandbox();
    const add1 = await cws(['registry', 'add', 'community', 'https://registry.example.org/', '--json'], {
      env: box.env,
    });
    expect(add1.code, add1.stderr).toBe(0);
    expect(add1.json).toMatchObject({
      action: 'added',
      registry: { name: 'community', priority: 100, logged_in: false },
    });
    const add2 = await cws(
      ['registry', 'add', 'campus', 'https://cws.campus.example.edu', '--priority', '10', '--json'],
      {
        env: box.env,
      },
    );
    expect(add2.code).toBe(0);
    expect((statSync(box.configFile).mode & 0o777).toString(8)).toBe('600');

    const list = await cws(['registry', 'list', '--json'], { env: box.env });
    expect(list.json.config_file).toBe(box.configFile);
    expect(list.json.registries.map((r: { name: string }) => r.name)).toEqual(['campus', 'community']);
    expect(list.json.registries[1].url).toBe('https://registry.example.org');

    const human = await cws(['registry', 'list'], { env: box.env });
    expect(human.stdout).toMatch(/NAME\s+PRIORITY\s+URL/);
    expect(human.stdout.indexOf('campus')).toBeLessThan(human.stdout.indexOf('community'));

    const update = await cws(
      ['registry', 'add', 'community', 'https://registry.example.org', '--priority', '5', '--json'],
      {
        env: box.env,
      },
    );
    expect(update.json.action).toBe('updated');
    expect(update.json.registries.map((r: { name: string }) => r.name)).toEqual(['community', 'campus']);

    const remove = await cws(['registry', 'remove', 'campus', '--json'], { env: box.env });
    expect(remove.code).toBe(0);
    expect(remove.json.registries.map((r: { name: string }) => r.name)).toEqual(['community']);
  });

  it('uses $XDG_CONFIG_HOME/cws/config.json when CWS_CONFIG is not set', async () => {
    box = sandbox();
    const env = { ...box.env, XDG_CONFIG_HOME: join(box.dir, 'xdg') };
    delete (env as Record<string, string | undefined>).CWS_CONFIG;
    const r = await cws(['registry', 'add', 'community', 'https://registry.example.org', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const list = await cws(['registry', 'list', '--json'], { env });
    expect(list.json.config_file).toBe(join(box.dir, 'xdg', 'cws', 'config.json'));
  });

  it('rejects bad input with exit 2 and unknown names with exit 4', async () => {
    box = sandbox();
    const badName = await cws(['registry', 'add', 'Not OK', 'https://x.example.org', '--json'], { env: box.env });
    expect(badName.code).toBe(2);
    expect(badName.json.error.message).toMatch(/name/);
    const badUrl = await cws(['registry', 'add', 'x', 'ftp://x.example.org', '--json'], { env: box.env });
    expect(badUrl.code).toBe(2);
    const unknown = await cws(['registry', 'remove', 'nope', '--json'], { env: box.env });
    expect(unknown.code).toBe(4);
    expect(unknown.json.error.suggestions.join(' ')).toMatch(/cws registry add nope/);
    const missingArg = await cws(['registry', 'add', '--json'], { env: box.env });
    expect(missingArg.code).toBe(2);
    expect(missingArg.json.error.code).toBe('usage');
  });

  it('reports a damaged config file by name, with exit 3', async () => {
    box = sandbox();
    await cws(['registry', 'add', 'community', 'https://registry.example.org'], { env: box.env });
    writeFileSync(box.configFile, '{ not json');
    const r = await cws(['registry', 'list', '--json'], { env: box.env });
    expect(r.code).toBe(3);
    expect(r.json.error.message).toContain(box.configFile);
  });
});

describe('cws login', () => {
  it('checks the token with /me, stores it 0600 and never prints it', async () => {
    box = sandbox();
    await cws(['registry', 'add', 'community', reg.url], { env: box.env });
    const r = await cws(['login', '--registry', 'community', '--token', token, '--json'], { env: box.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ registry: 'community', handle: 'erin', role: 'user' });
    expect(r.stdout + r.stderr).not.toContain(token);
    const human = await cws(['login', '--registry', 'community', '--token', token], { env: box.env });
    expect(human.code).toBe(0);
    expect(human.stdout + human.stderr).not.toContain(token);
    expect(human.stdout).toMatch(/Logged in to community as erin/);

    expect((statSync(box.configFile).mode & 0o777).toString(8)).toBe('600');
    const stored = JSON.parse(readFileSync(box.configFile, 'utf8'));
    expect(stored.registries[0].token).toBe(token);

    const list = await cws(['registry', 'list', '--json'], { env: box.env });
    expect(list.stdout).not.toContain(token);
    expect(list.json.registries[0]).toMatchObject({ logged_in: true, handle: 'erin' });
  });

  it('reads the token from stdin with --token -', async () => {
    box = sandbox();
    await cws(['registry', 'add', 'community', reg.url], { env: box.env });
    const r = await cws(['login', '--registry', 'community', '--token', '-', '--json'], {
      env: box.env,
      input: `${token}\n`,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.handle).toBe('erin');
  });

  it('refuses a bad token with exit 7 and saves nothing', async () => {
    box = sandbox();
    await cws(['registry', 'add', 'community', reg.url], { env: box.env });
    const r = await cws(['login', '--registry', 'community', '--token', 'cws_not_a_real_token', '--json'], {
      env: box.env,
    });
    expect(r.code).toBe(7);
    expect(r.json.error.code).toBe('unauthorized');
    expect(r.stdout).not.toContain('cws_not_a_real_token');
    expect(JSON.parse(readFileSync(box.configFile, 'utf8')).registries[0].token).toBeUndefined();
  });

  it('forgets the token when the registry URL changes', async () => {
    box = sandbox();
    await cws(['registry', 'add', 'community', reg.url], { env: box.env });
    await cws(['login', '--registry', 'community', '--token', token], { env: box.env });
    await cws(['registry', 'add', 'community', 'https://elsewhere.example.org'], { env: box.env });
    expect(JSON.parse(readFileSync(box.configFile, 'utf8')).registries[0].token).toBeUndefined();
  });
});

describe('templates', () => {
  it('lists the built-in templates and the user folder, which shadows them', async () => {
    box = sandbox();
    const r = await cws(['templates', '--json'], { env: box.env });
    expect(r.code, r.stderr).toBe(0);
    const names = r.json.templates.map((t: { name: string }) => t.name);
    expect(names).toEqual(expect.arrayContaining(['ubuntu-24.04', 'python-ml', 'r-research']));
    expect(r.json.templates.every((t: { source: string; valid: boolean }) => t.source === 'builtin' && t.valid)).toBe(
      true,
    );

    writeTemplate(box, 'python-ml', 'name: python-ml\ndescription: my own python\n');
    writeTemplate(box, 'gpu-lab', 'name: gpu-lab\ndescription: GPUs\narchitectures: [x86_64]\n');
    const mine = await cws(['templates', '--json'], { env: box.env });
    const byName = Object.fromEntries(mine.json.templates.map((t: { name: string }) => [t.name, t]));
    expect(byName['python-ml']).toMatchObject({ source: 'user', description: 'my own python' });
    expect(byName['gpu-lab']).toMatchObject({ source: 'user' });

    const other = await cws(['templates', '--json'], { env: { ...box.env, CWS_TEMPLATES_DIR: join(box.dir, 'none') } });
    expect(other.json.templates.find((t: { name: string }) => t.name === 'gpu-lab')).toBeUndefined();
  });

  it('template info shows a built-in template', async () => {
    box = sandbox();
    const r = await cws(['template', 'info', 'r-research', '--json'], { env: box.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.template).toMatchObject({ name: 'r-research', ports: [22, 8787] });
    expect(r.json.template.ami_config.ami_search.owner).toBe('self');
    const human = await cws(['template', 'info', 'python-ml'], { env: box.env });
    expect(human.stdout).toMatch(/Ports\s+22, 8888/);
    const missing = await cws(['template', 'info', 'nope', '--json'], { env: box.env });
    expect(missing.code).toBe(4);
    expect(missing.json.error.suggestions.join(' ')).toMatch(/python-ml/);
  });

  it('every built-in template validates', async () => {
    box = sandbox();
    for (const name of ['ubuntu-24.04', 'python-ml', 'r-research']) {
      const file = join(__dirname, '../../cli/templates', `${name}.yml`);
      const r = await cws(['template', 'validate', file, '--json'], { env: box.env });
      expect(r.code, r.stdout).toBe(0);
      expect(r.json).toMatchObject({ valid: true, name });
    }
  });

  it('bad template files: the message names the file, the line and the field (exit 3)', async () => {
    box = sandbox();
    const file = writeTemplate(
      box,
      'broken',
      [
        'name: broken', // 1
        'description: bad on purpose', // 2
        'architectures: [x86_64]', // 3
        'ami_config:', // 4
        '  strategy: sometimes', // 5
        '  ami_search:', // 6
        '    name_pattern: "lab-*"', // 7
        '  ami_mappings:', // 8
        '    us-east-1:', // 9
        '      x86_64: ami-nothex', // 10
        'ports: [22, 70000]', // 11
        'setup_scrpt: echo hi', // 12
      ].join('\n'),
    );
    const r = await cws(['template', 'validate', file, '--json'], { env: box.env });
    expect(r.code).toBe(3);
    expect(r.json.error.code).toBe('template_invalid');
    const issues = r.json.error.issues.map((i: { line: number; field: string }) => [i.line, i.field]);
    expect(issues).toEqual([
      [5, 'ami_config.strategy'],
      [6, 'ami_config.ami_search.owner'],
      [10, 'ami_config.ami_mappings.us-east-1.x86_64'],
      [11, 'ports.1'],
      [12, 'setup_scrpt'],
    ]);
    expect(r.json.error.issues.every((i: { file: string }) => i.file === file)).toBe(true);
    expect(r.json.error.message).toContain(`${file}:6:`);

    const human = await cws(['template', 'validate', file], { env: box.env });
    expect(human.code).toBe(3);
    expect(human.stderr).toContain(`${file}:12:1: setup_scrpt: unknown field`);
    expect(human.stderr).toMatch(/ami_search\.owner: is required/);

    // The same file used by name in a resolve: same errors, same exit code.
    const resolve = await cws(['ami', 'resolve', 'broken', '--region', 'us-east-1', '--json'], { env: box.env });
    expect(resolve.code).toBe(3);
    expect(resolve.json.error.issues).toHaveLength(5);
  });

  it('YAML syntax errors and semantic conflicts are located too', async () => {
    box = sandbox();
    const syntax = writeTemplate(box, 'syntax', 'name: syntax\ndescription: [unclosed\nports: [22]\n');
    const r = await cws(['template', 'validate', syntax, '--json'], { env: box.env });
    expect(r.code).toBe(3);
    expect(r.json.error.issues[0].message).toMatch(/YAML syntax/);
    expect(r.json.error.issues[0].line).toBeGreaterThanOrEqual(2);

    const conflict = writeTemplate(
      box,
      'conflict',
      'name: conflict\narchitectures: [x86_64]\nami_config:\n  preferred_architecture: arm64\n',
    );
    const c = await cws(['template', 'validate', conflict, '--json'], { env: box.env });
    expect(c.code).toBe(3);
    expect(c.json.error.issues[0]).toMatchObject({ line: 4, field: 'ami_config.preferred_architecture' });

    const missing = await cws(['template', 'validate', join(box.dir, 'nope.yml'), '--json'], { env: box.env });
    expect(missing.code).toBe(4);
  });
});

describe('every command', () => {
  it("--version is oclif's user agent line", async () => {
    box = sandbox();
    const r = await cws(['--version'], { env: box.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^@cws\/cli\/\d+\.\d+\.\d+ \S+ node-v\d+/);
  });

  it('has help with examples that use long flag names', async () => {
    box = sandbox();
    for (const cmd of [
      ['registry', 'add'],
      ['registry', 'list'],
      ['registry', 'remove'],
      ['login'],
      ['templates'],
      ['template', 'info'],
      ['template', 'validate'],
      ['ami', 'resolve'],
      ['ami', 'browse'],
      ['ami', 'info'],
      ['ami', 'rate'],
      ['ami', 'list'],
    ]) {
      const r = await cws([...cmd, '--help'], { env: box.env });
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout, cmd.join(' ')).toMatch(/EXAMPLES/);
      expect(r.stdout, cmd.join(' ')).toMatch(/--json/);
      const examples = r.stdout.slice(r.stdout.indexOf('EXAMPLES'));
      expect(examples, cmd.join(' ')).not.toMatch(/\s-[a-zA-Z]\b/);
    }
  });
});
