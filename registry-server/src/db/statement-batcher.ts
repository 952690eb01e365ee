/**
 * Which databases send their prepared statements through a batcher (db/pg-batch.ts PgBatcher, on a
 * PostgreSQL server): database.ts registers it, prepared.ts's executePrepared asks. A module of its
 * own, importing neither, so the two do not import each other.
 */

/** A statement's SQL (with $1.. parameters) and the name it is prepared under. */
export interface PreparedStatement {
  readonly name: string;
  readonly sql: string;
}

/** Sends prepared statements for a database. */
export interface StatementBatcher {
  execute<R>(statement: PreparedStatement, execute: string): Promise<R[]>;
}

/** Keyed by the database's Kysely instance (a transaction or a pinned connection is another object: not batched). */
const batchers = new WeakMap<object, StatementBatcher>();

/** Statements on this database (not on a transaction or a pinned connection of it) go through the batcher. */
export function batchStatements(db: object, batcher: StatementBatcher): void {
  batchers.set(db, batcher);
}

export function batcherOf(db: object): StatementBatcher | undefined {
  return batchers.get(db);
}
