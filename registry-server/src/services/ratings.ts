import type { RatingBody, RatingResult } from '@cws/shared';
import type { Principal } from '../auth/tokens.js';
import type { Cache } from '../cache/cache.js';
import type { Database } from '../db/database.js';
import { findListing, findListingByAmi } from '../db/queries/listings.js';
import { publishedVersionOf, type RatingWritten, ratePublicListing, writeRating } from '../db/queries/ratings.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { type AccessService, canSee } from './access.js';
import { requireScope } from './auth.js';
import { round2 } from './present.js';

type Target = {
  id: number;
  owner: string;
  name: string;
  visibility: string;
  owner_id: number;
  created_by: number | null;
};

export class RatingService {
  constructor(
    private readonly database: Database,
    private readonly cache: Cache,
    private readonly access: AccessService,
  ) {}

  /** Seed 004: rate by any EC2 image id of the listing. */
  async rateByAmi(principal: Principal, amiId: string, body: RatingBody): Promise<RatingResult> {
    const listing = await findListingByAmi(this.database.db, amiId);
    if (!listing || !canSee(await this.access.scope(principal), listing)) {
      throw new NotFoundError(`no listing holds ${amiId}`);
    }
    return this.#rate(principal, listing, body);
  }

  async rateListing(principal: Principal, owner: string, name: string, body: RatingBody): Promise<RatingResult> {
    requireScope(principal, 'rate');
    const ref = `${owner}/${name}`;
    // Most ratings are of a public listing someone else published: anyone may see it, so no
    // access scope is needed, and one call finds it and writes. Anything else (not found, not
    // public, the rater's own) takes the long way, which also says why.
    const written = await ratePublicListing(this.database.db, owner, name, this.#write(principal, body, ref));
    if (written) return this.#answer(ref, body, written);
    const listing = await findListing(this.database.db, owner, name);
    if (!listing || !canSee(await this.access.scope(principal), listing)) {
      throw new NotFoundError(`no listing ${owner}/${name}`);
    }
    return this.#rate(principal, listing, body);
  }

  /**
   * One rating per user and listing; a second one replaces the first. One call writes the
   * rating, the listing's aggregate and the audit row (db/queries/ratings.ts writeRating), so
   * concurrent raters never wait on a lock and the aggregate (sum, count) stays exact.
   */
  async #rate(principal: Principal, listing: Target, body: RatingBody): Promise<RatingResult> {
    requireScope(principal, 'rate');
    const ref = `${listing.owner}/${listing.name}`;
    if (listing.owner_id === principal.userId) {
      throw new ForbiddenError(`you own ${ref}; ratings come from people who use an image, not from its publishers`);
    }
    const written = await writeRating(this.database.db, listing.id, this.#write(principal, body, ref));
    if (!written) {
      if (await publishedVersionOf(this.database.db, listing.id, principal.userId)) {
        throw new ForbiddenError(
          `you published a version of ${ref}; ratings come from people who use an image, not from its publishers`,
        );
      }
      throw new NotFoundError(`no listing ${ref}`);
    }
    return this.#answer(ref, body, written);
  }

  #write(principal: Principal, body: RatingBody, ref: string) {
    // No review in the body keeps the one you wrote before; an empty one clears it.
    const review = body.review === undefined ? undefined : body.review.trim() || null;
    return { user_id: principal.userId, stars: body.rating, review, target: ref };
  }

  async #answer(ref: string, body: RatingBody, written: RatingWritten): Promise<RatingResult> {
    // What shows ratings: detail, search, community lists, review pages. Resolve answers are
    // spared: a resolve's ranking may lag by up to the cache TTL (README, "Caching").
    await this.cache.invalidate('rating', { touches: ['listing', 'search', 'community', 'web'] });
    const count = written.rating_count;
    return {
      listing: ref,
      rating: body.rating,
      review: written.review,
      launched: written.launched,
      summary: { average: count === 0 ? 0 : round2(written.rating_sum / count), count },
    };
  }
}
