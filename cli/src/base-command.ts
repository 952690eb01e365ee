import { Command, Errors } from '@oclif/core';
import type { CliContext } from './lib/context.js';
import type { CommandIo } from './ui/command-io.js';
import { formatError, jsonErrorBody, normalizeError } from './ui/failure.js';
import { type Spinner, startSpinner } from './ui/spinner.js';
import { type Column, renderTable } from './ui/table.js';

export { formatError, type JsonError, normalizeError, usageMessage } from './ui/failure.js';

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

  /** This command's output helpers, for a command body shared with the lean start-up path (ui/command-io.ts). */
  protected io(): CommandIo {
    return {
      jsonEnabled: () => this.jsonEnabled(),
      context: () => this.context(),
      spinner: (text) => this.spinner(text),
      log: (text) => this.log(text),
      logToStderr: (text) => this.logToStderr(text),
      warn: (text) => {
        this.warn(text);
      },
    };
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
      this.logJson(jsonErrorBody(e));
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
