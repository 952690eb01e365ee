import type { ErrorCode } from '@cws/shared';

/** Domain errors: services throw these; http/error-handler.ts maps them to statuses. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Array<{ path: string; message: string }>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
export class ValidationError extends DomainError {
  constructor(message: string, details?: Array<{ path: string; message: string }>) {
    super('validation_failed', message, details);
  }
}
export class NotFoundError extends DomainError {
  constructor(
    message: string,
    code: 'not_found' | 'no_match' = 'not_found',
    details?: Array<{ path: string; message: string }>,
  ) {
    super(code, message, details);
  }
}
export class ConflictError extends DomainError {
  constructor(message: string) {
    super('conflict', message);
  }
}
export class AuthRequiredError extends DomainError {
  constructor(
    message = 'this needs a token: send Authorization: Bearer <token> (make one on the account page /account/tokens, then cws login)',
  ) {
    super('unauthorized', message);
  }
}
export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super('forbidden', message);
  }
}
export class UpstreamError extends DomainError {
  constructor(message: string) {
    super('upstream_failed', message);
  }
}
export class UnavailableError extends DomainError {
  constructor(message: string) {
    super('unavailable', message);
  }
}
/** A caller spent its request budget; the answer carries Retry-After. */
export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', message);
  }
}
