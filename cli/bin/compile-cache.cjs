// Loads a CommonJS bundle (dist/bundle/lean.cjs) with V8's compiled code kept on disk, so a second `cws ami resolve`
// neither parses the ~300 kB bundle again nor recompiles the functions the first run compiled (zod's, mostly).
// Node >= 22.1 does this itself (module.enableCompileCache); Node 20 has no such switch, so this does what it does
// for one file: vm.Script with cachedData, written once after a run that had none (or had it rejected).
// The cache lives in the user's cache folder ($CWS_CACHE_DIR, $XDG_CACHE_HOME/cws or ~/.cache/cws, as cws's own
// cache), in a folder of mode 0700. Nothing here may fail a command: an unreadable, unwritable or stale cache only
// means compiling as without one (V8 rejects cached data made from another source or V8 version).
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

function cacheDir(env) {
  const home = env.HOME || require('node:os').homedir();
  return path.join(env.CWS_CACHE_DIR || path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'cws'), 'v8');
}

/** require(file), through V8's code cache when one is usable. */
function requireCached(file) {
  let dir;
  try {
    dir = cacheDir(process.env);
  } catch {
    return require(file);
  }
  if (typeof Module.enableCompileCache === 'function') {
    // Node's own cache (it reports a failure in its return value, it does not throw); the folder made 0700 first,
    // as Node would make it world-readable.
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      Module.enableCompileCache(dir);
    } catch {
      // no cache then
    }
    return require(file);
  }
  const source = fs.readFileSync(file, 'utf8');
  const stat = fs.statSync(file);
  // Which bundle and which Node made the data: a rebuilt bundle or another Node never reads a stale cache.
  const key = `${process.version} ${process.arch} ${stat.size} ${Math.trunc(stat.mtimeMs)}`;
  const cacheFile = path.join(dir, `${path.basename(file)}.cache`);
  let cachedData;
  try {
    const buf = fs.readFileSync(cacheFile);
    const nl = buf.indexOf(10);
    if (nl > 0 && buf.toString('latin1', 0, nl) === key) cachedData = buf.subarray(nl + 1);
  } catch {
    // no cache yet
  }
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (!cachedData || script.cachedDataRejected) {
    // At exit, so the data holds the functions this run compiled too, not only the top level.
    process.once('exit', () => {
      try {
        const data = script.createCachedData();
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${key}\n`, 'latin1'), data]), { mode: 0o600, flag: 'wx' });
        fs.renameSync(tmp, cacheFile);
      } catch {
        // an unwritable cache folder: the next run compiles again
        try {
          fs.rmSync(`${cacheFile}.${process.pid}.tmp`, { force: true });
        } catch {}
      }
    });
  }
  // The bundle uses only module.exports and require (resolved from its own folder, as Node's loader would).
  const mod = { id: file, filename: file, exports: {}, loaded: false };
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  return mod.exports;
}

module.exports = { requireCached };
