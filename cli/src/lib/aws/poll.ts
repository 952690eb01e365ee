import { CwsError } from '../errors.js';

/** Polls until `done` says so, with growing pauses (quick against the emulator, gentle on AWS). */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  opts: { timeoutMs: number; what: string; onTick?: (value: T, elapsedMs: number) => void },
): Promise<T> {
  const start = Date.now();
  let delay = 200;
  for (;;) {
    const value = await read();
    opts.onTick?.(value, Date.now() - start);
    if (done(value)) return value;
    if (Date.now() - start > opts.timeoutMs) {
      throw new CwsError(`gave up waiting for ${opts.what} after ${Math.round(opts.timeoutMs / 1000)} s`, {
        code: 'timeout',
      });
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(5000, Math.round(delay * 1.5));
  }
}
