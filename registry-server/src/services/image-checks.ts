import type { TestReportBody, VersionTestReport } from '@cws/shared';
import type { Principal } from '../auth/tokens.js';
import type { Cache } from '../cache/cache.js';
import type { Database } from '../db/database.js';
import { audit } from '../db/queries/audit.js';
import * as q from '../db/queries/listings.js';
import { findVersionId, regionsOfVersion } from '../db/queries/verifications.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { canManage, requireScope } from './auth.js';

/**
 * Reports the publisher's client makes about the inside of a version's image. The registry cannot run an image's
 * tests itself, so it records who reported what and shows it as publisher-reported; it checks only that the report
 * is about one of the version's own images.
 */
export class ImageCheckService {
  constructor(
    private readonly database: Database,
    private readonly cache: Cache,
  ) {}

  async reportTests(
    principal: Principal,
    owner: string,
    name: string,
    version: string,
    body: TestReportBody,
  ): Promise<VersionTestReport> {
    requireScope(principal, 'publish');
    const db = this.database.db;
    const found = await findVersionId(db, owner, name, version);
    if (!found) throw new NotFoundError(`${owner}/${name} has no version ${version}`);
    if (!canManage(principal, found.owner_id)) {
      if (found.visibility === 'private') throw new NotFoundError(`no listing ${owner}/${name}`);
      throw new ForbiddenError(`only ${owner} or a maintainer can report tests for ${owner}/${name}`);
    }
    const regions = await regionsOfVersion(db, found.id);
    const match = regions.find(
      (r) => r.region === body.region && r.architecture === body.architecture && r.ami_id === body.ami_id,
    );
    if (!match) {
      throw new ValidationError(
        `${body.ami_id} is not ${owner}/${name}@${version}'s image in ${body.region} (${body.architecture})`,
        [{ path: 'body.ami_id', message: "must be one of the version's images" }],
      );
    }
    const listing = await q.findListing(db, owner, name);
    const versionRow = listing ? await q.findVersion(db, listing.id, version) : undefined;
    if (versionRow?.status === 'revoked') throw new ConflictError(`${owner}/${name}@${version} is revoked`);
    const passedCount = body.tests.filter((t) => t.passed).length;
    const report: VersionTestReport = {
      publisher_reported: true,
      reported_by: principal.handle,
      reported_at: new Date().toISOString(),
      tested_at: new Date(body.tested_at).toISOString(),
      region: body.region,
      architecture: body.architecture,
      ami_id: body.ami_id,
      passed: passedCount === body.tests.length,
      total: body.tests.length,
      passed_count: passedCount,
      tests: body.tests.map((t) => ({
        name: t.name,
        passed: t.passed,
        seconds: t.seconds ?? null,
        reason: t.reason ?? null,
      })),
    };
    await this.database.transaction(async (trx) => {
      await q.setTestReport(trx, found.id, report);
      await audit(trx, {
        actor_id: principal.userId,
        action: 'version.tests_reported',
        image_id: listing?.id ?? null,
        target: `${owner}/${name}@${version}`,
        details: { passed: report.passed, total: report.total, passed_count: passedCount, ami_id: body.ami_id },
      });
    });
    await this.cache.invalidate('version');
    return report;
  }
}
