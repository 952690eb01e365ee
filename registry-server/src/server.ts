import { readdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Config } from './config/config.js';
import { type AppContext, type ContextOverrides, createContext } from './context.js';
import { countListings } from './db/queries/listings.js';
import { createHandler } from './http/app.js';
import type { JobWorker } from './jobs/runner.js';
import { createWorker } from './jobs/worker.js';
import { DemoCatalogue, type DemoFiles } from './services/demo.js';

export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
export const DEMO_INDEX_URL = new URL('../data/demo-index.yaml', import.meta.url);
const DEMO_DATA = new URL('../data/', import.meta.url);

/** The demo catalogue's files: listings, their activity (ratings, scans ...) and the templates they carry. */
export function demoFiles(): DemoFiles {
  const dir = new URL('demo-templates/', DEMO_DATA);
  const templates: Record<string, string> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yml'))) {
    templates[file.replace(/\.yml$/, '')] = readFileSync(new URL(file, dir), 'utf8');
  }
  return {
    index: readFileSync(DEMO_INDEX_URL, 'utf8'),
    activity: readFileSync(new URL('demo-activity.yaml', DEMO_DATA), 'utf8'),
    templates,
  };
}

export interface RegistryServer {
  app: Express;
  ctx: AppContext;
  /** The job worker of this process; null with CWS_REGISTRY_WORKER=false. */
  worker: JobWorker | null;
  /** Starts listening; resolves to the base URL. */
  listen(): Promise<string>;
  /** Flushes counters, stops listening, closes Redis and the database. */
  close(): Promise<void>;
}

/** Builds a registry from a config. Reads no environment: tests pass config and overrides. */
export async function createServer(config: Config, overrides: ContextOverrides = {}): Promise<RegistryServer> {
  const ctx = await createContext(config, overrides);
  const { logger } = ctx;
  const applied = await ctx.database.migrate();
  if (applied.length > 0) logger.info({ applied }, 'database migrated');
  await ctx.services.saml?.prepare();
  await ctx.cache.start();
  if (config.adminToken) await ctx.services.auth.bootstrapAdmin(config.adminToken);
  if (config.demo && (await countListings(ctx.database.db)) === 0) {
    const demo = new DemoCatalogue(ctx.database, ctx.cache, ctx.services.import, ctx.services.ratings);
    const result = await demo.load(demoFiles());
    logger.info(
      { ...result, conflicts: result.conflicts.length },
      'empty catalogue: demo listings loaded (CWS_REGISTRY_DEMO=false to skip)',
    );
  }
  const { app, listener } = createHandler(ctx, VERSION);

  // Background work in-process: buffered counters reach the database every 2 s.
  const flush = async () => {
    await ctx.downloads.flush();
    await ctx.services.auth.flushUsage().catch((err) => logger.warn({ err: err.message }, 'token usage not recorded'));
  };
  const timer = setInterval(() => void flush(), 2000);
  timer.unref();
  // AMI verification: find out in the background whether AWS answers.
  void ctx.services.verification.start();
  // Background jobs (verification, scans, rescans) in this process unless CWS_REGISTRY_WORKER=false.
  const worker = config.jobs.worker ? createWorker(ctx) : null;
  void worker?.start();

  let server: Server | null = null;
  return {
    app,
    ctx,
    worker,
    listen() {
      return new Promise((resolve, reject) => {
        // The lean path of cached resolves answers in front of the app (http/cached-get.ts).
        const s = createHttpServer(listener);
        s.once('error', reject);
        s.listen(config.http.port, config.http.host, () => {
          s.off('error', reject);
          const { port } = s.address() as AddressInfo;
          const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
          const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
          ctx.database.dataLock?.advertise(url);
          resolve(url);
        });
        s.keepAliveTimeout = 65_000;
        server = s;
      });
    },
    async close() {
      clearInterval(timer);
      // Stop accepting connections, answer new requests on open ones with 503, let those in
      // flight finish (10 s at most), and only then close the database under them.
      const s = server as Server | null;
      const closed = s ? new Promise<void>((resolve) => s.close(() => resolve())) : Promise.resolve();
      await ctx.drain.drain(10_000);
      s?.closeIdleConnections();
      await worker?.stop();
      await ctx.services.verification.stop();
      s?.closeAllConnections();
      await closed;
      await flush();
      ctx.cache.stop();
      await ctx.redis?.close();
      if (!overrides.database) await ctx.database.close();
    },
  };
}
