import type { Db } from '../database.js';

/**
 * The template YAML of a listing: of the version asked for, else of the newest version that carries one and is
 * not revoked.
 */
export function findVersionTemplate(db: Db, imageId: number, version?: string) {
  let query = db
    .selectFrom('image_versions')
    .select(['version', 'status', 'template_yaml'])
    .where('image_id', '=', imageId)
    .where('template_yaml', 'is not', null);
  query = version === undefined ? query.where('status', '!=', 'revoked') : query.where('version', '=', version);
  return query.orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/** Gives a version a template it was published without (the demo catalogue, imports). */
export function setVersionTemplate(db: Db, versionId: number, yaml: string) {
  return db.updateTable('image_versions').set({ template_yaml: yaml }).where('id', '=', versionId).execute();
}
