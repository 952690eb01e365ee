import * as z from 'zod';

/** Machine-readable error codes; the HTTP status each one is sent with. */
export const ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 400,
  // Device authorisation while polling for a token (RFC 8628 section 3.5).
  authorization_pending: 400,
  slow_down: 400,
  expired_token: 400,
  access_denied: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  no_match: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  upstream_failed: 502,
  unavailable: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;
export const errorCode = z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]);

export const errorBody = z.object({
  error: z.object({
    code: errorCode,
    message: z.string(),
    /** Per-field problems for validation_failed: path -> message. */
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBody>;
