import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_BIN = join(root, 'cli/bin/run.cjs');

/** Fails fast, and says why, when the binary under test is missing or older than its sources. */
export function assertBuilt(): void {
  const dist = join(root, 'cli/dist/commands/index.js');
  if (!existsSync(dist)) throw new Error('cli/dist is missing: build first with `pnpm build`');
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((e) =>
        e.isDirectory()
          ? newest(join(dir, e.name))
          : e.name.endsWith('.test.ts')
            ? 0
            : statSync(join(dir, e.name)).mtimeMs,
      ),
    );
  // tsc -b rewrites only outputs that changed, but always its build info.
  const info = join(root, 'cli/tsconfig.tsbuildinfo');
  const built = Math.max(newest(join(root, 'cli/dist')), existsSync(info) ? statSync(info).mtimeMs : 0);
  if (newest(join(root, 'cli/src')) > built + 1000) {
    throw new Error('cli/dist is older than cli/src: rebuild with `pnpm build`');
  }
  // The binary runs the bundle (cli/scripts/bundle.mjs), made from dist by `pnpm build`.
  const bundle = join(root, 'cli/dist/bundle/commands.js');
  const compiled = newest(join(root, 'cli/dist/commands'));
  if (!existsSync(bundle) || statSync(bundle).mtimeMs + 1000 < compiled) {
    throw new Error('cli/dist/bundle is missing or older than cli/dist: rebuild with `pnpm build`');
  }
}

export interface CwsResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (undefined when it is not JSON). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever the command printed
  json: any;
  ms: number;
}

/** A throwaway HOME with its own config, cache and templates folders; nothing from the real user leaks in. */
export interface Sandbox {
  dir: string;
  configFile: string;
  cacheDir: string;
  templatesDir: string;
  env: Record<string, string>;
  cleanup(): void;
}

export function sandbox(extraEnv: Record<string, string> = {}): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'cws-cli-test-'));
  const configFile = join(dir, 'config', 'cws', 'config.json');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    CWS_CONFIG: configFile,
    CWS_CACHE_DIR: join(dir, 'cache'),
    // Never real AWS: no profile files, no instance metadata, and dummy keys unless a test sets its own.
    AWS_CONFIG_FILE: join(dir, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    NO_COLOR: '1',
    ...extraEnv,
  };
  return {
    dir,
    configFile,
    cacheDir: join(dir, 'cache'),
    templatesDir: join(dir, 'config', 'cws', 'templates'),
    env,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs the built `cws` as a subprocess (asynchronously: in-process test servers must keep answering). */
export function cws(
  args: string[],
  opts: { env: Record<string, string>; input?: string; timeoutMs?: number },
): Promise<CwsResult> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cws ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 20000} ms\n${stderr}`));
    }, opts.timeoutMs ?? 20000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json, ms: Math.round(performance.now() - start) });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/**
 * Runs the built `cws` on a terminal (a pseudo-terminal made by util-linux `script`), answering each prompt when it
 * appears: `answers[i].reply` is typed once the output since the previous answer matches `answers[i].prompt`.
 * For the confirmations that only a person at a terminal gets.
 */
export function cwsOnTerminal(
  args: string[],
  opts: { env: Record<string, string>; answers: { prompt: RegExp; reply: string }[]; timeoutMs?: number },
): Promise<{ code: number | null; output: string }> {
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const command = [process.execPath, CLI_BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let from = 0;
    let next = 0;
    const onData = (d: Buffer) => {
      output += d.toString();
      const answer = opts.answers[next];
      if (answer && answer.prompt.test(output.slice(from))) {
        next++;
        from = output.length;
        child.stdin.write(`${answer.reply}\n`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`cws ${args.join(' ')} on a terminal did not finish in ${opts.timeoutMs ?? 60000} ms\n${output}`),
      );
    }, opts.timeoutMs ?? 60000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
