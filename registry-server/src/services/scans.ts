import type { FindingsPage, FindingsQuery, ScanHistory } from '@cws/shared';
import type { Logger } from 'pino';
import type { Principal } from '../auth/tokens.js';
import { AwsCallError } from '../aws/ec2.js';
import type { ScannedFinding, Scanner } from '../aws/scanner.js';
import type { Cache } from '../cache/cache.js';
import type { ScanConfig } from '../config/config.js';
import type { Database } from '../db/database.js';
import { audit } from '../db/queries/audit.js';
import { liveJobIds } from '../db/queries/jobs.js';
import { findListing } from '../db/queries/listings.js';
import * as q from '../db/queries/scans.js';
import { findVersionId, regionsOfVersion } from '../db/queries/verifications.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import type { JobQueue } from '../jobs/queue.js';
import { type JobContext, JobFailure, JobRetry } from '../jobs/runner.js';
import { AccessService, canSee } from './access.js';
import { canManage, requireScope } from './auth.js';
import { iso } from './present.js';
import { clearScanAlert } from './scan-alert.js';

/** Where a vulnerability is described: NVD for CVEs, GitHub for GHSAs. */
export function vulnerabilityUrl(id: string): string {
  if (/^CVE-\d{4}-\d+$/.test(id)) return `https://nvd.nist.gov/vuln/detail/${id}`;
  if (/^GHSA-/.test(id)) return `https://github.com/advisories/${id}`;
  return `https://www.google.com/search?q=${encodeURIComponent(id)}`;
}

export const SCAN_REGION = 'scan-region';
export const RESCAN_PASS = 'rescan-pass';
export const SCAN_REAP = 'scan-reap';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** AWS answers that trying again will not change. */
const PERMANENT_CODES = new Set([
  'InvalidAMIID.NotFound',
  'InvalidAMIID.Unavailable',
  'InvalidAMIID.Malformed',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'InvalidSubnetID.NotFound',
]);

/** A scan that cannot succeed by trying again: stored as failed with a reason the publisher can act on. */
class ScanRefused extends JobFailure {}

/**
 * Security scans of published AMIs, as scan-region jobs (one per AMI and region, de-duplicated, so
 * two workers never scan the same AMI at once). Cheap path first: EC2 GetImageFindings. Otherwise a
 * short-lived scan instance in the registry's account that Inspector2 scans; it is terminated on
 * success, failure and time-out, and by the reaper after a crash.
 */
export class ScanService {
  constructor(
    private readonly database: Database,
    private readonly cache: Cache,
    private readonly jobs: JobQueue,
    private readonly logger: Logger,
    private readonly config: ScanConfig,
    private readonly scanner: Scanner | null,
    /** Why the registry cannot scan at all (null when it can try). */
    private readonly disabled: string | null,
    private readonly account: () => string | null,
    private readonly access: AccessService = new AccessService(database),
  ) {}

  /** One scan job per region image of a version (after publish, and on request). */
  async queueVersion(versionId: number, runNow = false) {
    const regions = await regionsOfVersion(this.database.db, versionId);
    const out = [];
    for (const r of regions) out.push({ region: r, job: await this.queueRegion(r.id, r.ami_id, r.region, runNow) });
    return out;
  }

  queueRegion(regionImageId: number, amiId: string, region: string, runNow = false) {
    return this.jobs.enqueue(
      SCAN_REGION,
      { region_image_id: regionImageId },
      { dedupeKey: `scan:${region}:${amiId}`, runNow },
    );
  }

  /** POST .../scan: a rescan now (owner, maintainer or admin). */
  async request(principal: Principal, owner: string, name: string, version: string) {
    requireScope(principal, 'publish');
    const found = await findVersionId(this.database.db, owner, name, version);
    if (!found) throw new NotFoundError(`${owner}/${name} has no version ${version}`);
    if (!canManage(principal, found.owner_id)) {
      if (found.visibility === 'private' || found.visibility === 'org')
        throw new NotFoundError(`no listing ${owner}/${name}`);
      throw new ForbiddenError(`only ${owner}, a maintainer or an admin can ask for a scan of ${owner}/${name}`);
    }
    const queued = await this.queueVersion(found.id, true);
    const target = await q.scanTarget(this.database.db, queued[0]?.region.id ?? -1);
    if (target?.status === 'revoked')
      throw new ConflictError(`${owner}/${name}@${version} is revoked; it is not scanned`);
    await audit(this.database.db, {
      actor_id: principal.userId,
      action: 'version.scan',
      image_id: target?.image_id ?? null,
      target: `${owner}/${name}@${version}`,
      details: { jobs: queued.map((x) => x.job.id) },
    });
    return queued.map((x) => ({
      region: x.region.region,
      architecture: x.region.architecture,
      ami_id: x.region.ami_id,
      job_id: x.job.id,
      already_queued: !x.job.created,
    }));
  }

  /** DELETE .../scan-alert: the owner (or a publisher, maintainer, admin) acknowledges the new-finding mark. */
  async acknowledge(principal: Principal, owner: string, name: string): Promise<void> {
    requireScope(principal, 'publish');
    const cleared = await this.database.transaction(async (trx) => {
      const listing = await findListing(trx, owner, name);
      const scope = await this.access.scope(principal, trx);
      if (!listing || !canSee(scope, listing)) throw new NotFoundError(`no listing ${owner}/${name}`);
      if (!canManage(principal, listing.owner_id, scope))
        throw new ForbiddenError(
          `only ${owner}, its publishers or a maintainer can acknowledge findings of ${owner}/${name}`,
        );
      return clearScanAlert(trx, listing, principal.userId, 'acknowledged');
    });
    if (cleared) await this.cache.invalidate('scan alert', { touches: ['listing', 'web'] });
  }

  async #version(owner: string, name: string, version: string) {
    const found = await findVersionId(this.database.db, owner, name, version);
    if (!found) throw new NotFoundError(`${owner}/${name} has no version ${version}`);
    return found;
  }

  /** GET .../scans: finished scans of a version, newest first, and the scans queued or running. */
  async history(owner: string, name: string, version: string): Promise<ScanHistory> {
    const found = await this.#version(owner, name, version);
    const db = this.database.db;
    const [rows, regions] = await Promise.all([q.scanHistory(db, found.id, 100), regionsOfVersion(db, found.id)]);
    const jobs = await q.activeScanJobs(
      db,
      regions.map((r) => r.id),
    );
    const byId = new Map(regions.map((r) => [r.id, r]));
    return {
      listing: `${owner}/${name}`,
      version,
      in_progress: jobs.flatMap((j) => {
        const r = byId.get(Number(j.payload['region_image_id']));
        if (!r) return [];
        return [
          {
            job_id: j.id,
            region: r.region,
            ami_id: r.ami_id,
            status: j.state as 'queued' | 'running',
            attempt: j.attempts,
            progress: j.progress,
            queued_at: iso(j.created_at)!,
            started_at: iso(j.started_at),
            last_error: j.last_error,
          },
        ];
      }),
      items: rows.map((r) => ({
        id: r.id,
        region: r.region,
        architecture: r.architecture,
        ami_id: r.ami_id,
        scanner: r.scanner,
        status: r.status === 'failed' ? 'failed' : 'complete',
        reason: r.reason,
        counts: { critical: r.critical, high: r.high, medium: r.medium, low: r.low, informational: r.informational },
        finding_count: r.finding_count,
        started_at: iso(r.started_at),
        finished_at: iso(r.finished_at ?? r.scanned_at),
      })),
    };
  }

  /** GET .../findings: the findings of each region's latest complete scan, most severe first, paged. */
  async findings(owner: string, name: string, version: string, query: FindingsQuery): Promise<FindingsPage> {
    const found = await this.#version(owner, name, version);
    const db = this.database.db;
    const scanIds = await q.latestCompleteScans(db, found.id);
    const target = await q.imageIdOfVersion(db, found.id);
    const exceptions = new Map<
      string,
      { reason: string; by: string; expires_at: string; scope: 'listing' | 'registry' }
    >();
    for (const e of await q.activeExceptions(db, target)) {
      // A listing's own exception wins over a registry-wide one.
      if (exceptions.has(e.vulnerability_id) && e.image_id === null) continue;
      exceptions.set(e.vulnerability_id, {
        reason: e.reason,
        by: e.author,
        expires_at: iso(e.expires_at)!,
        scope: e.image_id === null ? 'registry' : 'listing',
      });
    }
    let after: { rank: number; id: number } | undefined;
    if (query.cursor) {
      const [rank, id] = query.cursor.split('.').map(Number) as [number, number];
      after = { rank, id };
    }
    const rows = await q.findingsPage(db, scanIds, {
      exactRank: query.severity ? q.SEVERITY_RANK[query.severity] : undefined,
      minRank: query.min_severity ? q.SEVERITY_RANK[query.min_severity] : undefined,
      fixAvailable: query.fix_available,
      after,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      listing: `${owner}/${name}`,
      version,
      items: page.map((f) => ({
        vulnerability_id: f.vulnerability_id,
        severity: f.severity,
        inspector_score: f.inspector_score,
        package_name: f.package_name,
        installed_version: f.installed_version,
        fixed_version: f.fixed_version,
        fix_available: f.fix_available,
        exploit_available: f.exploit_available,
        title: f.title,
        first_observed_at: iso(f.first_observed_at),
        region: f.region,
        architecture: f.architecture,
        ami_id: f.ami_id,
        url: vulnerabilityUrl(f.vulnerability_id),
        accepted: exceptions.get(f.vulnerability_id) ?? null,
      })),
      next_cursor: rows.length > query.limit && last ? `${last.severity_rank}.${last.id}` : null,
    };
  }

  /** The scan-region job. */
  async run(job: JobContext<{ region_image_id: number }>): Promise<Record<string, unknown>> {
    const db = this.database.db;
    const target = await q.scanTarget(db, Number(job.payload.region_image_id));
    if (!target) return { skipped: 'the region image was deleted' };
    if (target.status === 'revoked') return { skipped: 'revoked' };
    const started = new Date();
    const store = async (
      scanner: string,
      status: 'complete' | 'failed',
      reason: string | null,
      findings: ScannedFinding[],
    ) => {
      const scanId = await this.database.transaction(async (trx) => {
        const id = await q.insertScan(trx, {
          region_image_id: target.id,
          scanner,
          status,
          reason,
          started_at: started,
          job_id: job.id,
          findings,
        });
        if (status === 'complete') await this.#noteNewSevere(trx, target, id);
        return id;
      });
      // A scan result changes resolve answers (max_severity), listing detail, AMI status and the
      // new-finding mark; token lookups, community lists and review pages are spared.
      await this.cache.invalidate('scan', { touches: ['resolve', 'listing', 'ami-status', 'search'] });
      return { scan_id: scanId, status, findings: findings.length, reason };
    };
    try {
      if (this.disabled || !this.scanner) throw new ScanRefused(`not scanned: ${this.disabled ?? 'scanning is off'}`);
      if (this.config.regions && !this.config.regions.includes(target.region)) {
        throw new ScanRefused(
          `not scanned: this registry scans only in ${this.config.regions.join(', ')} (CWS_REGISTRY_SCAN_REGIONS)`,
        );
      }
      await job.progress({ phase: 'image-findings' });
      const cheap = await this.scanner.imageFindings(target.region, target.ami_id);
      if (cheap.length > 0) return await store('ec2-image-findings', 'complete', null, cheap);
      if (!this.config.instances) {
        throw new ScanRefused(
          'not scanned: Amazon Inspector has no findings for this AMI and this registry does not launch scan instances',
        );
      }
      return await store('inspector2', 'complete', null, await this.#scanWithInstance(job, target));
    } catch (err) {
      const reason = this.#reason(err, target);
      const permanent =
        err instanceof AwsCallError &&
        (PERMANENT_CODES.has(err.code) || (err.kind === 'credentials' && err.code !== 'RequestExpired'));
      const timedOut = job.signal.aborted && !String(job.signal.reason).includes('stopping');
      const final = err instanceof JobFailure || permanent || timedOut || job.attempt >= job.maxAttempts;
      err instanceof JobFailure ||
        (job.signal.aborted && !String(job.signal.reason).includes('stopping')) ||
        job.attempt >= job.maxAttempts;
      if (err instanceof JobRetry) throw err;
      if (final && reason) {
        const stored = await store(err instanceof ScanRefused ? 'none' : 'inspector2', 'failed', reason, []);
        this.logger.warn({ job: job.id, ami: target.ami_id, reason }, 'scan failed');
        if (err instanceof JobFailure || permanent) return stored;
      }
      throw err;
    }
  }

  async #scanWithInstance(
    job: JobContext<{ region_image_id: number }>,
    target: q.ScanTarget,
  ): Promise<ScannedFinding[]> {
    const scanner = this.scanner!;
    const region = target.region;
    const status = await scanner.inspectorStatus(region);
    if (status !== 'ENABLED') {
      if (!this.config.enableInspector) {
        throw new ScanRefused(
          `not scanned: Amazon Inspector EC2 scanning is ${status.toLowerCase()} in the registry's account in ${region} (the operator can enable it, or set CWS_REGISTRY_SCAN_ENABLE_INSPECTOR=true)`,
        );
      }
      await scanner.enableInspector(region);
      throw new JobRetry('Amazon Inspector is being enabled', 30_000);
    }
    // An earlier attempt of this job (a crash, a time-out) may have left its instance: end it first.
    const leftovers = (await scanner.scanInstances(region)).filter((i) => i.jobId === job.id);
    await scanner.terminate(
      region,
      leftovers.map((i) => i.instanceId),
    );
    await job.progress({ phase: 'launching', terminated_leftovers: leftovers.length });
    const sg = await scanner.securityGroup(region, this.config.subnets[region] ?? null);
    const instanceType = this.config.instanceTypes[target.architecture as 'x86_64' | 'arm64'];
    const instanceId = await scanner.launch(region, {
      imageId: target.ami_id,
      instanceType,
      subnetId: this.config.subnets[region] ?? null,
      securityGroupId: sg,
      jobId: job.id,
      attempt: job.attempt,
      lifetimeSeconds: this.config.timeoutSeconds + 300,
    });
    this.logger.info({ job: job.id, instanceId, ami: target.ami_id, region, instanceType }, 'scan instance launched');
    try {
      await job.progress({ phase: 'waiting-for-inspector', instance_id: instanceId, instance_type: instanceType });
      for (;;) {
        const cov = await scanner.coverage(region, instanceId).catch((err) => {
          if (err instanceof AwsCallError && err.kind === 'transient') return null;
          throw err;
        });
        if (cov?.statusCode === 'INACTIVE') {
          throw new ScanRefused(
            cov.reason === 'UNSUPPORTED_OS'
              ? 'not scanned: Amazon Inspector cannot scan this operating system (UNSUPPORTED_OS)'
              : `not scanned: Amazon Inspector did not scan the scan instance (${cov.reason})`,
          );
        }
        if (cov?.reason === 'SUCCESSFUL') break;
        await sleep(this.config.pollSeconds * 1000, job.signal);
      }
      await job.progress({ phase: 'reading-findings', instance_id: instanceId });
      return await scanner.instanceFindings(region, instanceId, target.ami_id);
    } finally {
      await scanner
        .terminate(region, [instanceId])
        .catch((err) =>
          this.logger.error(
            { err: (err as Error).message, instanceId },
            'scan instance not terminated; the reaper retries',
          ),
        );
      this.logger.info({ job: job.id, instanceId }, 'scan instance terminated');
    }
  }

  #reason(err: unknown, target: q.ScanTarget): string | null {
    if (err instanceof ScanRefused) return err.message;
    if (err instanceof AwsCallError) {
      if (err.code === 'InvalidAMIID.NotFound' || err.code === 'InvalidAMIID.Unavailable') {
        const acct = this.account();
        return `not scanned: ${target.ami_id} is not visible to the registry's account${acct ? ` ${acct}` : ''} in ${target.region}: share it with that account (cws ami share ${target.ami_id} --account ${acct ?? 'ACCOUNT'}) or make it public`;
      }
      if (err.code === 'AccessDeniedException' || err.code === 'UnauthorizedOperation') {
        return `not scanned: the registry's AWS identity may not do this (${err.code}): ${err.message}`;
      }
      return `not scanned: ${err.message}`;
    }
    const message = err instanceof Error ? err.message : String(err);
    if (/time limit/.test(message))
      return `not scanned: the scan took longer than ${this.config.timeoutSeconds} s; the scan instance was terminated`;
    return `not scanned: ${message}`;
  }

  /** A rescan that finds a critical or high finding the previous complete scan did not have marks the listing. */
  async #noteNewSevere(trx: Database['db'], target: q.ScanTarget, scanId: number) {
    const before = await q.previousSevere(trx, target.id, scanId);
    if (!before) return;
    const fresh = (await q.severeIds(trx, scanId)).filter((f) => !before.has(f.id));
    if (fresh.length === 0) return;
    await q.markNewFinding(trx, target.image_id);
    await audit(trx, {
      actor_id: null,
      action: 'scan.new_finding',
      image_id: target.image_id,
      target: `${target.owner}/${target.name}@${target.version}`,
      details: {
        region: target.region,
        ami_id: target.ami_id,
        vulnerability_ids: fresh.slice(0, 50).map((f) => f.id),
        critical: fresh.filter((f) => f.critical).length,
      },
    });
  }

  /** The scheduled rescan pass. */
  async queueRescans(): Promise<number> {
    // Without a scanner every job would only record "not scanned" again, for every image of
    // the catalogue (and drop cached answers each time): nothing to re-queue.
    if (this.disabled || !this.scanner) return 0;
    const ids = await q.regionsDueRescan(
      this.database.db,
      this.config.rescanLatestSeconds,
      this.config.rescanOlderSeconds,
    );
    for (const id of ids) {
      const t = await q.scanTarget(this.database.db, id);
      if (t) await this.queueRegion(t.id, t.ami_id, t.region);
    }
    return ids.length;
  }

  /** Terminates scan instances whose job is not running (a worker died, or a job ended without cleaning up). */
  async reap(): Promise<number> {
    if (!this.scanner || this.disabled) return 0;
    const regions = this.config.regions ?? (await q.imageRegionNames(this.database.db));
    let n = 0;
    for (const region of regions) {
      try {
        const found = await this.scanner.scanInstances(region);
        const live = await liveJobIds(
          this.database.db,
          found.flatMap((i) => (i.jobId ? [i.jobId] : [])),
        );
        const orphans = found.filter((i) => !i.jobId || !live.has(i.jobId)).map((i) => i.instanceId);
        if (orphans.length > 0) {
          await this.scanner.terminate(region, orphans);
          this.logger.warn({ region, instances: orphans }, 'terminated scan instances whose job is not running');
          n += orphans.length;
        }
      } catch (err) {
        this.logger.warn({ region, err: (err as Error).message }, 'scan instances not checked');
      }
    }
    return n;
  }
}
