/**
 * Exit codes scripts can rely on. Documented in cli/README.md; never renumber.
 */
export const EXIT = {
  ok: 0,
  /** Unexpected failure (a bug): the message says so. */
  failure: 1,
  /** Bad flags or arguments (oclif's own parse errors use 2 as well). */
  usage: 2,
  /** A template, config file or environment variable is invalid. */
  invalidInput: 3,
  /** A named thing does not exist: template, registry, listing, image. */
  notFound: 4,
  /** No AMI could be resolved and the strategy forbids script provisioning. */
  noAmi: 5,
  /** A registry could not be used: down, slow, 5xx, garbage, rate limited. */
  registry: 6,
  /** Not logged in, bad token or not allowed. */
  auth: 7,
  /** AWS failed: no credentials or region, an API error. */
  aws: 8,
  /** A setup script, validation test or in-image hygiene check failed (the message names which, with its output). */
  checks: 9,
  /** Every image found was revoked by a registry, and the strategy forbids provisioning from the setup script. */
  revoked: 10,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface CwsErrorOptions {
  /** Stable machine-readable code, e.g. `template_invalid`, `no_ami`. */
  code: string;
  exit: ExitCode;
  /** What to do next, one suggestion per entry. */
  suggestions?: string[];
  /** Structured detail for `--json` (e.g. the fallback chain, the template issues). */
  data?: Record<string, unknown>;
  cause?: unknown;
}

/** The error type lib code throws; the base command turns it into a message and an exit code. */
export class CwsError extends Error {
  override readonly name = 'CwsError';
  readonly code: string;
  readonly exit: ExitCode;
  readonly suggestions: string[];
  readonly data: Record<string, unknown> | undefined;

  constructor(message: string, opts: CwsErrorOptions) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = opts.code;
    this.exit = opts.exit;
    this.suggestions = opts.suggestions ?? [];
    this.data = opts.data;
  }
}
