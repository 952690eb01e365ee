import { ValidationError } from '../errors.js';

/** Opaque page cursors: base64url JSON. Clients pass them back unchanged. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string, guard: (v: unknown) => v is T): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!guard(value))
    throw new ValidationError('cursor is not one this registry gave out', [
      { path: 'cursor', message: 'invalid cursor' },
    ]);
  return value;
}
