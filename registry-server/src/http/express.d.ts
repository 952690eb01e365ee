import type { Principal } from '../auth/tokens.js';

declare global {
  namespace Express {
    interface Request {
      /** Set by the auth middleware: the token's user, or null for anonymous requests. */
      principal?: Principal | null;
    }
  }
}
