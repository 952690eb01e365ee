import type { CommunityAmi, CommunityQuery, ListingSummary, SearchQuery, SearchResult } from '@cws/shared';
import type { Principal } from '../auth/tokens.js';
import type { Cache, CacheKey } from '../cache/cache.js';
import type { Database } from '../db/database.js';
import { communityListings } from '../db/queries/community.js';
import { regionsOfListings } from '../db/queries/listings.js';
import {
  relevancePage,
  type SearchAfter,
  type SearchRow,
  type SearchSort,
  searchListingIds,
  similarWords,
  vocabularyHasPrefix,
} from '../db/queries/search.js';
import { type AccessService, ownsNamespace } from './access.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { round2, toSummary } from './present.js';
import { prefixTerm, queryWords, termQuery } from './search-terms.js';

/** The seed's community list returns everything at once; this many at most. */
export const COMMUNITY_LIMIT = 500;

const id = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;

/** A cursor this registry could have given out for this sort: right shape, types and ranges. */
function isAfterFor(sort: SearchSort) {
  return (v: unknown): v is SearchAfter => {
    if (typeof v !== 'object' || v === null) return false;
    const o = v as Record<string, unknown>;
    if ('offset' in o) return sort === 'relevance' && id(o.offset) && (o.offset as number) <= 1_000_000;
    if (!id(o.id)) return false;
    switch (sort) {
      case 'rating':
      case 'downloads':
      case 'relevance':
        return typeof o.value === 'number' && Number.isFinite(o.value) && Math.abs(o.value) < 1e15;
      case 'recent':
        return typeof o.value === 'string' && o.value.length <= 40 && Number.isFinite(Date.parse(o.value));
      case 'name':
        return typeof o.value === 'string' && o.value.length <= 300;
    }
  };
}

export class SearchService {
  constructor(
    private readonly database: Database,
    private readonly cache: Cache,
    private readonly access: AccessService,
  ) {}

  async search(query: SearchQuery, viewer: Principal | null): Promise<SearchResult> {
    // A query of punctuation only has no words: it filters nothing, like no query.
    const words = query.q ? queryWords(query.q) : [];
    const sort: SearchSort = query.sort ?? (words.length > 0 ? 'relevance' : 'rating');
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isAfterFor(sort));
    // Only a viewer asking for their own (or their organisation's) listings sees unlisted and private ones.
    const scope = await this.access.scope(viewer);
    const includeHidden = ownsNamespace(scope, query.owner, viewer?.handle);
    const key: CacheKey = `search:${JSON.stringify({ ...query, sort, scope: scope.key, includeHidden })}`;
    return this.cache.wrap(key, async () => {
      let tsquery: string | undefined;
      if (query.q) {
        const parts: string[] = [];
        for (const word of words) {
          // A known word (or the start of one) is one index probe; only a word the vocabulary
          // lacks fetches typo candidates (at most 300) to compare.
          const part = (await vocabularyHasPrefix(this.database.db, word))
            ? prefixTerm(word)
            : termQuery(word, await similarWords(this.database.db, word));
          if (part === null) return { items: [], next_cursor: null };
          parts.push(part);
        }
        if (parts.length > 0) tsquery = parts.join(' & ');
      }
      const filters = {
        tsquery,
        template: query.template,
        category: query.category,
        region: query.region,
        architecture: query.architecture,
        owner: query.owner,
        verified: query.verified,
        minRating: query.min_rating,
        visible: { scope, includeHidden },
      };
      if (sort === 'relevance' && tsquery) {
        const { rows, next } = await relevancePage(this.database.db, { ...filters, tsquery }, query.limit, after);
        return { items: await this.#summaries(rows), next_cursor: next ? encodeCursor(next) : null };
      }
      const rows = await searchListingIds(this.database.db, filters, sort, query.limit + 1, after);
      const page = rows.slice(0, query.limit);
      const items = await this.#summaries(page);
      const last = page[page.length - 1];
      let next: string | null = null;
      if (rows.length > query.limit && last) {
        next = encodeCursor(
          sort === 'relevance'
            ? { offset: (after && 'offset' in after ? after.offset : 0) + query.limit }
            : { id: last.id, value: sortValue(sort, last) },
        );
      }
      return { items, next_cursor: next };
    });
  }

  /** The seed's list: public listings, and the viewer's organisations' `org` listings. */
  async community(query: CommunityQuery, viewer: Principal | null = null): Promise<CommunityAmi[]> {
    const scope = await this.access.scope(viewer);
    return this.cache.wrap(`community:${scope.key}:${JSON.stringify(query)}`, async () => {
      const rows = await communityListings(this.database.db, query, COMMUNITY_LIMIT, scope);
      const regionRows = await regionsOfListings(
        this.database.db,
        rows.map((r) => r.id),
      );
      return rows.flatMap((row) => {
        const mine = regionRows.filter((r) => r.image_id === row.id);
        // Best version first (active, newest); its image in the asked region, else its first region.
        const best = mine.filter((r) => r.version_id === mine[0]?.version_id);
        const pick =
          (query.region &&
            (best.find((r) => r.region === query.region && r.architecture === 'x86_64') ??
              best.find((r) => r.region === query.region))) ||
          (query.region ? mine.find((r) => r.region === query.region) : undefined) ||
          best[0];
        if (!pick) return [];
        return [
          {
            ami_id: pick.ami_id,
            name: row.name,
            creator: row.creator,
            rating: round2(row.rating_avg),
            download_count: Number(row.download_count),
            regions: [...new Set(mine.map((r) => r.region))].sort(),
          },
        ];
      });
    });
  }

  async #summaries(rows: SearchRow[]): Promise<ListingSummary[]> {
    const regionRows = await regionsOfListings(
      this.database.db,
      rows.map((r) => r.id),
    );
    return rows.map((row) => {
      const mine = regionRows.filter((r) => r.image_id === row.id);
      return toSummary(row, {
        latest_version: mine.length > 0 ? mine.reduce((a, b) => (b.version_id > a.version_id ? b : a)).version : null,
        regions: [...new Set(mine.map((r) => r.region))].sort(),
        architectures: [...new Set(mine.map((r) => r.architecture))].sort(),
      });
    });
  }
}

function sortValue(sort: SearchSort, row: SearchRow): string | number {
  switch (sort) {
    case 'rating':
      return Number(row.rating_avg);
    case 'downloads':
      return Number(row.download_count);
    case 'recent':
      return row.updated_at_key;
    default:
      return `${row.owner}/${row.name}`;
  }
}
