import type { VersionVerification } from '@cws/shared';
import type { Logger } from 'pino';
import type { Principal } from '../auth/tokens.js';
import { AwsCallError, type Ec2Reader, type ImageFacts } from '../aws/ec2.js';
import type { Cache, CacheNamespace } from '../cache/cache.js';
import type { Database, Db } from '../db/database.js';
import { audit } from '../db/queries/audit.js';
import { provenAccounts } from '../db/queries/aws-accounts.js';
import * as q from '../db/queries/verifications.js';
import { ConflictError, DomainError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import type { JobQueue } from '../jobs/queue.js';
import { JobRetry } from '../jobs/runner.js';
import { AccessService } from './access.js';
import { canManage, requireScope } from './auth.js';
import { iso, NO_AWS_PREFIX, toVerification } from './present.js';
import { judgeImage, notFoundReason, notOwnedReason, type RegionOutcome, unreachableOutcome } from './verify-image.js';

export { NO_AWS_PREFIX };

const CHECKING = 'the registry is checking this image in EC2';
/** Re-checks of images still pending in EC2 (a copy in progress): the verify-region job retries this often. */
const PENDING_RETRY_MS = 30_000;
/** How long POST .../verify waits for its jobs before answering with what is known. */
const ON_DEMAND_WAIT_MS = 20_000;
export const VERIFY_REGION = 'verify-region';
export const VERIFY_PASS = 'verify-pass';
/**
 * What a verification outcome (region state and status, the listing's verified flag) can change:
 * resolve answers, search (the verified filter and flag), listing detail, AMI status. Token
 * lookups, community lists (no verification in them) and review pages are spared.
 */
const VERIFICATION_TOUCHES: CacheNamespace[] = ['resolve', 'search', 'listing', 'ami-status'];
/** How long a publish waits for EC2 before it is accepted unchecked (the background check decides then). */
const PRECHECK_TIMEOUT_MS = 5000;

/** The listing a version is published to: its owner's proven accounts count as the publisher's. */
export interface PublishTarget {
  ownerId: number;
  ownerHandle: string;
  /** Where the regions are in the request body, for error details: `version.regions` or `regions`. */
  path: string;
}

/** What publishing tells verification (ListingService calls these). */
export interface VersionHook {
  /** Why images cannot be verified here (no AWS access), or null: shown on every image never checked. */
  readonly noAwsReason: string | null;
  /**
   * Before anything is written: refuses the version when EC2 shows that an image belongs to an
   * account the publisher has not proved (403) or does not exist (400). Returns quietly when
   * the registry cannot tell (no AWS access, EC2 unreachable or slow).
   */
  precheckOwnership(
    principal: Principal,
    target: PublishTarget,
    regions: ReadonlyArray<{ region: string; ami_id: string }>,
  ): Promise<void>;
  /** Inside the publish transaction: hold the new regions back until EC2 has been asked. */
  created(trx: Db, versionId: number): Promise<void>;
  /** After commit: check the version in the background. */
  committed(versionId: number): void;
}

/**
 * Server-side verification of published AMIs with the registry's own AWS credentials. Every
 * check is a verify-region job (one per region image, de-duplicated) on the job runner: queued
 * after publish, on demand and by the scheduled pass. Results go to the verifications table and
 * the region rows; failed regions become unavailable, so resolve stops returning them.
 */
export class VerificationService implements VersionHook {
  /** null: verification works. A string: why it does not (shown on every unverified region). */
  #disabled: string | null = null;
  #account: string | null = null;
  #ready: Promise<void> = Promise.resolve();
  #started = false;
  #probed = false;
  #inflight = new Set<Promise<unknown>>();
  #followers: Array<(versionId: number) => Promise<unknown>> = [];
  #stopped = false;

  constructor(
    private readonly database: Database,
    private readonly cache: Cache,
    private readonly logger: Logger,
    private readonly reader: Ec2Reader | null,
    private readonly disabledReason: string | null,
    private readonly jobs: JobQueue,
  ) {}

  /** Finds out once, in the background, whether the registry can call AWS, and says so on unverified regions. */
  start(): Promise<void> {
    this.#started = true;
    this.#ready = this.#probe();
    // The database writes are tracked (shutdown waits for them); the probe itself is not.
    void this.#ready.then(() => {
      if (!this.#stopped) this.#track(this.#recordAvailability());
    });
    return this.#ready;
  }

  /** Asks AWS (no database): sets #disabled or #account. Never throws. */
  async #probe(): Promise<void> {
    if (this.disabledReason || !this.reader) {
      this.#disabled = `${NO_AWS_PREFIX} (${this.disabledReason ?? 'turned off'})`;
    } else {
      try {
        this.#account = await this.reader.probe();
        this.logger.info({ account: this.#account }, 'AMI verification on: the registry can call EC2');
      } catch (err) {
        this.#disabled = `${NO_AWS_PREFIX} (${(err as Error).message})`;
      }
    }
    this.#probed = true;
  }

  async #recordAvailability(): Promise<void> {
    try {
      if (this.#disabled) {
        this.logger.warn({ reason: this.#disabled }, 'AMI verification off: listings stay unverified');
        await q.explainNoAws(this.database.db);
      } else {
        await q.forgetNoAws(this.database.db, NO_AWS_PREFIX);
      }
      await this.cache.invalidate('verification availability', { touches: VERIFICATION_TOUCHES });
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not record whether verification is available');
    }
  }

  get noAwsReason(): string | null {
    return this.#disabled;
  }

  get status(): { enabled: boolean; reason: string | null; account: string | null } {
    return { enabled: this.#disabled === null && this.#probed, reason: this.#disabled, account: this.#account };
  }

  async created(trx: Db, versionId: number): Promise<void> {
    if (!this.#started) return;
    if (this.#disabled) await q.updateVersionRegions(trx, versionId, { verification_reason: this.#disabled });
    else await q.updateVersionRegions(trx, versionId, { state: 'pending', verification_reason: CHECKING });
  }

  async precheckOwnership(
    principal: Principal,
    target: PublishTarget,
    regions: ReadonlyArray<{ region: string; ami_id: string }>,
  ): Promise<void> {
    // Without AWS access (verification off, or the probe failed) the publish is accepted as
    // before: its regions stay unverified and say why.
    if (!this.#started || this.#stopped || !this.reader || this.#disabled || regions.length === 0) return;
    const reader = this.reader;
    const byRegion = new Map<string, Set<string>>();
    for (const r of regions) byRegion.set(r.region, (byRegion.get(r.region) ?? new Set()).add(r.ami_id));
    // One DescribeImages per region, all within one deadline (the wait for the probe included).
    // A region whose call fails or is still running at the deadline is not judged here: the
    // version is accepted and the background check after commit decides, as before.
    const answers = new Map<string, Map<string, ImageFacts>>();
    const asks = (async () => {
      await this.#ready;
      if (this.#disabled) return;
      await Promise.all(
        [...byRegion].map(async ([region, ids]) => {
          try {
            answers.set(region, await reader.describeImages(region, [...ids]));
          } catch (err) {
            const why = err instanceof AwsCallError ? err.message : String(err);
            this.logger.warn({ region, err: why }, 'EC2 could not be asked before publish; accepting unchecked');
          }
        }),
      );
    })();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), PRECHECK_TIMEOUT_MS);
    });
    const outcome = await Promise.race([asks.then(() => 'done' as const), deadline]).finally(() => clearTimeout(timer));
    if (outcome === 'timeout') {
      this.logger.warn(
        { timeoutMs: PRECHECK_TIMEOUT_MS },
        'EC2 was slow before publish; regions not answered are accepted unchecked',
      );
    }
    const seen = new Map(answers); // regions answering after the deadline are ignored
    if (seen.size === 0) return;

    const needOwners = regions.some((r) => seen.get(r.region)?.has(r.ami_id));
    const proven = needOwners ? await provenAccounts(this.database.db, [target.ownerId, principal.userId]) : [];
    const claim = {
      publisher:
        target.ownerHandle === principal.handle ? principal.handle : `${target.ownerHandle} or ${principal.handle}`,
      provenAccounts: proven,
    };
    const notOwned: Array<{ path: string; message: string }> = [];
    const missing: Array<{ path: string; message: string }> = [];
    regions.forEach((r, i) => {
      const images = seen.get(r.region);
      if (!images) return;
      const path = `${target.path}.${i}.ami_id`;
      const img = images.get(r.ami_id);
      if (!img) missing.push({ path, message: `${r.region}: ${notFoundReason(r.ami_id, r.region, this.#account)}` });
      else if (img.ownerId && !proven.includes(img.ownerId)) {
        notOwned.push({ path, message: `${r.region}: ${notOwnedReason(r.ami_id, img.ownerId, claim)}` });
      }
    });
    const problems = [...notOwned, ...missing];
    if (problems.length === 0) return;
    const message = `refused after checking EC2: ${problems.map((p) => p.message).join('; ')}`;
    if (notOwned.length > 0) throw new DomainError('forbidden', message, problems);
    throw new ValidationError(message, problems);
  }

  committed(versionId: number): void {
    for (const follow of this.#followers) this.#track(follow(versionId));
    if (!this.#started || this.#stopped) return;
    this.#track(this.#afterPublish(versionId));
  }

  /** Other background work queued after every publish (security scans). */
  afterPublish(follow: (versionId: number) => Promise<unknown>): void {
    this.#followers.push(follow);
  }

  async #afterPublish(versionId: number): Promise<void> {
    await this.#ready;
    if (this.#stopped) return;
    if (this.#disabled) {
      // Published while the probe ran and it found no AWS: release what created() held back.
      await q.explainNoAws(this.database.db);
      await this.cache.invalidate('verification', { touches: VERIFICATION_TOUCHES });
      return;
    }
    await this.queueVersion(versionId);
  }

  /** One verification job per region of the version; a region already queued or running is not queued twice. */
  async queueVersion(versionId: number, runNow = false) {
    const regions = await q.regionsOfVersion(this.database.db, versionId);
    const jobs: Array<{ id: number; attempts: number }> = [];
    for (const r of regions) jobs.push(await this.queueRegion(r.id, runNow));
    return jobs;
  }

  queueRegion(regionImageId: number, runNow = false) {
    return this.jobs.enqueue(
      VERIFY_REGION,
      { region_image_id: regionImageId },
      { dedupeKey: `verify:${regionImageId}`, runNow },
    );
  }

  /** POST .../verify: checks one version now (owner, maintainer or admin) and returns the outcome. */
  async verifyOnDemand(
    principal: Principal,
    owner: string,
    name: string,
    version: string,
  ): Promise<VersionVerification> {
    requireScope(principal, 'publish');
    const found = await q.findVersionId(this.database.db, owner, name, version);
    if (!found) throw new NotFoundError(`${owner}/${name} has no version ${version}`);
    // An organisation's publishers and admins verify its listings too.
    const scope = await new AccessService(this.database).scope(principal);
    if (!canManage(principal, found.owner_id, scope)) {
      if (found.visibility === 'private' || found.visibility === 'org')
        throw new NotFoundError(`no listing ${owner}/${name}`);
      throw new ForbiddenError(`only ${owner}, a maintainer or an admin can verify ${owner}/${name}`);
    }
    const target = await q.findVersionTarget(this.database.db, found.id);
    if (target?.status === 'revoked') {
      throw new ConflictError(`${owner}/${name}@${version} is revoked; revoked versions are not verified`);
    }
    await this.#ready;
    await audit(this.database.db, {
      actor_id: principal.userId,
      action: 'version.verify',
      image_id: target?.image_id ?? null,
      target: `${owner}/${name}@${version}`,
      details: { aws: this.#disabled === null },
    });
    if (this.#disabled) return this.#summary(found.id);
    // The same jobs as after publish; the answer waits for them a while (a worker runs them).
    const jobs = await this.queueVersion(found.id, true);
    const deadline = Date.now() + ON_DEMAND_WAIT_MS;
    for (const j of jobs) await this.jobs.wait(j.id, Math.max(0, deadline - Date.now()), j.attempts);
    return this.#summary(found.id);
  }

  /**
   * The verify-region job: asks EC2 about one region image, records the outcome and refreshes
   * the listing's verified flag. An image still pending in EC2 is asked again later (JobRetry).
   */
  async verifyRegion(regionImageId: number): Promise<Record<string, unknown>> {
    const db = this.database.db;
    await this.#ready;
    const row = await q.regionById(db, regionImageId);
    if (!row) return { skipped: 'the region was deleted' };
    const target = await q.findVersionTarget(db, row.version_id);
    if (!target) return { skipped: 'the version was deleted' };
    if (!this.reader || this.#disabled) return { skipped: this.#disabled ?? 'no AWS' };
    if (target.status === 'revoked') return { skipped: 'revoked' };
    const reader = this.reader;
    const proven = await provenAccounts(db, [target.owner_id, target.created_by]);
    const claim = {
      publisher: target.creator === target.owner ? target.owner : `${target.owner} or ${target.creator}`,
      visibility: target.visibility,
      provenAccounts: proven,
      registryAccount: this.#account,
    };
    let outcome: RegionOutcome | null;
    try {
      const images = await reader.describeImages(row.region, [row.ami_id]);
      const img = images.get(row.ami_id);
      outcome = judgeImage(row, img, claim);
      if (img && target.visibility !== 'public' && outcome.status === 'verified') {
        const perms = await reader.launchPermissions(row.region, row.ami_id).catch(() => null);
        outcome.details.launch_permissions = perms ?? 'not readable by the registry (EC2 shows them to the owner)';
      }
    } catch (err) {
      const why = err instanceof AwsCallError ? err.message : String(err);
      this.logger.warn({ region: row.region, regionImageId, err: why }, 'EC2 could not be asked');
      const text =
        err instanceof AwsCallError && err.kind === 'credentials'
          ? `the registry's AWS credentials were refused (${err.code})`
          : `EC2 in ${row.region} did not answer (${err instanceof AwsCallError ? err.code : 'error'})`;
      outcome = unreachableOutcome(row, text);
    }
    const changed =
      outcome !== null &&
      (outcome.status !== row.verification_status ||
        outcome.reason !== row.verification_reason ||
        (outcome.state !== null && outcome.state !== row.state));
    if (outcome) {
      const o = outcome;
      await this.database.transaction(async (trx) => {
        // Regions of one listing are checked by parallel jobs: take turns, so the listing's
        // verified flag is computed with every other region's committed outcome.
        await q.lockListing(trx, target.image_id);
        await q.updateRegion(trx, row.id, {
          verification_status: o.status,
          verification_reason: o.reason,
          ...(o.state ? { state: o.state } : {}),
          ...(o.checked ? { last_verified_at: new Date() } : {}),
          ...(o.ownerAccount && !row.owner_account ? { owner_account: o.ownerAccount } : {}),
        });
        if (o.checked && o.status !== 'unverified') {
          await q.insertVerifications(trx, [
            { region_image_id: row.id, status: o.status, reason: o.reason, details: o.details },
          ]);
        }
        await q.refreshListingVerified(trx, target.image_id);
      });
    }
    if (changed) await this.cache.invalidate('verification', { touches: VERIFICATION_TOUCHES });
    this.logger.info({ regionImageId, status: outcome?.status ?? 'unchanged' }, 'region verified in EC2');
    if (outcome?.state === 'pending') throw new JobRetry(`${row.ami_id} is still pending in EC2`, PENDING_RETRY_MS);
    return { status: outcome?.status ?? 'unchanged' };
  }

  /** The scheduled pass (a verify-pass job): queues a check of every region still in play. */
  async queueAll(): Promise<number> {
    await this.#ready;
    if (this.#disabled || this.#stopped) return 0;
    const ids = await q.regionsToReverify(this.database.db);
    for (const id of ids) await this.queueRegion(id);
    await q.refreshListingVerified(this.database.db, null);
    await q.pruneVerifications(this.database.db, new Date(Date.now() - 90 * 86_400_000));
    await this.cache.invalidate('verification pass', { touches: VERIFICATION_TOUCHES });
    return ids.length;
  }

  /** Queues the pass and waits until a worker ran it (tests, and an operator's one-off run). */
  async verifyAll(): Promise<number> {
    const n = await this.queueAll();
    await this.idle();
    return n;
  }

  async #summary(versionId: number): Promise<VersionVerification> {
    const db = this.database.db;
    const target = await q.findVersionTarget(db, versionId);
    if (!target) throw new NotFoundError(`no version with id ${versionId}`);
    const [regions, verified] = await Promise.all([
      q.regionsOfVersion(db, versionId),
      q.listingVerified(db, target.image_id),
    ]);
    return {
      listing: `${target.owner}/${target.name}`,
      version: target.version,
      listing_verified: verified,
      aws: this.#disabled === null,
      checked_at: iso(new Date())!,
      regions: regions.map((r) => ({
        region: r.region,
        architecture: r.architecture,
        ami_id: r.ami_id,
        owner_account: r.owner_account,
        state: r.state,
        verification: toVerification(r, this.#disabled),
      })),
    };
  }

  #track(p: Promise<unknown>): void {
    const tracked = p.catch((err) => this.logger.error({ err }, 'background verification failed'));
    this.#inflight.add(tracked);
    void tracked.finally(() => this.#inflight.delete(tracked));
  }

  /** Resolves when no verification is queued (and due) or running (tests; shutdown). */
  async idle(): Promise<void> {
    if (!this.#stopped) await this.#ready;
    // Let the availability record that follows the probe get tracked first.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
    if (!this.#stopped) await this.jobs.idle([VERIFY_REGION, VERIFY_PASS]);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
    this.reader?.close();
  }
}
