import * as z from 'zod';

/**
 * Device authorisation (the shape of RFC 8628): the CLI asks for a device code and a user
 * code, the person approves the user code in a signed-in browser, the CLI polls for its token.
 */
export const deviceCodeBody = z.strictObject({
  client_name: z
    .string()
    .trim()
    .min(1)
    .max(80)
    .regex(/^[\p{L}\p{N} ._@()/:-]+$/u, 'letters, digits, spaces and . _ @ ( ) / : - only')
    .optional()
    .describe('what is asking, shown on the approval page ("cws on laptop")'),
});
export type DeviceCodeBody = z.infer<typeof deviceCodeBody>;

export const deviceCode = z.object({
  device_code: z.string().describe('secret of the device; send it to /device/token'),
  user_code: z.string().describe('what the person types on the approval page, e.g. BCDF-GHJK'),
  verification_uri: z.string(),
  verification_uri_complete: z.string().describe('the approval page with the user code filled in'),
  expires_in: z.number().int().describe('seconds the codes live'),
  interval: z.number().int().describe('seconds to wait between polls'),
});
export type DeviceCode = z.infer<typeof deviceCode>;

export const DEVICE_CODE_PATTERN = /^[A-Za-z0-9_-]{43}$/;
export const deviceTokenBody = z.strictObject({
  device_code: z.string().regex(DEVICE_CODE_PATTERN, 'not a device code from /device/code'),
});
export type DeviceTokenBody = z.infer<typeof deviceTokenBody>;

export const deviceToken = z.object({
  access_token: z.string().describe('an API token of the person who approved; shown once'),
  token_type: z.literal('bearer'),
  token_id: z.string(),
  expires_at: z.string().nullable(),
  scopes: z.array(z.string()),
  handle: z.string(),
});
export type DeviceToken = z.infer<typeof deviceToken>;
