// Types only: this file is on every command's start-up path, and @cws/shared's values bring zod with them.
import type { ErrorCode } from '@cws/shared';

/**
 * Exit codes scripts can rely on. Documented in the README (Exit codes); never renumber.
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
  /** The registry already holds what the request would create, or its state forbids the change (409). */
  conflict: 11,
  /** Interrupted (Ctrl-C) or stopped before it finished: 128 + SIGINT, as shells report it. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * The exit of each error code a registry answers with (`ERROR_STATUS` in `@cws/shared`): a registry error that
 * reaches the user keeps its code, and its exit follows from it. Typed by the shared list, so a new registry code
 * does not compile until it has an exit here.
 */
export const REGISTRY_CODE_EXIT: Record<ErrorCode, ExitCode> = {
  bad_request: EXIT.usage,
  validation_failed: EXIT.usage,
  authorization_pending: EXIT.auth,
  slow_down: EXIT.auth,
  expired_token: EXIT.auth,
  access_denied: EXIT.auth,
  unauthorized: EXIT.auth,
  forbidden: EXIT.auth,
  not_found: EXIT.notFound,
  no_match: EXIT.notFound,
  conflict: EXIT.conflict,
  payload_too_large: EXIT.usage,
  unsupported_media_type: EXIT.usage,
  rate_limited: EXIT.registry,
  // The CLI's own "unexpected error" too: a bug, in cws or in the registry.
  internal: EXIT.failure,
  upstream_failed: EXIT.registry,
  unavailable: EXIT.registry,
};

/** The CLI's own error codes (those the registry does not send) and their exits. */
const CLI_CODE_EXIT = {
  // usage: flags, arguments, a state the command cannot act on, a confirmation refused or impossible
  usage: EXIT.usage,
  unknown_command: EXIT.usage,
  ambiguous: EXIT.usage,
  build_done: EXIT.usage,
  build_not_resumable: EXIT.usage,
  cancelled: EXIT.usage,
  confirmation_required: EXIT.usage,
  instance_state: EXIT.usage,
  invalid_registry: EXIT.usage,
  invalid_url: EXIT.usage,
  name_taken: EXIT.usage,
  no_region: EXIT.usage,
  no_tests: EXIT.usage,
  not_launchable: EXIT.usage,
  nothing_to_build: EXIT.usage,
  nothing_to_publish: EXIT.usage,
  save_done: EXIT.usage,
  template_exists: EXIT.usage,
  sts_endpoint_not_allowed: EXIT.usage,
  // invalid input files and settings
  config_invalid: EXIT.invalidInput,
  config_unreadable: EXIT.invalidInput,
  env_invalid: EXIT.invalidInput,
  file_unreadable: EXIT.invalidInput,
  state_invalid: EXIT.invalidInput,
  templates_unreadable: EXIT.invalidInput,
  template_invalid: EXIT.invalidInput,
  // not found
  build_not_found: EXIT.notFound,
  file_not_found: EXIT.notFound,
  image_not_found: EXIT.notFound,
  instance_not_found: EXIT.notFound,
  instance_terminated: EXIT.notFound,
  no_registry: EXIT.notFound,
  registry_not_found: EXIT.notFound,
  save_not_found: EXIT.notFound,
  template_not_found: EXIT.notFound,
  // resolution
  no_ami: EXIT.noAmi,
  ami_revoked: EXIT.revoked,
  // a registry that could not be used (RegistryError kinds: registry_<kind>)
  registry_error: EXIT.registry,
  registry_http: EXIT.registry,
  registry_network: EXIT.registry,
  registry_timeout: EXIT.registry,
  registry_invalid_response: EXIT.registry,
  registry_rate_limited: EXIT.registry,
  aws_proof_unsupported: EXIT.registry,
  no_token: EXIT.registry,
  scan_timeout: EXIT.registry,
  // credentials and ownership
  aws_proof_refused: EXIT.auth,
  not_owner: EXIT.auth,
  // AWS
  aws_error: EXIT.aws,
  build_failed: EXIT.aws,
  image_failed: EXIT.aws,
  instance_profile: EXIT.aws,
  proof_unsigned: EXIT.aws,
  save_failed: EXIT.aws,
  ssm_agent_offline: EXIT.aws,
  timeout: EXIT.aws,
  unexpected_state: EXIT.aws,
  ec2_partial: EXIT.aws,
  // checks on the image
  hygiene_findings: EXIT.checks,
  hygiene_incomplete: EXIT.checks,
  setup_failed: EXIT.checks,
  tests_failed: EXIT.checks,
  // stopped by the user
  aborted: EXIT.interrupted,
  interrupted: EXIT.interrupted,
} as const satisfies Record<string, ExitCode>;

/** Every error code cws reports (`error.code` under --json) and its exit: the one place an exit is chosen. */
export const ERROR_EXIT = { ...REGISTRY_CODE_EXIT, ...CLI_CODE_EXIT } as const satisfies Record<string, ExitCode>;
export type CwsErrorCode = keyof typeof ERROR_EXIT;

export interface CwsErrorOptions {
  /** Stable machine-readable code, e.g. `template_invalid`, `no_ami`; the exit code follows from it (ERROR_EXIT). */
  code: CwsErrorCode;
  /** What to do next, one suggestion per entry. */
  suggestions?: string[];
  /** Structured detail for `--json` (e.g. the fallback chain, the template issues). */
  data?: Record<string, unknown>;
  cause?: unknown;
}

/** The error type lib code throws; the base command turns it into a message and an exit code. */
export class CwsError extends Error {
  override readonly name = 'CwsError';
  readonly code: CwsErrorCode;
  readonly exit: ExitCode;
  readonly suggestions: string[];
  readonly data: Record<string, unknown> | undefined;

  constructor(message: string, opts: CwsErrorOptions) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = opts.code;
    this.exit = ERROR_EXIT[opts.code];
    this.suggestions = opts.suggestions ?? [];
    this.data = opts.data;
  }
}

/**
 * The code of a failure that wraps `cause` (a save or build that failed part-way): the cause's own code when it
 * is a CwsError that means something else (interrupted, not allowed ...), else `fallback`.
 */
export function wrappedCode(cause: unknown, fallback: CwsErrorCode): CwsErrorCode {
  return cause instanceof CwsError && cause.exit !== ERROR_EXIT[fallback] ? cause.code : fallback;
}
