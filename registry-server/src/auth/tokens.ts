import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A new API token: "cws_" and 40 random base62 characters (~238 bits). */
export function generateToken(): string {
  const bytes = randomBytes(40);
  let out = 'cws_';
  // 256 % 62 bias is ~0.4% per character: immaterial for a 238-bit secret.
  for (const b of bytes) out += ALPHABET[b % 62];
  return out;
}

/** Tokens are stored as their SHA-256: a leaked database does not leak usable tokens. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function tokenPrefix(token: string): string {
  return token.slice(0, 10);
}

export interface Principal {
  userId: number;
  handle: string;
  role: 'user' | 'maintainer' | 'admin';
  scopes: string[];
  tokenId: number;
  /** The organisation (users row of kind 'org') the token is limited to; absent or null: none. */
  orgId?: number | null;
}
