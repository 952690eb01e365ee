import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUser, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { assertBuilt, CLI_BIN, cws, type Sandbox, sandbox } from './run-cws.js';
import { addRegistry, writeTemplate } from './seed.js';

/** cws template fetch and cws launch OWNER/NAME against the demo catalogue, whose listings carry templates. */
let reg: TestRegistry;
let box: Sandbox;

beforeAll(async () => {
  assertBuilt();
  reg = await startRegistry({ demo: true });
  await publish(reg, await createUser(reg, 'nora'), publishBody('bare'));
}, 120_000);
afterAll(() => reg?.close());
afterEach(() => box?.cleanup());

async function freshBox() {
  box = sandbox({ AWS_REGION: 'us-east-1' });
  await addRegistry(box, 'demo', reg.url);
}
const run = (...args: string[]) => cws(args, { env: box.env, timeoutMs: 60_000 });

describe('cws template fetch', () => {
  it('shows what the template runs and, with --yes, saves it where cws finds it', async () => {
    await freshBox();
    const r = await run('template', 'fetch', 'genomics-core/nextflow-nfcore', '--yes', '--json');
    expect(r.code, r.stderr).toBe(0);
    const file = join(box.templatesDir, 'genomics.yml');
    expect(r.json).toMatchObject({
      registry: 'demo',
      listing: 'genomics-core/nextflow-nfcore',
      version: '24.10.0',
      name: 'genomics',
      saved: { file, action: 'saved', shadows_builtin: false },
    });
    expect(r.json.runs.packages).toEqual(expect.arrayContaining(['samtools', 'bcftools', 'nf-core', 'apptainer']));
    expect(r.json.runs.setup_script[0]).toBe('#!/bin/bash');
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(
      /^# Fetched by cws template fetch from registry demo \(http:\/\/127\.0\.0\.1:\d+\): genomics-core\/nextflow-nfcore@24\.10\.0/,
    );
    const valid = await run('template', 'validate', file, '--json');
    expect(valid.code, valid.stdout).toBe(0);
    const list = await run('templates', '--json');
    expect(list.json.templates.find((t: { name: string }) => t.name === 'genomics')).toMatchObject({
      source: 'user',
      valid: true,
    });

    const again = await run('template', 'fetch', 'genomics-core/nextflow-nfcore', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.saved).toMatchObject({ action: 'unchanged', file });
  });

  it('prints the setup script for a person, and without a terminal saves nothing unless --yes', async () => {
    await freshBox();
    const r = await run('template', 'fetch', 'julia-lab/julia-sciml');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Template julia from julia-lab/julia-sciml@1.11.2 on registry demo');
    expect(r.stdout).toMatch(/installs\s+build-essential, curl, git/);
    expect(r.stdout).toContain('    | apt-get install -y build-essential curl git');
    expect(r.stderr).toContain('template julia not saved: there is no terminal to ask on');
    expect(r.stderr).toContain('add --yes');
    expect(existsSync(join(box.templatesDir, 'julia.yml'))).toBe(false);
    const json = await run('template', 'fetch', 'julia-lab/julia-sciml', '--json');
    expect(json.code).toBe(2);
    expect(json.json.error.code).toBe('confirmation_required');
    const dry = await run('template', 'fetch', 'julia-lab/julia-sciml', '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json).toMatchObject({ name: 'julia', saved: null });
    expect(existsSync(join(box.templatesDir, 'julia.yml'))).toBe(false);
  });

  it('on a terminal, asks and saves only on yes', async () => {
    // util-linux's script(1) gives cws a pseudo-terminal; the answer is typed once the question is shown.
    const onTerminal = (answer: string) =>
      new Promise<{ code: number | null; out: string }>((resolve, reject) => {
        const command = `${process.execPath} ${CLI_BIN} template fetch julia-lab/julia-sciml`;
        const child = spawn('script', ['-qec', command, '/dev/null'], { env: box.env });
        let out = '';
        let answered = false;
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`no question within 60 s:\n${out}`));
        }, 60_000);
        child.stdout.on('data', (d) => {
          out += d;
          if (!answered && out.includes('[y/N]')) {
            answered = true;
            child.stdin.write(`${answer}\n`);
          }
        });
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, out });
        });
      });
    await freshBox();
    const no = await onTerminal('n');
    expect(no.out).toContain('    | apt-get install -y build-essential curl git');
    expect(no.out).toContain(`Save it as ${join(box.templatesDir, 'julia.yml')}? [y/N]`);
    expect(no.code).toBe(2);
    expect(existsSync(join(box.templatesDir, 'julia.yml'))).toBe(false);
    const yes = await onTerminal('y');
    expect(yes.code, yes.out).toBe(0);
    expect(yes.out).toContain(`Saved template julia as ${join(box.templatesDir, 'julia.yml')}.`);
    expect(existsSync(join(box.templatesDir, 'julia.yml'))).toBe(true);
  }, 120_000);

  it("leaves a different template of the user's alone unless --force", async () => {
    await freshBox();
    const mine = writeTemplate(box, 'matlab', 'name: matlab\ndescription: my own MATLAB set-up\n');
    const refused = await run('template', 'fetch', 'engineering-it/matlab-byol', '--yes', '--json');
    expect(refused.code).toBe(2);
    expect(refused.json.error).toMatchObject({ code: 'template_exists' });
    expect(readFileSync(mine, 'utf8')).toContain('my own MATLAB set-up');
    const forced = await run('template', 'fetch', 'engineering-it/matlab-byol', '--yes', '--force', '--json');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.json.saved.action).toBe('replaced');
    expect(readFileSync(mine, 'utf8')).toContain('mpm install --release=R2024b');
  });

  it('does not copy a built-in template; says clearly when a listing has no template or does not exist', async () => {
    await freshBox();
    const builtin = await run('template', 'fetch', 'ml-commons/pytorch-cuda', '--json');
    expect(builtin.code, builtin.stderr).toBe(0);
    expect(builtin.json.saved).toMatchObject({ action: 'unchanged' });
    expect(builtin.json.saved.file).toMatch(/cli\/templates\/python-ml\.yml$/);
    expect(existsSync(join(box.templatesDir, 'python-ml.yml'))).toBe(false);

    const bare = await run('template', 'fetch', 'nora/bare', '--json');
    expect(bare.code).toBe(4);
    expect(bare.json.error.code).toBe('template_not_found');
    expect(bare.json.error.message).toContain('nora/bare has no version that carries its template');
    const missing = await run('template', 'fetch', 'nobody/nothing', '--json');
    expect(missing.code).toBe(4);
    expect(missing.json.error.message).toContain('no listing nobody/nothing');
    const bad = await run('template', 'fetch', 'not a ref', '--json');
    expect(bad.code).toBe(2);
  });
});

describe('cws launch OWNER/NAME', () => {
  it("offers the listing's template when the user lacks it, and launches by it once saved", async () => {
    await freshBox();
    const refused = await run('launch', 'geo-lab/qgis-desktop', 'maps', '--dry-run', '--json');
    expect(refused.code).toBe(2);
    expect(refused.json.error.code).toBe('confirmation_required');
    expect(existsSync(join(box.templatesDir, 'gis.yml'))).toBe(false);
    // With --yes the template is saved, then the launch resolves it (here it stops at AWS: no credentials).
    const launched = await run('launch', 'geo-lab/qgis-desktop', 'maps', '--dry-run', '--yes');
    expect(launched.stderr).toContain('geo-lab/qgis-desktop is for template gis, which you do not have yet');
    expect(launched.stderr).toContain(`Saved template gis as ${join(box.templatesDir, 'gis.yml')}`);
    expect(existsSync(join(box.templatesDir, 'gis.yml'))).toBe(true);
    expect(launched.stderr).not.toContain('no template named');
    // Now it is the user's: no question asked.
    const second = await run('launch', 'geo-lab/qgis-desktop', 'maps', '--dry-run');
    expect(second.stderr).toContain('using yours');
    expect(second.stderr).not.toContain('not saved');
  });

  it('a template name the user lacks says how to get it from a registry', async () => {
    await freshBox();
    const r = await run('launch', 'genomics', 'box', '--dry-run', '--json');
    expect(r.code).toBe(4);
    expect(r.json.error.suggestions.join('\n')).toContain('cws template fetch OWNER/NAME');
  });
});
