// `pnpm tarballs`: npm tarballs of the CLI (`cws`) and of the registry (`cws-registry`) that install with plain
// `npm install -g FILE.tgz` on a machine with only Node and npm, outside any checkout.
//   node scripts/pack.mjs [OUT_DIR]     (default: dist-pack/; run `pnpm build` first)
// Each package is staged in a temporary folder and packed there with `npm pack`, so the checkout is never touched:
// - cws: bin/, the esbuild bundle (oclif, @cws/shared, zod and yaml inside), the built-in templates. Its
//   dependencies are only what stays outside the bundle: the AWS SDK and the two oclif plugins.
// - cws-registry: bin/, dist/, data/ (the demo catalogue), with @cws/shared and @cws/migrations carried inside
//   the tarball (bundleDependencies), since they are workspace packages and not on the npm registry.
// No `workspace:` specifier is left in either package.json; a check below fails the script if one is.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = resolve(process.argv[2] ?? join(root, 'dist-pack'));
mkdirSync(out, { recursive: true });
const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));
const noTests = (src) => !/\.test\.(js|d\.ts)(\.map)?$/.test(src);
const noMaps = (src) => noTests(src) && !src.endsWith('.map');

function need(path, hint) {
  if (!existsSync(path)) throw new Error(`${path} is missing: ${hint}`);
}

/** The published form of a workspace package.json: no dev parts, no workspace links. */
function publishedManifest(pkg, dependencies) {
  const {
    devDependencies: _dev,
    scripts: _scripts,
    private: _private,
    exports: _exports,
    files: _files,
    ...rest
  } = pkg;
  return { ...rest, dependencies };
}

function pack(stage, name) {
  const manifest = readFileSync(join(stage, 'package.json'), 'utf8');
  if (manifest.includes('workspace:')) throw new Error(`${name}: a workspace: specifier is left in package.json`);
  const file = execFileSync('npm', ['pack', '--pack-destination', out, '--silent'], {
    cwd: stage,
    encoding: 'utf8',
  }).trim();
  console.log(join(out, file.split('\n').pop()));
}

// cws: the bundle carries everything but the AWS SDK (loaded only when a tier needs it) and the plugins.
{
  const dir = join(root, 'cli');
  need(join(dir, 'dist/bundle/commands.js'), 'run `pnpm build` first');
  const pkg = readJson(join(dir, 'package.json'));
  const stage = mkdtempSync(join(tmpdir(), 'cws-pack-cli-'));
  try {
    cpSync(join(dir, 'bin'), join(stage, 'bin'), { recursive: true });
    cpSync(join(dir, 'dist/bundle'), join(stage, 'dist/bundle'), { recursive: true, filter: noMaps });
    cpSync(join(dir, 'templates'), join(stage, 'templates'), { recursive: true });
    cpSync(join(dir, 'README.md'), join(stage, 'README.md'));
    const outside = Object.fromEntries(
      Object.entries(pkg.dependencies).filter(([n]) => /^@aws-sdk\/|^@smithy\/|^@oclif\/plugin-/.test(n)),
    );
    writeFileSync(join(stage, 'package.json'), `${JSON.stringify(publishedManifest(pkg, outside), null, 2)}\n`);
    pack(stage, pkg.name);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

// cws-registry: its own dist as built, with the two workspace packages it imports carried inside.
{
  const dir = join(root, 'registry-server');
  need(join(dir, 'dist/main.js'), 'run `pnpm build` first');
  const pkg = readJson(join(dir, 'package.json'));
  const stage = mkdtempSync(join(tmpdir(), 'cws-pack-registry-'));
  try {
    cpSync(join(dir, 'bin'), join(stage, 'bin'), { recursive: true });
    cpSync(join(dir, 'dist'), join(stage, 'dist'), { recursive: true, filter: noTests });
    cpSync(join(dir, 'data'), join(stage, 'data'), { recursive: true });
    cpSync(join(root, 'README.md'), join(stage, 'README.md'));
    const bundled = [];
    const dependencies = { ...pkg.dependencies };
    for (const [name, spec] of Object.entries(pkg.dependencies)) {
      if (!String(spec).startsWith('workspace:')) continue;
      const src = join(root, name === '@cws/shared' ? 'shared' : name === '@cws/migrations' ? 'migrations' : '?');
      need(join(src, 'dist/index.js'), `${name} is not built (run \`pnpm build\`)`);
      const inner = readJson(join(src, 'package.json'));
      const target = join(stage, 'node_modules', name);
      cpSync(join(src, 'dist'), join(target, 'dist'), { recursive: true, filter: noTests });
      // What the carried package needs must be a dependency of the registry itself: npm installs it beside, and
      // Node finds it there. Listed in the carried package.json too, npm would count it as carried (bundled) and
      // leave an empty folder in its place.
      for (const [dep, range] of Object.entries(inner.dependencies ?? {})) {
        if (String(range).startsWith('workspace:')) throw new Error(`${name} depends on workspace package ${dep}`);
        if (!dependencies[dep]) throw new Error(`${name} needs ${dep}: add it to registry-server's dependencies`);
      }
      const { dependencies: _deps, devDependencies: _dev, scripts: _scripts, private: _private, ...carried } = inner;
      writeFileSync(join(target, 'package.json'), `${JSON.stringify(carried, null, 2)}\n`);
      dependencies[name] = inner.version;
      bundled.push(name);
    }
    const manifest = { ...publishedManifest(pkg, dependencies), bundleDependencies: bundled };
    writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    pack(stage, pkg.name);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
