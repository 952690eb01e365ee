import type { CliContext } from '../lib/context.js';
import type { Spinner } from './spinner.js';

/**
 * What a command body needs from the command running it: CwsCommand (oclif) gives it, and so does the lean start-up
 * path (src/lean/), which runs `cws ami resolve` without loading oclif. Every output helper is quiet under --json.
 */
export interface CommandIo {
  jsonEnabled(): boolean;
  /** Env, paths and config, resolved once per run. */
  context(): Promise<CliContext>;
  spinner(text: string): Spinner;
  /** A line on stdout. */
  log(text: string): void;
  /** A line on stderr. */
  logToStderr(text: string): void;
  /** `Warning: ...` on stderr. */
  warn(text: string): void;
}
