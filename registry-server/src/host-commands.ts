import { parseArgs } from 'node:util';
import { createTokenBody, createUserBody, updateUserBody } from '@cws/shared';
import type { z } from 'zod';
import type { Config } from './config/config.js';
import { createContext } from './context.js';
import { DataFolderLockedError, lockHolder } from './db/data-lock.js';
import { DomainError, ValidationError } from './errors.js';
import { createLogger } from './logger.js';

/**
 * `cws-registry user create|list|disable|enable` and `cws-registry token create`: people and
 * tokens from the registry's host, straight through the services on its database (no token needed:
 * whoever runs them there holds the database). Logs go to stderr; stdout holds the answer.
 */
export const HOST_HELP = `  cws-registry user create HANDLE [--role user|maintainer|admin] [--display-name NAME] [--token-name NAME] [--json]
                                create a person and their first API token (shown once)
  cws-registry user list [--prefix P] [--json]
  cws-registry user disable HANDLE [--json]   (user enable HANDLE undoes it)
  cws-registry token create HANDLE [--name NAME] [--scope rate --scope publish] [--expires-in-days N] [--json]
                                a new API token for a person (shown once)`;

class UsageError extends Error {}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean' },
      role: { type: 'string' },
      'display-name': { type: 'string' },
      'token-name': { type: 'string' },
      prefix: { type: 'string' },
      name: { type: 'string' },
      scope: { type: 'string', multiple: true },
      'expires-in-days': { type: 'string' },
    },
  });
}

/** Validates with the API's own schema, so the shell and the API refuse the same things alike. */
function check<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new UsageError(parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '));
}

/** The registry's URL as users reach it, for the `cws login` line. */
export function registryUrl(config: Config): string {
  if (config.http.publicUrl) return config.http.publicUrl.replace(/\/+$/, '');
  const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.http.port}`;
}

export async function runHostCommand(config: Config, topic: string, argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    process.stderr.write(`cws-registry ${topic}: ${(err as Error).message}\nusage:\n${HOST_HELP}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const json = values.json === true;
  const [verb, handle] = positionals;
  const key = `${topic} ${verb ?? ''}`.trim();
  const known = ['user create', 'user list', 'user disable', 'user enable', 'token create'];
  if (!known.includes(key)) {
    process.stderr.write(`cws-registry: unknown command "${key}"\nusage:\n${HOST_HELP}\n`);
    return 2;
  }
  const out = (human: string, doc: unknown) =>
    process.stdout.write(json ? `${JSON.stringify(doc, null, 2)}\n` : `${human}\n`);

  const holder = config.db.kind === 'pglite' && config.db.dataDir ? lockHolder(config.db.dataDir) : null;
  if (holder && config.db.kind === 'pglite') {
    throw new DataFolderLockedError(config.db.dataDir ?? '', holder).withHint(
      `stop it and run this again, or use its web pages (${holder.url ?? 'the registry'}/account/tokens; ` +
        'admins invite people there); with PostgreSQL (DATABASE_URL) these commands run beside a live server',
    );
  }
  const url = registryUrl(config);
  const level = config.logLevel === 'info' ? 'warn' : config.logLevel;
  const ctx = await createContext({ ...config, redis: null }, { logger: createLogger(level, 2) });
  try {
    await ctx.database.migrate();
    if (key !== 'user list' && !handle) throw new UsageError(`give the handle: cws-registry ${key} HANDLE`);
    switch (key) {
      case 'user create': {
        const body = check(createUserBody, {
          handle,
          role: values.role,
          display_name: values['display-name'],
          token_name: values['token-name'],
        });
        const created = await ctx.services.auth.createUserAsOperator(body);
        const login = `cws login --registry ${url} --token ${created.token.token}`;
        out(
          `Created ${created.user.role} ${created.user.handle}. Their API token (shown once; the registry keeps only its SHA-256):\n` +
            `  ${created.token.token}\nOn their machine:\n  ${login}`,
          { ...created, login_command: login },
        );
        return 0;
      }
      case 'user list': {
        const page = await ctx.services.admin.listUsersAsOperator({ q: values.prefix, limit: 500 });
        const lines = page.items.map(
          (u) =>
            `${u.handle.padEnd(24)} ${u.role.padEnd(10)} ${u.disabled_at ? `disabled ${u.disabled_at.slice(0, 10)}` : 'active'}` +
            `${u.orgs.length ? `  orgs: ${u.orgs.map((o) => `${o.name} (${o.role})`).join(', ')}` : ''}`,
        );
        out(lines.length ? lines.join('\n') : 'No users yet.', page.items);
        return 0;
      }
      case 'user disable':
      case 'user enable': {
        const body = check(updateUserBody, { disabled: key === 'user disable' });
        const user = await ctx.services.admin.updateUserAsOperator(check(createUserBody.shape.handle, handle), body);
        out(
          user.disabled_at
            ? `Disabled ${user.handle}: their tokens and web sessions stopped working.`
            : `Enabled ${user.handle}.`,
          user,
        );
        return 0;
      }
      case 'token create': {
        const days = values['expires-in-days'];
        const body = check(createTokenBody, {
          name: values.name ?? 'cws-registry token create',
          scopes: values.scope,
          expires_in_days: days === undefined ? undefined : /^\d+$/.test(days) ? Number(days) : days,
        });
        const token = await ctx.services.auth.createTokenAsOperator(check(createUserBody.shape.handle, handle), body);
        const login = `cws login --registry ${url} --token ${token.token}`;
        out(
          `API token ${token.name} for ${handle} (scopes ${token.scopes.join(', ')}${token.expires_at ? `, expires ${token.expires_at}` : ''}), shown once:\n` +
            `  ${token.token}\nOn their machine:\n  ${login}`,
          { ...token, login_command: login },
        );
        return 0;
      }
    }
    return 2;
  } catch (err) {
    if (err instanceof UsageError || err instanceof ValidationError) {
      process.stderr.write(`cws-registry: ${err.message}\nusage:\n${HOST_HELP}\n`);
      return 2;
    }
    if (err instanceof DomainError && json) {
      process.stdout.write(`${JSON.stringify({ error: { code: err.code, message: err.message } }, null, 2)}\n`);
      process.stderr.write(`cws-registry: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await ctx.database.close();
  }
}
