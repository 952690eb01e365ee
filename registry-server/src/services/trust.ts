import type { AmiStatusItem, AmiStatusResult, LaunchBody, LaunchResult } from '@cws/shared';
import type { Principal } from '../auth/tokens.js';
import type { Cache, CacheKey } from '../cache/cache.js';
import type { Database } from '../db/database.js';
import { provenAccounts } from '../db/queries/aws-accounts.js';
import { recordLaunch } from '../db/queries/launches.js';
import { activeImages, amiStatusRows, versionLineageRows } from '../db/queries/trust.js';
import { NotFoundError } from '../errors.js';
import { type AccessService, canSee } from './access.js';
import { lineageOf } from './listings.js';
import { toScan, toVerification } from './present.js';

/**
 * What a registry knows about EC2 image ids, whichever tier found them: the CLI asks before it
 * returns or launches any image, so a revocation reaches template mappings, EC2 searches and caches.
 */
export class TrustService {
  constructor(
    private readonly database: Database,
    private readonly cache: Cache,
    private readonly access: AccessService,
  ) {}

  async status(viewer: Principal | null, amiIds: string[]): Promise<AmiStatusResult> {
    const ids = [...new Set(amiIds)];
    const key: CacheKey = `ami-status:${ids.slice().sort().join(',')}`;
    // Visibility depends on the viewer; cache the rows and filter after.
    const [rows, scope] = await Promise.all([this.cache.wrap(key, () => this.#load(ids)), this.access.scope(viewer)]);
    return {
      items: amiIds.map((ami) => {
        const found = rows.find((r) => r.item.ami_id === ami);
        if (!found || !canSee(scope, found.visibility)) return unlisted(ami);
        return found.item;
      }),
    };
  }

  async #load(ids: string[]) {
    const db = this.database.db;
    const rows = await amiStatusRows(db, ids);
    const versions = [...new Map(rows.map((r) => [r.version_id, r])).values()];
    const full = await versionLineageRows(
      db,
      versions.map((v) => v.version_id),
    );
    const lineages = await lineageOf(db, full);
    const stale = rows.filter((r) => r.status !== 'active').map((r) => r.image_id);
    const active = await activeImages(db, [...new Set(stale)]);
    return rows.map((r) => {
      const candidates = active.filter((a) => a.image_id === r.image_id);
      const same = candidates.find((a) => a.region === r.region && a.architecture === r.architecture);
      const newest = candidates[0];
      const instead = same ?? newest;
      const item: AmiStatusItem = {
        ami_id: r.ami_id,
        status: r.status,
        listing: `${r.owner}/${r.name}`,
        version: r.version,
        reason: r.status_reason,
        region: r.region,
        architecture: r.architecture,
        owner_checked: r.verification_status === 'verified',
        verification: toVerification(r),
        scan: toScan(r),
        lineage: lineages.get(r.version_id) ?? null,
        use_instead:
          r.status === 'active' || !instead
            ? null
            : { listing: `${instead.owner}/${instead.name}`, version: instead.version, ami_id: same?.ami_id ?? null },
      };
      return {
        item,
        visibility: { visibility: r.visibility, owner_id: Number(r.owner_id), created_by: r.created_by },
      };
    });
  }

  /**
   * A launch reported by `cws launch`: counted once per identity, version and day. A launch from
   * an AWS account the reporter has proved marks their rating of the listing "launched it".
   */
  async launch(principal: Principal | null, identity: string, body: LaunchBody): Promise<LaunchResult> {
    const [row] = await amiStatusRows(this.database.db, [body.ami_id]);
    const scope = await this.access.scope(principal);
    if (
      !row ||
      !canSee(scope, { visibility: row.visibility, owner_id: Number(row.owner_id), created_by: row.created_by })
    ) {
      throw new NotFoundError(`no listing in this registry holds ${body.ami_id}`);
    }
    // Only an account the reporter proved counts: the registry learnt it from STS, not from the client.
    const accounts = principal ? await provenAccounts(this.database.db, [principal.userId]) : [];
    const account = body.aws_account && accounts.includes(body.aws_account) ? body.aws_account : null;
    const result = await this.database.transaction((trx) =>
      recordLaunch(trx, {
        image_id: row.image_id,
        version_id: row.version_id,
        user_id: principal?.userId ?? null,
        identity,
        aws_account: account,
        ami_id: body.ami_id,
        region: body.region,
      }),
    );
    // A launch count shows in detail and search only; it changes no resolve answer or status.
    // The reviews pages show the "launched it" mark a launch may add to a rating.
    if (result.counted || result.marked) {
      await this.cache.invalidate('launch', {
        touches: result.marked ? ['listing', 'search', 'web'] : ['listing', 'search'],
      });
    }
    return {
      listing: `${row.owner}/${row.name}`,
      version: row.version,
      counted: result.counted,
      launch_count: result.launchCount,
      proven_account: account !== null,
    };
  }
}

function unlisted(ami: string): AmiStatusItem {
  return {
    ami_id: ami,
    status: 'unlisted',
    listing: null,
    version: null,
    reason: null,
    region: null,
    architecture: null,
    owner_checked: null,
    verification: null,
    scan: null,
    lineage: null,
    use_instead: null,
  };
}
