import { ERROR_STATUS, type ErrorCode, isRegistryError, RegistryClient } from '@cws/shared';
import { type CwsConfig, findRegistry, orderedRegistries, type RegistryEntry } from './config.js';
import { CwsError, type CwsErrorCode } from './errors.js';
import { type ClientSettings, clientOptions } from './registry-options.js';

export { type ClientSettings, USER_AGENT } from './registry-options.js';

export function clientFor(entry: RegistryEntry, settings: ClientSettings = {}, token = entry.token): RegistryClient {
  return new RegistryClient(clientOptions(entry, settings, token));
}

/** The registry's account page, where a signed-in person makes API tokens. */
export function tokenPageUrl(entry: Pick<RegistryEntry, 'url'>): string {
  return `${entry.url.replace(/\/+$/, '')}/account/tokens`;
}

/**
 * How to get a token for this registry, for every message that needs one: the account page (with
 * the cws login line to paste), and who to ask when there is no account yet.
 */
export function loginSuggestions(entry: Pick<RegistryEntry, 'name' | 'url'>): string[] {
  return [
    `create a token on your account page ${tokenPageUrl(entry)}, then: cws login --registry ${entry.name} --token TOKEN`,
    `no account there yet? ask the administrator of ${entry.url} for an invitation link (it creates your account and signs you in); with an institution's sign-in: cws login --sso --registry ${entry.name}`,
  ];
}

/** The registry a browse/info/rate/list command talks to: the named one, else the configured default, else the first. */
export function pickRegistry(config: CwsConfig, name: string | undefined): RegistryEntry {
  const wanted = name ?? config.defaults?.registry;
  if (wanted) return findRegistry(config, wanted);
  const first = orderedRegistries(config)[0];
  if (!first) {
    throw new CwsError('no registry is configured', {
      code: 'no_registry',
      suggestions: ['add one: cws registry add community https://registry.example.org'],
    });
  }
  return first;
}

/** Whether `code` is a code the registry sends with `status` (a registry error body's code, as it reached us). */
const isRegistryCode = (code: unknown, status: number | undefined): code is ErrorCode =>
  typeof code === 'string' && Object.hasOwn(ERROR_STATUS, code) && ERROR_STATUS[code as ErrorCode] === status;

/**
 * A registry failure as a message that says what to do next. The registry's own error code is kept when it is one
 * the registry sends with that status (ERROR_STATUS), so the exit code follows from it like any other (ERROR_EXIT).
 */
export function registryFailure(err: unknown, entry: RegistryEntry, what: string): unknown {
  if (!isRegistryError(err)) return err;
  const where = `registry ${entry.name} (${entry.url})`;
  const code = (fallback: CwsErrorCode): CwsErrorCode => (isRegistryCode(err.code, err.status) ? err.code : fallback);
  if (err.status === 401) {
    return new CwsError(`${what}: ${where} did not accept your credentials (${err.message})`, {
      code: 'unauthorized',
      suggestions: loginSuggestions(entry),
    });
  }
  if (err.status === 403) {
    return new CwsError(`${what}: ${where} refused: ${err.message}`, {
      code: 'forbidden',
      suggestions: ['use a token with the needed scope, or ask the registry administrators'],
    });
  }
  if (err.status === 404) {
    return new CwsError(`${what}: ${err.message}`, {
      code: code('not_found'),
      suggestions: ['check the name; search with: cws ami browse --query WORDS'],
    });
  }
  if (err.status === 400 || err.status === 409 || err.status === 413) {
    // The message often is the first detail already: say each thing once.
    const details = err.details
      ?.map((d) => `${d.path}: ${d.message}`)
      .filter((d) => !err.message.includes(d))
      .join('; ');
    const fallback = err.status === 409 ? 'conflict' : err.status === 413 ? 'payload_too_large' : 'bad_request';
    return new CwsError(`${what}: ${where} rejected the request: ${err.message}${details ? ` (${details})` : ''}`, {
      code: code(fallback),
      suggestions: [
        err.status === 409
          ? 'see what the registry holds already (cws ami info), then try again'
          : 'fix the input and try again',
      ],
    });
  }
  return new CwsError(`${what}: ${where} ${err.summary}`, {
    code: `registry_${err.kind}`,
    suggestions: [
      err.kind === 'rate_limited'
        ? 'wait a little and try again'
        : `check the registry is up and the URL is right (cws registry list), or try again later`,
    ],
  });
}
