import { readFileSync } from 'node:fs';
import { buildConfig, type Config } from './config/config.js';
import { ENV_DOCS, readEnv } from './config/env.js';
import { DataFolderLockedError, lockHolder } from './db/data-lock.js';
import { startEmbedded } from './db/pglite-early.js';
import type { RegistryServer } from './server.js';

// Only configuration and the embedded database's lock and thread are imported up front: `serve`
// and `worker` start opening PGlite (in its thread) before the rest of the server loads, so the
// two overlap; everything else is imported where a command needs it.

const help = (version: string, hostHelp: string) => `cws-registry ${version}: the community AMI registry

Usage:
  cws-registry serve            start the HTTP server and a job worker (runs migrations first)
  cws-registry worker           run background jobs only (verification, scans, rescans), no HTTP
  cws-registry migrate          apply database migrations and exit
  cws-registry import FILE      import a registry index (YAML or JSON), idempotently
  cws-registry mirror URL       mirror another registry's public export once, idempotently
                                (CWS_REGISTRY_MIRROR_URL runs it on a schedule inside serve)
${hostHelp}
  cws-registry --help | --version

Settings (environment variables):
${ENV_DOCS.map((e) => `  ${e.name.padEnd(30)} ${e.description}\n  ${''.padEnd(30)} default: ${e.default}`).join('\n')}
`;

/** Locks the configured embedded folder and starts opening it (null: the database is a server). */
function embeddedFor(config: Config) {
  return config.db.kind === 'pglite' && config.db.dataDir ? startEmbedded(config.db.dataDir) : undefined;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    const [{ VERSION }, { HOST_HELP }] = await Promise.all([import('./server.js'), import('./host-commands.js')]);
    process.stdout.write(help(VERSION, HOST_HELP));
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-v') {
    const { VERSION } = await import('./server.js');
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const env = readEnv();
  const config = buildConfig(env);
  // One-shot commands log to stderr: their stdout is the answer (JSON for scripts).
  const quiet = async () => ({ logger: (await import('./logger.js')).createLogger(config.logLevel, 2) });
  switch (command) {
    case 'user':
    case 'token': {
      const { runHostCommand } = await import('./host-commands.js');
      return runHostCommand(config, command, rest);
    }
    case 'serve': {
      const embedded = embeddedFor(config);
      const [{ createServer, VERSION }, { registryUrl }] = await Promise.all([
        import('./server.js'),
        import('./host-commands.js'),
      ]);
      const server = await createServer(config, { embedded });
      const url = await server.listen().catch(async (err: NodeJS.ErrnoException) => {
        await server.close().catch(() => {});
        throw listenFailure(err, config.http.host, config.http.port);
      });
      const where = config.db.kind === 'pglite' ? `embedded PGlite in ${config.db.dataDir}` : 'PostgreSQL server';
      process.stdout.write(
        `cws-registry ${VERSION} listening on ${url}  (database: ${where}; cache: ${config.redis ? 'Redis' : 'in-process'})\n`,
      );
      process.stdout.write(`  API ${url}/api/v1   OpenAPI ${url}/api/v1/openapi.json   health ${url}/readyz\n`);
      await printFirstRun(server, config.http.publicUrl ? registryUrl(config) : url);
      const stop = async (signal: string) => {
        server.ctx.logger.info({ signal }, 'shutting down');
        await server.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      return -1;
    }
    case 'worker': {
      const embedded = embeddedFor(config);
      const [{ createContext }, { createWorker }, { VERSION }] = await Promise.all([
        import('./context.js'),
        import('./jobs/worker.js'),
        import('./server.js'),
      ]);
      const ctx = await createContext(config, { embedded });
      const applied = await ctx.database.migrate();
      if (applied.length > 0) ctx.logger.info({ applied }, 'database migrated');
      await ctx.cache.start();
      void ctx.services.verification.start();
      const worker = createWorker(ctx);
      await worker.start();
      process.stdout.write(`cws-registry ${VERSION} worker ${worker.id} running jobs\n`);
      const stop = async (signal: string) => {
        ctx.logger.info({ signal }, 'worker stopping');
        await worker.stop();
        await ctx.services.verification.stop();
        await ctx.redis?.close();
        await ctx.database.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      return -1;
    }
    case 'migrate': {
      const holder = config.db.kind === 'pglite' && config.db.dataDir ? lockHolder(config.db.dataDir) : null;
      if (holder) {
        throw new DataFolderLockedError(config.db.kind === 'pglite' ? (config.db.dataDir ?? '') : '', holder).withHint(
          'a running server applied every migration when it started: restart it to apply new ones',
        );
      }
      const { createContext } = await import('./context.js');
      const ctx = await createContext({ ...config, redis: null }, await quiet());
      const applied = await ctx.database.migrate();
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      await ctx.database.close();
      return 0;
    }
    case 'import': {
      const file = rest[0];
      if (!file) {
        process.stderr.write('usage: cws-registry import FILE\n');
        return 2;
      }
      const text = readFileSync(file, 'utf8');
      const holder = config.db.kind === 'pglite' && config.db.dataDir ? lockHolder(config.db.dataDir) : null;
      if (holder && config.db.kind === 'pglite') {
        // Never write behind a running server's back: hand the index to it, or refuse.
        if (!holder.url || !config.adminToken) {
          throw new DataFolderLockedError(config.db.dataDir ?? '', holder).withHint(
            holder.url
              ? `set CWS_REGISTRY_ADMIN_TOKEN and run again to import through it, or POST the file to ${holder.url}/api/v1/admin/import`
              : 'stop it, or run the import again once it listens',
          );
        }
        const res = await fetch(`${holder.url}/api/v1/admin/import`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${config.adminToken}`,
            'content-type': /\.json$/i.test(file) ? 'application/json' : 'application/yaml',
          },
          body: text,
        });
        const body = await res.text();
        if (!res.ok)
          throw new Error(`the running server (pid ${holder.pid}) refused the import: ${res.status} ${body}`);
        process.stdout.write(`${JSON.stringify(JSON.parse(body), null, 2)}\n`);
        return 0;
      }
      // The result goes to stdout; what the server logs meanwhile (verification off ...) to stderr.
      const [{ createServer }, { parseIndex }] = await Promise.all([
        import('./server.js'),
        import('./services/import.js'),
      ]);
      const server = await createServer({ ...config, demo: false }, await quiet());
      try {
        const result = await server.ctx.services.import.import(parseIndex(text, file), null);
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } finally {
        await server.close();
      }
      return 0;
    }
    case 'mirror': {
      const url = rest[0];
      if (!url || !/^https?:\/\/[^/\s]+/.test(url)) {
        process.stderr.write('usage: cws-registry mirror URL   (http or https base URL of the registry to mirror)\n');
        return 2;
      }
      // The one run asked for; no scheduled runs in this process.
      const { createServer } = await import('./server.js');
      const server = await createServer(
        {
          ...config,
          demo: false,
          mirror: { ...config.mirror, url: null },
          jobs: { ...config.jobs, worker: false },
        },
        await quiet(),
      );
      try {
        const result = await server.ctx.services.mirror.run(url, config.mirror.token);
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } catch (err) {
        process.stderr.write(`mirror failed: ${(err as Error).message}\n`);
        return 1;
      } finally {
        await server.close();
      }
      return 0;
    }
    default:
      process.stderr.write(`unknown command "${command}"; see cws-registry --help\n`);
      return 2;
  }
}

/**
 * While the registry has no admin: a one-time link that makes the first one. It is a secret, so it
 * goes to stdout for the operator as plain text, never through the logger (whose lines get shipped);
 * it works once, for an hour, and not at all once any admin exists.
 */
async function printFirstRun(server: RegistryServer, base: string): Promise<void> {
  const link = await server.ctx.services.invitations.firstRun();
  if (!link) return;
  process.stdout.write(
    `\nNo admin yet. Open this one-time link within an hour to become the first admin (choose your handle):\n` +
      `  ${base}/invite/${link.code}\n` +
      `It works once and is printed at every start until an admin exists. For a permanent admin token instead,\n` +
      `start with CWS_REGISTRY_ADMIN_TOKEN=$(openssl rand -hex 24) (user "admin"; no link is printed then).\n\n`,
  );
}

/** A port that cannot be had, in words that say what to set (the error alone says "listen EADDRINUSE"). */
function listenFailure(err: NodeJS.ErrnoException, host: string, port: number): Error {
  const next = port > 0 && port < 65535 ? port + 1 : 8949;
  if (err.code === 'EADDRINUSE') {
    return new Error(
      `port ${port} on ${host} is already in use (another cws-registry, or another program). Stop that, or choose another port: PORT=${next} cws-registry serve (PORT=0 picks a free one)`,
    );
  }
  if (err.code === 'EACCES') {
    return new Error(
      `not allowed to listen on port ${port} (ports below 1024 need privileges). Choose another: PORT=${next > 1024 ? next : 8948} cws-registry serve`,
    );
  }
  if (err.code === 'EADDRNOTAVAIL') {
    return new Error(`${host} is not an address of this machine: set HOST=127.0.0.1 (or 0.0.0.0 for every interface)`);
  }
  return err;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: Error & { details?: Array<{ path: string; message: string }> }) => {
    process.stderr.write(`cws-registry: ${err.message}\n`);
    process.exit(1);
  },
);
