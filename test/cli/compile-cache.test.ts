// bin/compile-cache.cjs (how bin/run.cjs loads the lean bundle): V8's code cache kept in the user's cache folder,
// used when it matches, rewritten when stale or damaged, and never a reason for a command to fail.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const loader = fileURLToPath(new URL('../../cli/bin/compile-cache.cjs', import.meta.url));
let dir: string;
let bundle: string;
let cacheDir: string;

/** A child process that loads `bundle` through the loader and prints what the bundle exports. */
function load(env: Record<string, string> = {}) {
  const script = `const m = require(${JSON.stringify(loader)}).requireCached(${JSON.stringify(bundle)});
process.stdout.write(JSON.stringify({ answer: m.answer(), v8: typeof require('node:module').enableCompileCache !== 'function' }));`;
  const r = spawnSync(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH ?? '', HOME: dir, CWS_CACHE_DIR: cacheDir, ...env },
    encoding: 'utf8',
  });
  return { status: r.status, stderr: r.stderr, out: r.status === 0 ? JSON.parse(r.stdout) : undefined };
}
const cacheFile = () => join(cacheDir, 'v8', 'bundle.cjs.cache');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cws-compile-cache-'));
  cacheDir = join(dir, 'cache');
  bundle = join(dir, 'bundle.cjs');
  // require() and __dirname as a CommonJS module has them, and a function compiled only when called.
  writeFileSync(
    bundle,
    `const { join } = require('node:path');
exports.answer = () => [41 + 1, join(__dirname, 'x') === ${JSON.stringify(join(dir, 'x'))}, module.exports === exports];\n`,
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('compile cache of the lean bundle', () => {
  it('runs the bundle as require() would, writes the cache once, then reuses it', () => {
    const first = load();
    expect(first).toMatchObject({ status: 0, out: { answer: [42, true, true] } });
    if (!first.out.v8) return; // Node >= 22.1: module.enableCompileCache keeps its own files there
    const written = statSync(cacheFile());
    expect(written.mode & 0o777).toBe(0o600);
    expect(statSync(join(cacheDir, 'v8')).mode & 0o777).toBe(0o700);
    // The first line says which Node and which bundle (size, mtime) made it.
    expect(readFileSync(cacheFile(), 'latin1').split('\n')[0]).toMatch(new RegExp(`^${process.version} `));
    expect(load()).toMatchObject({ status: 0, out: { answer: [42, true, true] } });
    expect(statSync(cacheFile()).mtimeMs).toBe(written.mtimeMs);
  });

  it('ignores a cache made from another version of the bundle, and one that is damaged', () => {
    const first = load();
    if (!first.out?.v8) return;
    writeFileSync(bundle, 'exports.answer = () => [43, true, true];\n');
    utimesSync(bundle, new Date(), new Date(Date.now() + 5000));
    expect(load()).toMatchObject({ status: 0, out: { answer: [43, true, true] } });
    const key = readFileSync(cacheFile(), 'latin1').split('\n')[0] ?? '';
    writeFileSync(cacheFile(), Buffer.concat([Buffer.from(`${key}\n`), Buffer.from('not V8 data at all')]));
    expect(load()).toMatchObject({ status: 0, out: { answer: [43, true, true] } });
    expect(readFileSync(cacheFile()).length).toBeGreaterThan(key.length + 100);
  });

  it('never fails the command when the cache folder cannot be written', () => {
    writeFileSync(cacheDir, 'a file where the folder should be');
    const r = load();
    expect(r).toMatchObject({ status: 0, out: { answer: [42, true, true] } });
    expect(r.stderr).toBe('');
    if (process.getuid?.() === 0) return; // root writes through mode 0500
    rmSync(cacheDir);
    writeFileSync(join(dir, 'placeholder'), '');
    chmodSync(dir, 0o500);
    try {
      expect(load()).toMatchObject({ status: 0, out: { answer: [42, true, true] } });
    } finally {
      chmodSync(dir, 0o700);
    }
  });
});
