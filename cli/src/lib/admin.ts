import type { RegistryClient } from '@cws/shared';
import type { RegistryEntry } from './config.js';
import type { CliContext } from './context.js';
import { CwsError } from './errors.js';
import { clientFor, loginSuggestions, pickRegistry, registryFailure } from './registries.js';

/** The registry an organisation or administration command talks to, and a client with its stored token. */
export async function signedInClient(
  ctx: CliContext,
  registry: string | undefined,
): Promise<{ entry: RegistryEntry; client: RegistryClient }> {
  const entry = pickRegistry(await ctx.config(), registry ?? (await ctx.defaultRegistry()));
  if (!entry.token) {
    throw new CwsError(`no token is stored for ${entry.name}`, {
      code: 'unauthorized',
      suggestions: loginSuggestions(entry),
    });
  }
  return { entry, client: clientFor(entry, { timeoutMs: ctx.registryTimeoutMs, retries: 1 }) };
}

/** Runs one registry call, turning its failure into the CLI's typed error. */
export async function call<T>(entry: RegistryEntry, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw registryFailure(err, entry, what);
  }
}

/** Asks before a destructive change; without a terminal, --yes is needed. */
export async function confirmOrStop(json: boolean, question: string, yesHint: string): Promise<void> {
  const { confirm } = await import('../ui/confirm.js');
  const ok = json ? undefined : await confirm(question);
  if (ok === undefined) {
    throw new CwsError('this needs confirmation, and there is no terminal to ask on', {
      code: 'confirmation_required',
      suggestions: [yesHint],
    });
  }
  if (!ok) throw new CwsError('cancelled', { code: 'cancelled' });
}
