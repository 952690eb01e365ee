import { sql } from 'kysely';
import type { Db } from '../database.js';

/** Records a launch once per identity, version and day; bumps the counts when it is new; `marked`: a rating got "launched it". */
export async function recordLaunch(
  db: Db,
  l: {
    image_id: number;
    version_id: number;
    user_id: number | null;
    identity: string;
    aws_account: string | null;
    ami_id: string;
    region: string;
  },
): Promise<{ counted: boolean; launchCount: number; marked: boolean }> {
  const inserted = await db
    .insertInto('launches')
    .values(l)
    .onConflict((oc) => oc.columns(['version_id', 'identity', 'day']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) {
    await db
      .updateTable('image_versions')
      .set({ launch_count: sql`launch_count + 1` })
      .where('id', '=', l.version_id)
      .execute();
  }
  // A launch from a proven account marks the rating, also when this identity's launch today was
  // already counted from an account not proven then (the count stays; the account is recorded).
  let marked = false;
  if (l.user_id !== null && l.aws_account !== null) {
    let proven = Boolean(inserted);
    if (!proven) {
      const upgraded = await db
        .updateTable('launches')
        .set({ aws_account: l.aws_account })
        .where('version_id', '=', l.version_id)
        .where('identity', '=', l.identity)
        .where('aws_account', 'is', null)
        .executeTakeFirst();
      proven = Number(upgraded.numUpdatedRows) > 0;
    }
    if (proven) {
      const rated = await db
        .updateTable('ratings')
        .set({ launched: true })
        .where('image_id', '=', l.image_id)
        .where('user_id', '=', l.user_id)
        .where('launched', '=', false)
        .executeTakeFirst();
      marked = Number(rated.numUpdatedRows) > 0;
    }
  }
  const row = await db
    .updateTable('image_stats')
    .set({ launch_count: inserted ? sql`launch_count + 1` : sql`launch_count` })
    .where('image_id', '=', l.image_id)
    .returning('launch_count')
    .executeTakeFirstOrThrow();
  return { counted: Boolean(inserted), launchCount: Number(row.launch_count), marked };
}

/** Whether this user launched the listing's image from an AWS account they proved. */
export async function launchedFromProvenAccount(db: Db, imageId: number, userId: number): Promise<boolean> {
  const row = await db
    .selectFrom('launches')
    .select('id')
    .where('image_id', '=', imageId)
    .where('user_id', '=', userId)
    .where('aws_account', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Counts a download for an identity once per listing per day: returns the listings whose count
 * goes up (the identity was not seen today).
 */
export async function firstDownloadsToday(
  db: Db,
  entries: Array<{ image_id: number; identity: string }>,
  day: string,
): Promise<Array<{ image_id: number; identity: string }>> {
  if (entries.length === 0) return [];
  return db
    .insertInto('download_identities')
    .values(entries.map((e) => ({ ...e, day })))
    .onConflict((oc) => oc.columns(['image_id', 'day', 'identity']).doNothing())
    .returning(['image_id', 'identity'])
    .execute();
}

export function pruneDownloadIdentities(db: Db, before: string) {
  return db.deleteFrom('download_identities').where('day', '<', before).execute();
}
