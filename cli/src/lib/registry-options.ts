import type { HttpClientOptions } from '@cws/shared';
import { DEFAULT_REGISTRY_TIMEOUT_MS, type RegistryEntry } from './config.js';

export const USER_AGENT = 'cws-cli/0.1.0';

export interface ClientSettings {
  /** Overrides every registry's own timeout (flag or CWS_REGISTRY_TIMEOUT). */
  timeoutMs?: number | undefined;
  retries?: number;
  maxRetryAfterMs?: number;
}

/** How cws talks to a configured registry: its URL, token, timeout and retries (RegistryClient and ResolveCalls). */
export function clientOptions(
  entry: RegistryEntry,
  settings: ClientSettings = {},
  token = entry.token,
): HttpClientOptions {
  const opts: HttpClientOptions = {
    baseUrl: entry.url,
    token,
    timeoutMs: settings.timeoutMs ?? entry.timeout_ms ?? DEFAULT_REGISTRY_TIMEOUT_MS,
    userAgent: USER_AGENT,
  };
  if (settings.retries !== undefined) opts.retries = settings.retries;
  if (settings.maxRetryAfterMs !== undefined) opts.maxRetryAfterMs = settings.maxRetryAfterMs;
  return opts;
}
