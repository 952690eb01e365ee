// The lean start-up path (bundled as dist/bundle/lean.js; bin/run.cjs tries it first): `cws ami resolve` without
// loading oclif, whose start-up (its own modules, every command module, plugin discovery) cost more than the
// resolution itself. The command's body is the one the oclif command runs (ui/resolve-command.ts), its output and
// its failures are reported as CwsCommand reports them; anything else returns false and runs through oclif.
import type { CliContext } from '../lib/context.js';
import type { CommandIo } from '../ui/command-io.js';
import { formatError, jsonErrorBody, normalizeError } from '../ui/failure.js';
import { startSpinner } from '../ui/spinner.js';
import { type LeanParsed, type LeanSpecs, parseLean } from './argv.js';

type Body = (io: CommandIo, parsed: LeanParsed) => Promise<unknown>;

const BODIES: Record<string, Body> = {
  'ami:resolve': async (io, { args, flags }) => {
    const { resolveCommand } = await import('../ui/resolve-command.js');
    return resolveCommand(io, args.template as string, flags as unknown as Parameters<typeof resolveCommand>[2]);
  },
};

/** The command id argv names (`ami resolve ...` or `ami:resolve ...`) and the words after it. */
function commandOf(argv: readonly string[]): { id: string; rest: readonly string[] } | undefined {
  for (const id of Object.keys(BODIES)) {
    const words = id.split(':');
    if (words.every((w, i) => argv[i] === w)) return { id, rest: argv.slice(words.length) };
    if (argv[0] === id) return { id, rest: argv.slice(1) };
  }
  return undefined;
}

/** Runs the command when the lean path can; false when oclif must (nothing was done or printed then). */
export async function runLean(argv: readonly string[], specs: LeanSpecs): Promise<boolean> {
  const command = commandOf(argv);
  const spec = command && specs[command.id];
  const body = command && BODIES[command.id];
  if (!command || !spec || !body) return false;
  const parsed = parseLean(spec, command.rest);
  if (!parsed) return false;
  const { oclifSettingsInEnv } = await import('../lib/env.js');
  if (oclifSettingsInEnv()) return false;
  (await import('./zod-jitless.js')).zodJitless();
  const json = parsed.flags.json === true;
  let contextPromise: Promise<CliContext> | undefined;
  const io: CommandIo = {
    jsonEnabled: () => json,
    context: () => {
      contextPromise ??= import('../lib/context.js').then((m) => m.createContext());
      return contextPromise;
    },
    spinner: (text) => startSpinner(text, { json }),
    log: (text) => {
      if (!json) process.stdout.write(`${text}\n`);
    },
    logToStderr: (text) => {
      if (!json) process.stderr.write(`${text}\n`);
    },
    warn: (text) => {
      if (!json) process.stderr.write(`Warning: ${text}\n`);
    },
  };
  // As oclif's Command._run with CwsCommand's catch and finally.
  let result: unknown;
  try {
    result = await body(io, parsed);
  } catch (err) {
    const e = normalizeError(err, command.id);
    process.exitCode = e.exit;
    if (json) printJson(jsonErrorBody(e));
    else process.stderr.write(formatError(e));
  } finally {
    const ctx = await contextPromise?.catch(() => undefined);
    for (const w of ctx?.warnings ?? []) io.warn(w);
  }
  if (result && json) printJson(result);
  return true;
}

/** oclif's logJson without a theme: two-space JSON and a newline. */
function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
