import { createConnection } from 'node:net';

/**
 * What the test run was given. The suite runs twice in CI: on embedded PGlite with no
 * Redis, and with DATABASE_URL/REDIS_URL pointing at servers. Tests read these here only.
 */
export const TEST_DATABASE_URL = process.env.DATABASE_URL || null;
export const TEST_REDIS_URL = process.env.REDIS_URL || null;

/** True when something accepts TCP connections at host:port within the timeout. */
export function reachable(url: string, timeoutMs = 500): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
