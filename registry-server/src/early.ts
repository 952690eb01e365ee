// What a starter loads before the server itself (bench/server.js does as main.ts does): the configuration and the
// embedded database's early start. An entry of its own in the bundle (scripts/bundle.mjs), sharing its chunks with
// the server's, so both see one copy of each module.
export { buildConfig } from './config/config.js';
export { readEnv } from './config/env.js';
export { startEmbedded } from './db/pglite-early.js';
