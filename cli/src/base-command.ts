import { Command, Errors } from '@oclif/core';
import type { CliContext } from './lib/context.js';
import { CwsError } from './lib/errors.js';
import { type Spinner, startSpinner } from './ui/spinner.js';
import { type Column, renderTable } from './ui/table.js';

export interface JsonError {
  error: { code: string; message: string; exit: number; suggestions: string[] } & Record<string, unknown>;
}

/**
 * oclif's parse errors in cws's words: one line, naming the flag and the value ("--priority must be a whole
 * number, not "abc"") rather than "Parsing --priority\n\tExpected an integer but received: abc\nSee more help".
 */
export function usageMessage(raw: string): string {
  const text = raw.replace(/\n?See more help with --help\s*$/, '').trim();
  const integer = /^Parsing (--[\w-]+)\s+Expected an integer but received: (.*)$/s.exec(text);
  if (integer) return `${integer[1]} must be a whole number, not "${integer[2]?.trim()}"`;
  const parsing = /^Parsing (--[\w-]+)\s+(.*)$/s.exec(text);
  if (parsing) return `${parsing[1]}: ${parsing[2]?.replace(/\s+/g, ' ').trim()}`;
  const missing = /^Missing \d+ required args?:\s*\n(.*)$/s.exec(text);
  if (missing) {
    const names = (missing[1] ?? '')
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[0]?.toUpperCase())
      .filter(Boolean);
    return `missing ${names.length > 1 ? 'arguments' : 'argument'} ${names.join(', ')}`;
  }
  const unknown = /^Nonexistent flags?: (.*)$/s.exec(text);
  if (unknown) return `unknown flag ${unknown[1]?.trim()}`;
  return text.replace(/\s*\n\s*/g, ': ');
}

/** Any error as a CwsError: a message, a code, an exit code and what to do next; never a stack trace. */
export function normalizeError(err: unknown, commandId?: string): CwsError {
  if (err instanceof CwsError) return err;
  const e = err as { name?: string; message?: string; oclif?: { exit?: number }; suggestions?: string[] };
  if (e?.oclif && typeof e.oclif.exit === 'number') {
    // oclif's own errors: unknown flags, missing arguments, bad values.
    const help = commandId ? `cws ${commandId.replaceAll(':', ' ')} --help shows the flags and examples` : undefined;
    return new CwsError(usageMessage(e.message ?? 'invalid arguments'), {
      code: 'usage',
      suggestions: e.suggestions?.length ? e.suggestions : help ? [help] : [],
    });
  }
  if (e?.name === 'RegistryError') {
    return new CwsError(e.message ?? 'registry error', {
      code: 'registry_error',
      suggestions: ['check the registry with: cws registry list'],
    });
  }
  return new CwsError(`unexpected error: ${e?.message ?? String(err)}`, {
    code: 'internal',
    suggestions: ['this is a bug in cws; run again with DEBUG=* for details and report it'],
  });
}

export function formatError(e: CwsError): string {
  const lines = [`Error: ${e.message}`];
  if (e.suggestions.length === 1) lines.push(`Try this: ${e.suggestions[0]}`);
  if (e.suggestions.length > 1) lines.push('Try this:', ...e.suggestions.map((s) => `  - ${s}`));
  return `${lines.join('\n')}\n`;
}

/**
 * The base of every cws command: `--json` (oclif's enableJsonFlag, so `run()`'s typed result is the JSON output),
 * the context read once, output helpers that stay quiet under --json, and errors turned into exit codes.
 */
export abstract class CwsCommand<T> extends Command {
  static override enableJsonFlag = true;

  private contextPromise: Promise<CliContext> | undefined;

  abstract override run(): Promise<T>;

  /** Env, paths and config, resolved once per run. Loaded lazily so `--version` and `--help` stay fast. */
  protected context(): Promise<CliContext> {
    this.contextPromise ??= import('./lib/context.js').then((m) => m.createContext());
    return this.contextPromise;
  }

  /** Prints a table for people; nothing under --json (the result object is the output then). */
  protected table<Row>(rows: Row[], columns: Column<Row>[], empty = '(none)'): void {
    if (this.jsonEnabled()) return;
    this.log(rows.length ? renderTable(rows, columns) : empty);
  }

  /** A message for the person at the terminal, on stderr; nothing under --json. */
  protected note(text: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${text}\n`);
  }

  protected spinner(text: string): Spinner {
    return startSpinner(text, { json: this.jsonEnabled() });
  }

  protected async withSpinner<R>(text: string, work: () => Promise<R>): Promise<R> {
    const spinner = this.spinner(text);
    try {
      return await work();
    } finally {
      spinner.stop();
    }
  }

  override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err;
    const e = normalizeError(err, this.id);
    process.exitCode = e.exit;
    if (this.jsonEnabled()) {
      const body: JsonError = {
        error: { code: e.code, message: e.message, exit: e.exit, suggestions: e.suggestions, ...(e.data ?? {}) },
      };
      this.logJson(body);
      return undefined;
    }
    // Printed here rather than by oclif, which re-wraps lines at 80 columns and would split "file:line: field".
    process.stderr.write(formatError(e));
    throw new Errors.ExitError(e.exit);
  }

  /** Warnings go to stderr unwrapped, one per line; nothing under --json (the result carries them). */
  override warn(input: string | Error): string | Error {
    if (!this.jsonEnabled()) process.stderr.write(`Warning: ${input instanceof Error ? input.message : input}\n`);
    return input;
  }

  override async finally(err: Error | undefined): Promise<unknown> {
    const ctx = await this.contextPromise?.catch(() => undefined);
    for (const w of ctx?.warnings ?? []) this.warn(w);
    return super.finally(err);
  }
}
