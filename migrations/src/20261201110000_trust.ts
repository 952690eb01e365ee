import { type Kysely, sql } from 'kysely';

// Trust: one listing version per EC2 image id, lineage, launches, and download counts that
// count distinct identities per listing per day.
const UP = [
  // Older registries could hold one AMI id in several region rows. The oldest claim keeps it;
  // later ones are written to the audit log (what they were, so an operator can follow up) and
  // removed, so the unique index can be built.
  `INSERT INTO audit_log (actor_id, action, image_id, target, details)
    SELECT NULL, 'ami.claim_removed', v.image_id, r.ami_id,
      jsonb_build_object('reason', 'another listing version held this AMI first', 'version_id', r.version_id,
        'region', r.region, 'architecture', r.architecture, 'kept_region_row', first.id)
    FROM image_regions r
    JOIN image_versions v ON v.id = r.version_id
    JOIN LATERAL (SELECT min(o.id) AS id FROM image_regions o WHERE o.ami_id = r.ami_id) first ON true
    WHERE r.id <> first.id`,
  `DELETE FROM image_regions r USING image_regions o WHERE o.ami_id = r.ami_id AND o.id < r.id`,
  `CREATE UNIQUE INDEX image_regions_ami_unique ON image_regions (ami_id)`,
  `DROP INDEX IF EXISTS image_regions_ami_idx`,
  // Lineage: the AMI an image was saved from (parent_ami, already there) and the listing the
  // saver says it came from. Children are found by parent_ami, across listings.
  `ALTER TABLE image_versions ADD COLUMN parent_listing text`,
  `ALTER TABLE image_versions ADD COLUMN launch_count bigint NOT NULL DEFAULT 0`,
  `CREATE INDEX image_versions_parent_ami_idx ON image_versions (parent_ami) WHERE parent_ami IS NOT NULL`,
  `ALTER TABLE images ADD COLUMN launch_count bigint NOT NULL DEFAULT 0`,
  // A download is counted once per identity (token's user, else a hash of the address) per
  // listing per day; rows older than a few days are pruned.
  `CREATE TABLE download_identities (
    image_id bigint NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    day date NOT NULL,
    identity text NOT NULL,
    PRIMARY KEY (image_id, day, identity)
  )`,
  `CREATE INDEX download_identities_day_idx ON download_identities (day)`,
  // Launches reported by cws launch: who, from which proven account (if any), which image.
  `CREATE TABLE launches (
    id bigserial PRIMARY KEY,
    image_id bigint NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    version_id bigint NOT NULL REFERENCES image_versions(id) ON DELETE CASCADE,
    user_id bigint REFERENCES users(id) ON DELETE SET NULL,
    identity text NOT NULL,
    aws_account text,
    ami_id text NOT NULL,
    region text NOT NULL,
    day date NOT NULL DEFAULT current_date,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (version_id, identity, day)
  )`,
  `CREATE INDEX launches_image_user_idx ON launches (image_id, user_id)`,
  `CREATE INDEX launches_account_idx ON launches (image_id, aws_account) WHERE aws_account IS NOT NULL`,
  // A rating from someone whose proven account launched the listing's image.
  `ALTER TABLE ratings ADD COLUMN launched boolean NOT NULL DEFAULT false`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    'ALTER TABLE ratings DROP COLUMN IF EXISTS launched',
    'DROP TABLE IF EXISTS launches',
    'DROP TABLE IF EXISTS download_identities',
    'ALTER TABLE images DROP COLUMN IF EXISTS launch_count',
    'DROP INDEX IF EXISTS image_versions_parent_ami_idx',
    'ALTER TABLE image_versions DROP COLUMN IF EXISTS launch_count',
    'ALTER TABLE image_versions DROP COLUMN IF EXISTS parent_listing',
    'DROP INDEX IF EXISTS image_regions_ami_unique',
    'CREATE INDEX IF NOT EXISTS image_regions_ami_idx ON image_regions (ami_id)',
  ]) {
    await sql.raw(statement).execute(db);
  }
}
