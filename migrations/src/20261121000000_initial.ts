import { type Kysely, sql } from 'kysely';

// One statement per execute: postgres.js sends parameterised (extended protocol) queries,
// which take a single statement each.
const UP = [
  `CREATE EXTENSION IF NOT EXISTS pg_trgm`,
  `CREATE TABLE users (
    id bigserial PRIMARY KEY,
    handle text NOT NULL UNIQUE,
    display_name text,
    role text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'maintainer', 'admin')),
    created_at timestamptz NOT NULL DEFAULT now(),
    disabled_at timestamptz
  )`,
  `CREATE TABLE api_tokens (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name text NOT NULL,
    token_hash text NOT NULL UNIQUE,
    prefix text NOT NULL,
    scopes text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    last_used_at timestamptz,
    revoked_at timestamptz
  )`,
  `CREATE INDEX api_tokens_user_idx ON api_tokens (user_id)`,
  `CREATE TABLE aws_accounts (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    account_id text NOT NULL UNIQUE CHECK (account_id ~ '^[0-9]{12}$'),
    arn text,
    proven_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE images (
    id bigserial PRIMARY KEY,
    owner_id bigint NOT NULL REFERENCES users(id),
    name text NOT NULL,
    template text NOT NULL,
    category text,
    description text NOT NULL DEFAULT '',
    visibility text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'unlisted', 'private')),
    tags text[] NOT NULL DEFAULT '{}',
    search_doc text NOT NULL DEFAULT '',
    search_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_doc)) STORED,
    verified boolean NOT NULL DEFAULT false,
    rating_sum bigint NOT NULL DEFAULT 0,
    rating_count bigint NOT NULL DEFAULT 0,
    rating_avg real NOT NULL DEFAULT 0,
    download_count bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (owner_id, name)
  )`,
  `CREATE INDEX images_template_idx ON images (template)`,
  `CREATE INDEX images_category_idx ON images (category)`,
  `CREATE INDEX images_rating_idx ON images (rating_avg DESC, id DESC)`,
  `CREATE INDEX images_downloads_idx ON images (download_count DESC, id DESC)`,
  `CREATE INDEX images_recent_idx ON images (updated_at DESC, id DESC)`,
  `CREATE INDEX images_fts_idx ON images USING gin (search_tsv)`,
  `CREATE INDEX images_trgm_idx ON images USING gin (search_doc gin_trgm_ops)`,
  // Vocabulary of every word in every listing's search_doc: typo tolerance looks a query's
  // unknown words up here (small table, trigram index) before the full-text query runs.
  `CREATE TABLE search_words (word text PRIMARY KEY)`,
  `CREATE INDEX search_words_trgm_idx ON search_words USING gin (word gin_trgm_ops)`,
  `CREATE TABLE image_versions (
    id bigserial PRIMARY KEY,
    image_id bigint NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    version text NOT NULL,
    changelog text,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deprecated', 'revoked')),
    status_reason text,
    source_template text,
    parent_ami text,
    created_by bigint NOT NULL REFERENCES users(id),
    download_count bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    status_changed_at timestamptz,
    UNIQUE (image_id, version)
  )`,
  `CREATE TABLE image_regions (
    id bigserial PRIMARY KEY,
    version_id bigint NOT NULL REFERENCES image_versions(id) ON DELETE CASCADE,
    region text NOT NULL,
    architecture text NOT NULL CHECK (architecture IN ('x86_64', 'arm64')),
    ami_id text NOT NULL,
    owner_account text,
    state text NOT NULL DEFAULT 'available' CHECK (state IN ('available', 'pending', 'unavailable')),
    verification_status text NOT NULL DEFAULT 'unverified' CHECK (verification_status IN ('unverified', 'verified', 'failed')),
    verification_reason text,
    last_verified_at timestamptz,
    UNIQUE (version_id, region, architecture)
  )`,
  `CREATE INDEX image_regions_ami_idx ON image_regions (ami_id)`,
  `CREATE INDEX image_regions_lookup_idx ON image_regions (region, architecture)`,
  `CREATE TABLE ratings (
    id bigserial PRIMARY KEY,
    image_id bigint NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    stars smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
    review text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (image_id, user_id)
  )`,
  `CREATE INDEX ratings_recent_idx ON ratings (image_id, updated_at DESC, id DESC)`,
  `CREATE TABLE scans (
    id bigserial PRIMARY KEY,
    region_image_id bigint NOT NULL REFERENCES image_regions(id) ON DELETE CASCADE,
    scanner text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'complete', 'failed')),
    critical integer NOT NULL DEFAULT 0,
    high integer NOT NULL DEFAULT 0,
    medium integer NOT NULL DEFAULT 0,
    low integer NOT NULL DEFAULT 0,
    informational integer NOT NULL DEFAULT 0,
    top_findings jsonb NOT NULL DEFAULT '[]',
    scanned_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX scans_latest_idx ON scans (region_image_id, scanned_at DESC, id DESC)`,
  `CREATE TABLE verifications (
    id bigserial PRIMARY KEY,
    region_image_id bigint NOT NULL REFERENCES image_regions(id) ON DELETE CASCADE,
    status text NOT NULL CHECK (status IN ('verified', 'failed')),
    reason text,
    details jsonb NOT NULL DEFAULT '{}',
    checked_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX verifications_latest_idx ON verifications (region_image_id, checked_at DESC)`,
  `CREATE TABLE channels (
    image_id bigint NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    name text NOT NULL,
    version_id bigint NOT NULL REFERENCES image_versions(id) ON DELETE CASCADE,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (image_id, name)
  )`,
  `CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    actor_id bigint REFERENCES users(id),
    action text NOT NULL,
    image_id bigint REFERENCES images(id) ON DELETE SET NULL,
    target text,
    details jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX audit_log_image_idx ON audit_log (image_id, created_at DESC)`,
];

const DOWN = [
  'audit_log',
  'channels',
  'verifications',
  'scans',
  'ratings',
  'image_regions',
  'image_versions',
  'search_words',
  'images',
  'aws_accounts',
  'api_tokens',
  'users',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of DOWN) await sql.raw(`DROP TABLE IF EXISTS ${table}`).execute(db);
}
