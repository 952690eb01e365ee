import type { RequestHandler } from 'express';
import { ValidationError } from '../../errors.js';
import { findNul } from '../../services/input-limits.js';

/**
 * NUL characters: PostgreSQL cannot store them in text, and nothing in the registry means one.
 * Refused up front (400) in the path, the query and (after parsing) the body, naming where.
 */
export function rejectNul(where: 'url' | 'body'): RequestHandler {
  return (req, _res, next) => {
    let at: string | null = null;
    if (where === 'url') {
      // Path and query reach us percent-encoded: a NUL in either is a raw NUL or "%00" in the
      // URL (no other escape decodes to one), so a URL with neither needs no decoding at all.
      const url = req.originalUrl ?? req.url;
      if (!url.includes('%00') && !url.includes('\u0000')) return next();
      let path = req.path;
      try {
        path = decodeURIComponent(req.path);
      } catch {
        // Bad percent-encoding is the error handler's to explain.
      }
      at = path.includes('\u0000') ? 'path' : findNul(req.query, 'query');
    } else {
      at = findNul(req.body, 'body');
    }
    if (at) throw new ValidationError(`${at}: NUL characters are not allowed`, [{ path: at, message: 'contains NUL' }]);
    next();
  };
}
