import type { Principal } from '../auth/tokens.js';
import type { Database } from '../db/database.js';
import { knownRegions, publicFacetValues } from '../db/queries/facets.js';
import { findListing } from '../db/queries/listings.js';
import { findRating } from '../db/queries/ratings.js';

export interface Facets {
  templates: string[];
  categories: string[];
  regions: string[];
  architectures: string[];
}

/** Facet choices change rarely and a stale choice is harmless: keep them a few minutes per process. */
const FACET_TTL_MS = 5 * 60_000;

/** Reads the web pages need beyond the API's: facet choices, and the viewer's own rating. */
export class CatalogueService {
  #facets: { at: number; value: Promise<Facets> } | null = null;

  constructor(private readonly database: Database) {}

  /**
   * Not in the generation cache on purpose: every rating bumps the generation, and facet
   * choices change far more rarely than that. Past their age they are served once more
   * while a fresh copy loads, so no page waits for them after the first.
   */
  facets(): Promise<Facets> {
    const now = Date.now();
    const current = this.#facets;
    if (current && now - current.at < FACET_TTL_MS) return current.value;
    const value = this.#loadFacets();
    this.#facets = { at: now, value };
    value.catch(() => {
      if (this.#facets?.value === value) this.#facets = current;
    });
    return current ? current.value : value;
  }

  async #loadFacets(): Promise<Facets> {
    const { templates, categories } = await publicFacetValues(this.database.db, 500);
    const regions = await knownRegions(this.database.db);
    return { templates, categories, regions, architectures: ['x86_64', 'arm64'] };
  }

  /** The principal's own rating of a listing, to prefill the form; null when they have not rated it. */
  async myRating(principal: Principal, owner: string, name: string) {
    const listing = await findListing(this.database.db, owner, name);
    if (!listing) return null;
    const row = await findRating(this.database.db, listing.id, principal.userId);
    return row ? { rating: Number(row.stars), review: row.review } : null;
  }
}
