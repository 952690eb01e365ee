// A server under test, run as a child of bench/run.js so it has an event loop of its own.
//   node bench/server.js bare       bare Express 5 answering GET /hello with JSON (the baseline)
//   node bench/server.js registry   cws-registry configured from the environment, as main.js does
// Prints one JSON line {"url": ...} on stdout once listening; SIGTERM closes it cleanly.
// Started by run.js it also takes 'profile:start' / 'profile:stop <file>' messages, so a CPU
// profile covers the measured seconds only (not start-up, migrations or warm-up).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import express from 'express';
// The server as bin/cws-registry.js runs it: its bundle (registry-server/scripts/bundle.mjs) unless a tsc -b ran
// since, then dist/. Only the configuration and the embedded database's early start up front, as main.ts does.
import { distEntry } from '../registry-server/bin/entry.js';

const mode = process.argv[2];
let close;

if (mode === 'bare') {
  const app = express();
  app.get('/hello', (_req, res) => {
    res.json({ hello: 'world' });
  });
  const server = app.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`);
  });
  server.keepAliveTimeout = 65_000;
  close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
} else if (mode === 'registry') {
  const { buildConfig, readEnv, startEmbedded } = await import(distEntry('early'));
  // Start-up as an operator sees it (`cws-registry serve`, main.ts): the configuration read and
  // the embedded database locked and opening in its thread, modules loaded meanwhile (process
  // start to here), then createServer() (waits for the database, migrations check, start-up
  // work) and listen().
  const config = buildConfig(readEnv());
  const embedded = config.db.kind === 'pglite' && config.db.dataDir ? startEmbedded(config.db.dataDir) : undefined;
  const { createServer } = await import(distEntry('index'));
  const loadedMs = performance.now();
  const server = await createServer(config, { embedded });
  const url = await server.listen();
  const startup = {
    modulesMs: Math.round(loadedMs),
    createAndListenMs: Math.round(performance.now() - loadedMs),
    listeningAtMs: Math.round(performance.now()),
    rssMb: Math.round(process.memoryUsage().rss / 1048576),
  };
  process.stdout.write(
    `${JSON.stringify({ url, startup, config: { cache: config.cache, rateLimit: config.rateLimit } })}\n`,
  );
  close = () => server.close();
} else {
  process.stderr.write('usage: node bench/server.js bare|registry\n');
  process.exit(2);
}

process.once('SIGTERM', async () => {
  await close();
  process.exit(0);
});

let session = null;
process.on('message', async (message) => {
  if (message === 'rss') {
    process.send(`rss:${process.memoryUsage().rss}`);
  } else if (message === 'profile:start') {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    process.send('profile:started');
  } else if (typeof message === 'string' && message.startsWith('profile:stop ')) {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    writeFileSync(message.slice('profile:stop '.length), JSON.stringify(profile));
    process.send('profile:stopped');
  }
});
// The IPC channel must not keep the process alive on its own.
process.channel?.unref();
