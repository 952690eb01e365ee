import type { Migration } from 'kysely/migration';
import * as initial from './20261121000000_initial.js';

/**
 * Every migration, by name, in order. Listed by hand rather than read from the folder:
 * a file-system provider breaks once the server is bundled.
 * `pnpm --filter @cws/migrations new NAME` makes a new file; add it here.
 */
export const migrations: Record<string, Migration> = {
  '20261121000000_initial': initial,
};
