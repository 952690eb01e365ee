import type { SeverityCounts } from '@cws/shared';
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Db } from '../database.js';
import { executePrepared, type PreparedStatement, preparedStatement } from '../prepared.js';
import { LATEST_SCAN_COLUMNS, latestScan } from './scans.js';
import { type RevokedAncestor, revokedAncestors } from './trust.js';
import { type AccessScope, ANONYMOUS, openSql, privateSql, visibleSql } from './visibility.js';

export interface ResolvePolicy {
  template: string;
  region: string;
  architecture: 'x86_64' | 'arm64';
  minRating?: number;
  verifiedOnly?: boolean;
  /**
   * Block mode: the highest severity rank allowed (0 informational .. 4 critical). Findings accepted
   * by a live vulnerability exception do not count; images without a complete scan fail unless
   * `allowUnscanned`. (Warn mode filters nothing: the service judges the chosen image.)
   */
  maxSeverityRank?: number;
  allowUnscanned?: boolean;
  channel?: string;
}

/** Severity columns above a rank: rank 2 (medium) allows nothing in high or critical. */
const SEVERITY_COLUMNS = ['informational', 'low', 'medium', 'high', 'critical'] as const;

/**
 * Does a complete scan pass a severity rank? Every finding above it is accepted by a live exception
 * of the listing or of the registry. The counts decide first (nothing above: no finding is read);
 * otherwise the accepted findings above the rank must be all of them (so a scan whose finding rows
 * are missing never passes on its counts).
 */
export function scanPassesSql(
  scanId: RawBuilder<unknown>,
  imageId: RawBuilder<unknown>,
  counts: (column: (typeof SEVERITY_COLUMNS)[number]) => RawBuilder<unknown>,
  maxRank: number,
): RawBuilder<SqlBool> {
  const columns = SEVERITY_COLUMNS.slice(maxRank + 1);
  if (columns.length === 0) return sql<SqlBool>`true`;
  const above = sql.join(
    columns.map((c) => counts(c)),
    sql` + `,
  );
  return sql<SqlBool>`(${above} = 0 OR ${above} = (SELECT count(*) FROM scan_findings f
    WHERE f.scan_id = ${scanId} AND f.severity_rank > ${maxRank} AND ${acceptedSql(sql`f.vulnerability_id`, imageId)}))`;
}

/** A live exception (listing's own or registry-wide, not revoked, not expired) accepts this vulnerability id. */
export function acceptedSql(vulnerabilityId: RawBuilder<unknown>, imageId: RawBuilder<unknown>): RawBuilder<SqlBool> {
  return sql<SqlBool>`EXISTS (SELECT 1 FROM vulnerability_exceptions e WHERE e.vulnerability_id = ${vulnerabilityId}
    AND (e.image_id = ${imageId} OR e.image_id IS NULL) AND e.revoked_at IS NULL AND e.expires_at > now())`;
}

/** The four ranking classes, best first: active before deprecated, verified before not. */
const CLASSES = [
  { status: 'active', verified: true },
  { status: 'active', verified: false },
  { status: 'deprecated', verified: true },
  { status: 'deprecated', verified: false },
] as const;
/** One class, or 'any': the four in one walk, best class first. */
type ProbeClass = (typeof CLASSES)[number] | 'any';

/**
 * The best region row under a policy, as an index walk: walk the usable region images of the
 * template, region and architecture class by class, best class first, in rank order
 * (`resolve_slots_probe_idx`: class, rating, number of ratings, downloads, newest version) and
 * take the first one the viewer sees that passes the policy; the newest matching version of a
 * listing stands for it, and among listings that tie on the rank the newest version wins. Same
 * answer as `resolveCandidates(db, p, 1, true)[0]`, without joining and sorting every listing of
 * the template.
 *
 * One statement. Without min_rating or verified_only the four classes are one walk of the index
 * (its class columns descend); with them, each class is a probe of its own range and the probes
 * are the arguments of a COALESCE of uncorrelated subqueries, which PostgreSQL evaluates lazily (a
 * class is probed only when the better ones found nothing). The chosen row comes with its latest
 * scan, its nearest revoked ancestor and (`accepted`) the findings of that scan accepted by
 * exceptions, and with `parent_ami` (set on an image built on another: its nearest revoked
 * ancestor is then looked up by a second statement), so a resolve of an image not built on
 * another is one round trip to the database.
 */
export async function resolveHit(
  db: Db,
  p: ResolvePolicy,
  scope: AccessScope = ANONYMOUS,
  opts: { accepted?: boolean } = {},
): Promise<ResolveHit | undefined> {
  const { statement, parameters } = hitStatement(db, p, scope, opts.accepted === true);
  const [found] = await executePrepared<HitColumns>(db, statement, parameters);
  if (!found) return undefined;
  const { parent_ami, ...rest } = found;
  const accepted: SeverityCounts | null = opts.accepted
    ? {
        critical: Number(rest.accepted_critical ?? 0),
        high: Number(rest.accepted_high ?? 0),
        medium: Number(rest.accepted_medium ?? 0),
        low: Number(rest.accepted_low ?? 0),
        informational: Number(rest.accepted_informational ?? 0),
      }
    : null;
  for (const alias of ACCEPTED_ALIASES) delete rest[alias];
  // Only an image built on another (parent_ami set) has a lineage to walk: a second statement
  // for those, rather than the walk's plan in every resolve's statement.
  const ancestor: RevokedAncestor | null =
    parent_ami == null ? null : ((await revokedAncestors(db, [rest.version_id])).get(rest.version_id) ?? null);
  return { row: rest as ResolveRow, ancestor, accepted };
}

/** The fast path's statement for a policy (exported for `bench/explain.js`; `resolveHit` runs it prepared). */
export function hitQuery(db: Db, p: ResolvePolicy, scope: AccessScope, accepted: boolean) {
  // The viewer's private listings (few) in a probe of their own, so the main probe's condition
  // stays simple enough to walk the rank index; within a class the better of the two hits wins.
  const priv = privateSql(scope);
  const best = (cls: ProbeClass) => {
    const open = sql`(${resolveProbe(db, p, cls, openSql(scope, true))})`;
    const probes = priv ? sql`${open} UNION ALL (${resolveProbe(db, p, cls, priv, true)})` : open;
    const classOrder = cls === 'any' ? sql`h.active DESC, h.verified DESC, ` : sql``;
    return sql`(SELECT h.region_id FROM (${probes}) h
      ORDER BY ${classOrder}h.rating_avg DESC, h.rating_count DESC, h.download_count DESC, h.version_id DESC LIMIT 1)`;
  };
  // One walk over the four classes in order where a class's rows that fail the policy are walked
  // through either way; min_rating bounds each class's range (rating_avg follows the class in the
  // index), and verified_only skips two classes, so those probe class by class.
  const byClass = p.minRating !== undefined || p.verifiedOnly === true;
  const classes = byClass ? CLASSES.filter((cls) => !p.verifiedOnly || cls.verified).map(best) : [best('any')];
  const q = candidateRows(db)
    .select('v.parent_ami')
    .where('r.id', '=', sql<number>`COALESCE(${sql.join(classes)})`);
  return accepted
    ? q
        .leftJoinLateral(acceptedCountsSql.as('acc'), (join) => join.onTrue())
        .select(ACCEPTED_ALIASES.map((a) => `acc.${a}` as const))
    : q;
}
type HitColumns = Awaited<ReturnType<ReturnType<typeof hitQuery>['executeTakeFirstOrThrow']>> &
  Partial<Record<(typeof ACCEPTED_ALIASES)[number], number>>;

/**
 * Compiled statements by shape (which policy options are set, the viewer's scope): building the
 * statement with Kysely costs more CPU than the database takes to run it, so each shape is built
 * once, with slots for the policy's values, and prepared under its own name.
 */
const statements = new Map<string, { statement: PreparedStatement; parameters: readonly unknown[] }>();
const MAX_SHAPES = 500;
const SLOT = '\u0001';
type SlotName = 'template' | 'region' | 'architecture' | 'minRating' | 'channel';

function hitStatement(db: Db, p: ResolvePolicy, scope: AccessScope, accepted: boolean) {
  const key = JSON.stringify([
    scope.key,
    p.verifiedOnly === true,
    p.minRating !== undefined,
    p.channel !== undefined,
    p.maxSeverityRank ?? null,
    p.allowUnscanned === true,
    accepted,
  ]);
  let shape = statements.get(key);
  if (!shape) {
    const slot = <T>(name: SlotName) => `${SLOT}${name}` as T;
    const slotted: ResolvePolicy = {
      ...p,
      template: slot('template'),
      region: slot('region'),
      architecture: slot('architecture'),
      minRating: p.minRating === undefined ? undefined : slot<number>('minRating'),
      channel: p.channel === undefined ? undefined : slot('channel'),
    };
    const compiled = hitQuery(db, slotted, scope, accepted).compile();
    shape = { statement: preparedStatement(compiled.sql), parameters: compiled.parameters };
    if (statements.size >= MAX_SHAPES) statements.delete(statements.keys().next().value!);
    statements.set(key, shape);
  }
  const values: Record<SlotName, unknown> = {
    template: p.template,
    region: p.region,
    architecture: p.architecture,
    minRating: p.minRating,
    channel: p.channel,
  };
  const parameters = shape.parameters.map((v) =>
    typeof v === 'string' && v.startsWith(SLOT) ? values[v.slice(SLOT.length) as SlotName] : v,
  );
  return { statement: shape.statement, parameters };
}

/** The fast path's answer: the row, its nearest revoked ancestor, and the accepted findings of its latest scan. */
export interface ResolveHit {
  row: ResolveRow;
  ancestor: RevokedAncestor | null;
  /** Findings of the row's latest scan accepted by a live exception, by severity (when asked for). */
  accepted: SeverityCounts | null;
}

/** The best region row under a policy (`resolveHit` without what comes along). */
export async function resolveBest(
  db: Db,
  p: ResolvePolicy,
  scope: AccessScope = ANONYMOUS,
): Promise<ResolveRow | undefined> {
  return (await resolveHit(db, p, scope))?.row;
}

const ACCEPTED_ALIASES = [
  'accepted_critical',
  'accepted_high',
  'accepted_medium',
  'accepted_low',
  'accepted_informational',
] as const;
/**
 * Per severity, the findings of the row's latest scan (`s`) that a live exception accepts (as
 * `acceptedFindingCounts`): one pass over the scan's findings, not one subquery per severity (each
 * subquery is a plan PostgreSQL sets up on every execution).
 */
const acceptedCountsSql = sql<Record<(typeof ACCEPTED_ALIASES)[number], number>>`(SELECT ${sql.join(
  ACCEPTED_ALIASES.map(
    (alias) =>
      sql`(count(*) FILTER (WHERE f.severity = ${sql.lit(alias.slice('accepted_'.length))}))::int AS ${sql.ref(alias)}`,
  ),
)} FROM scan_findings f WHERE f.scan_id = s.scan_id AND ${acceptedSql(sql`f.vulnerability_id`, sql`v.image_id`)})`;

/**
 * The probe of one class, or of all four ('any', best class first) (exported for `bench/explain.js`):
 * one range of `resolve_slots_probe_idx` (template, region, architecture, private or not, and the
 * class when one is given), walked in (class and) rank order to the first row
 * the viewer sees that passes the policy. The table holds only usable region images, and a
 * listing's rank on each of its rows, so the first row is the best listing's newest usable
 * version, as the straightforward query orders them.
 */
export function resolveProbe(
  db: Db,
  p: ResolvePolicy,
  cls: ProbeClass = CLASSES[0],
  visible: RawBuilder<SqlBool> = openSql(ANONYMOUS, true),
  privateListings = false,
) {
  let q = db
    .selectFrom('resolve_slots as rs')
    .innerJoin('images as i', 'i.id', 'rs.image_id')
    .select([
      'rs.region_id',
      'rs.version_id',
      'rs.active',
      'rs.verified',
      'rs.rating_avg',
      'rs.rating_count',
      'rs.download_count',
    ])
    .where('rs.template', '=', p.template)
    .where('rs.region', '=', p.region)
    .where('rs.architecture', '=', p.architecture)
    // The range's booleans as literals, not parameters: the generic plan then estimates the range
    // from their statistics (and a custom plan is not chosen for want of them).
    .where(sql<SqlBool>`rs.private = ${sql.lit(privateListings)}`)
    .where(visible);
  if (cls !== 'any') {
    q = q
      .where(sql<SqlBool>`rs.active = ${sql.lit(cls.status === 'active')}`)
      .where(sql<SqlBool>`rs.verified = ${sql.lit(cls.verified)}`);
  }
  if (p.minRating !== undefined) q = q.where('rs.rating_avg', '>=', p.minRating);
  if (p.channel) {
    // The row's own copy of the channels that point at its version (migration 2026120375).
    q = q.where(sql<SqlBool>`coalesce(${p.channel} = ANY (rs.channels), false)`);
  }
  if (p.maxSeverityRank !== undefined) {
    // The row's latest complete scan (its id and highest severity are copied onto the row,
    // migration 2026120375) has nothing above the rank, or all it has above is accepted (only
    // then is the scan read); or there is no complete scan and unscanned images are allowed.
    const allow = sql.lit(p.allowUnscanned === true);
    const passes = scanPassesSql(sql`s.id`, sql`rs.image_id`, (col) => sql`s.${sql.ref(col)}`, p.maxSeverityRank);
    q = q.where(
      sql<SqlBool>`CASE WHEN rs.scan_id IS NULL THEN ${allow} WHEN rs.scan_top <= ${sql.lit(p.maxSeverityRank)} THEN true
        ELSE coalesce((SELECT ${passes} FROM scans s WHERE s.id = rs.scan_id), false) END`,
    );
  }
  // 'any': the classes in order, best first, as the index keeps them (active, verified descending).
  if (cls === 'any') q = q.orderBy('rs.active', 'desc').orderBy('rs.verified', 'desc');
  return q
    .orderBy('rs.rating_avg', 'desc')
    .orderBy('rs.rating_count', 'desc')
    .orderBy('rs.download_count', 'desc')
    .orderBy('rs.version_id', 'desc')
    .limit(1);
}

function candidateRows(db: Db) {
  return db
    .selectFrom('image_regions as r')
    .innerJoin('image_versions as v', 'v.id', 'r.version_id')
    .innerJoin('images as i', 'i.id', 'v.image_id')
    .innerJoin('image_stats as st', 'st.image_id', 'i.id')
    .innerJoin('users as u', 'u.id', 'i.owner_id')
    .leftJoinLateral(latestScan, (join) => join.onTrue())
    .select([
      'i.id as image_id',
      'i.name',
      'u.handle as owner',
      'st.rating_avg',
      'st.rating_count',
      'st.download_count',
      'st.launch_count',
      'i.verified',
      'v.id as version_id',
      'v.version',
      'v.status',
      'r.ami_id',
      'r.verification_status',
      'r.verification_reason',
      'r.last_verified_at',
    ])
    .select(LATEST_SCAN_COLUMNS);
}

/**
 * Every region row for a template/region/architecture under a policy, best first (the
 * straightforward query: the reference for `resolveBest`, and what explains a miss):
 * active before deprecated, verified first, then rating, number of ratings, downloads,
 * newest version. Revoked versions and unavailable images never match.
 */
export function resolveCandidates(
  db: Db,
  p: ResolvePolicy,
  limit: number,
  applyPolicy: boolean,
  scope: AccessScope = ANONYMOUS,
) {
  return resolveCandidatesQuery(db, p, limit, applyPolicy, scope).execute();
}

export function resolveCandidatesQuery(
  db: Db,
  p: ResolvePolicy,
  limit: number,
  applyPolicy: boolean,
  scope: AccessScope = ANONYMOUS,
) {
  let q = candidateRows(db)
    .where('i.template', '=', p.template)
    .where(visibleSql(scope, true))
    .where('r.region', '=', p.region)
    .where('r.architecture', '=', p.architecture)
    .where('r.state', '=', 'available')
    .where('v.status', '<>', 'revoked');
  if (p.channel) {
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('channels as c')
          .select(sql`1`.as('one'))
          .whereRef('c.image_id', '=', 'i.id')
          .whereRef('c.version_id', '=', 'v.id')
          .where('c.name', '=', p.channel!),
      ),
    );
  }
  if (applyPolicy) {
    if (p.minRating !== undefined) q = q.where('st.rating_avg', '>=', p.minRating);
    if (p.verifiedOnly) q = q.where('r.verification_status', '=', 'verified');
    if (p.maxSeverityRank !== undefined) {
      const passes = scanPassesSql(sql`s.scan_id`, sql`i.id`, (col) => sql`s.${sql.ref(col)}`, p.maxSeverityRank);
      q = q.where(
        sql<SqlBool>`CASE WHEN s.scan_status = 'complete' THEN ${passes} ELSE ${sql.lit(p.allowUnscanned === true)} END`,
      );
    }
  }
  return q
    .orderBy(sql`(v.status = 'active')`, 'desc')
    .orderBy(sql`(r.verification_status = 'verified')`, 'desc')
    .orderBy('st.rating_avg', 'desc')
    .orderBy('st.rating_count', 'desc')
    .orderBy('st.download_count', 'desc')
    .orderBy('v.id', 'desc')
    .limit(limit);
}
export type ResolveRow = Awaited<ReturnType<typeof resolveCandidates>>[number];

/**
 * Findings of these scans accepted by a live exception (of the scan's listing or the registry), by
 * scan and severity: they do not count against a policy (the rest of the scan's counts do).
 */
export function acceptedFindingCounts(db: Db, scanIds: number[]) {
  return db
    .selectFrom('scan_findings as f')
    .innerJoin('scans as s', 's.id', 'f.scan_id')
    .innerJoin('image_regions as r', 'r.id', 's.region_image_id')
    .innerJoin('image_versions as v', 'v.id', 'r.version_id')
    .select(['f.scan_id', 'f.severity', sql<number>`count(*)::int`.as('n')])
    .where('f.scan_id', 'in', scanIds.length ? scanIds : [-1])
    .where(acceptedSql(sql`f.vulnerability_id`, sql`v.image_id`))
    .groupBy(['f.scan_id', 'f.severity'])
    .execute();
}

/** Counts of why images were excluded, for a helpful "nothing matches" message. */
export async function resolveExclusions(db: Db, p: ResolvePolicy, scope: AccessScope = ANONYMOUS) {
  const row = await db
    .selectFrom('image_regions as r')
    .innerJoin('image_versions as v', 'v.id', 'r.version_id')
    .innerJoin('images as i', 'i.id', 'v.image_id')
    .select([
      sql<number>`count(*)::int`.as('total'),
      sql<number>`count(*) FILTER (WHERE v.status = 'revoked')::int`.as('revoked'),
      sql<number>`count(*) FILTER (WHERE r.state <> 'available')::int`.as('unavailable'),
    ])
    .where('i.template', '=', p.template)
    .where(visibleSql(scope, true))
    .where('r.region', '=', p.region)
    .where('r.architecture', '=', p.architecture)
    .executeTakeFirstOrThrow();
  return row;
}
