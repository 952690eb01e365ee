import { hostname } from 'node:os';
import type { DeviceCode, DeviceToken, RegistryClient } from '@cws/shared';
import { CwsError } from './errors.js';

/** What the CLI calls itself on the approval page. */
export function clientName(): string {
  const host =
    hostname()
      .replace(/[^\p{L}\p{N} ._@()/:-]/gu, '')
      .slice(0, 60) || 'this computer';
  return `cws on ${host}`;
}

/**
 * Polls the device sign-in until the person approves or denies it, or the code expires
 * (RFC 8628 3.5: wait `interval` seconds, 5 more after each slow_down). Never prints.
 */
export async function pollForToken(
  client: RegistryClient,
  code: DeviceCode,
  opts: { registry: string; signal?: AbortSignal; sleep?: (ms: number) => Promise<void> } = { registry: 'registry' },
): Promise<DeviceToken> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let interval = code.interval;
  const deadline = Date.now() + code.expires_in * 1000;
  for (;;) {
    await sleep(interval * 1000);
    if (opts.signal?.aborted) throw new CwsError('stopped waiting for the sign-in', { code: 'aborted' });
    try {
      return await client.pollDeviceLogin(code.device_code);
    } catch (err) {
      const e = err as { code?: string; status?: number; unreachable?: boolean; message?: string };
      if (e.code === 'authorization_pending') {
        if (Date.now() > deadline) break;
        continue;
      }
      if (e.code === 'slow_down') {
        interval += 5;
        continue;
      }
      if (e.unreachable) {
        // A registry that blips while we wait: keep waiting until the code expires.
        if (Date.now() > deadline) break;
        continue;
      }
      if (e.code === 'access_denied') {
        throw new CwsError(`the sign-in to ${opts.registry} was denied in the browser; nothing was saved`, {
          code: 'access_denied',
          suggestions: [`cws login --sso --registry ${opts.registry}`],
        });
      }
      if (e.code === 'expired_token') break;
      throw err;
    }
  }
  throw new CwsError(`the code expired before it was approved; nothing was saved`, {
    code: 'expired_token',
    suggestions: [`cws login --sso --registry ${opts.registry}`],
  });
}
