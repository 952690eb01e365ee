import type { Kysely, Transaction } from 'kysely';

/** Long enough for a statement in another transaction to reach its lock wait. */
export const pause = () => new Promise((resolve) => setTimeout(resolve, 400));

/** One race: a write in a transaction, then a write outside it that starts before it commits. */
export type Race<DB> = [label: string, first: (t: Transaction<DB>) => Promise<unknown>, second: () => Promise<unknown>];

/**
 * Runs each race in turn: `first` in a transaction, then `second` started while that transaction
 * is still open (it reaches whatever lock it waits on during the pause), the transaction commits,
 * `second` finishes; then `check(label)`.
 */
export async function runRaces<DB>(db: Kysely<DB>, races: Array<Race<DB>>, check: (label: string) => Promise<void>) {
  for (const [label, first, second] of races) {
    let other: Promise<unknown> | undefined;
    await db.transaction().execute(async (t) => {
      await first(t);
      other = second();
      await pause();
    });
    await other;
    await check(label);
  }
}
