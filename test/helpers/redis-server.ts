import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll } from 'vitest';
import { reachable, TEST_REDIS_URL } from './env.js';

/** Whether `redis-server` is installed. CI has it; a test that needs it fails there rather than skip. */
export function haveRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A free TCP port on loopback (closed again before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * A Redis of the test's own, on its own port, that keeps nothing on disk: killing it and
 * starting it again gives an empty Redis at the same address, like a container restart.
 */
export class PrivateRedis {
  #child: ChildProcess | null = null;
  port = 0;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', '/tmp'],
      { stdio: 'ignore' },
    );
    this.#child = child;
    const deadline = Date.now() + 5000;
    while (!(await reachable(this.url, 200))) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`redis-server on ${this.port} did not start`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGKILL: Redis goes away at once, with everything it held. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }
}

/**
 * A Redis for tests that need one (two replicas sharing it, outages): REDIS_URL when the run was given one,
 * otherwise a private redis-server of this test file's own (stopped after the file). Never the machine's
 * default Redis on 6379: the embedded pass must not depend on what happens to run here. Without REDIS_URL and
 * without redis-server the Redis tests skip and say so; under CI=true they fail instead.
 */
export async function redisForTests(what: string): Promise<string | null> {
  if (TEST_REDIS_URL) return TEST_REDIS_URL;
  if (!haveRedisServer()) {
    const why = 'REDIS_URL is unset and redis-server is not installed (apt-get install -y redis-server)';
    if (process.env.CI === 'true') throw new Error(`${what} need Redis and CI must run them: ${why}`);
    console.warn(`skipping ${what}: ${why}`);
    return null;
  }
  const redis = new PrivateRedis();
  await redis.start();
  afterAll(() => redis.kill());
  return redis.url;
}
