import type { CommunityAmi, CommunityQuery, ListingSummary, SearchQuery, SearchResult } from '@cws/shared';
import type { Principal } from '../auth/tokens.js';
import type { Cache, CacheKey } from '../cache/cache.js';
import { JsonText } from '../cache/json-text.js';
import type { Database, Db } from '../db/database.js';
import { communityListings } from '../db/queries/community.js';
import { regionsOfListings } from '../db/queries/listings.js';
import {
  type PageRow,
  PREFIX_LIST,
  type RelevanceAfter,
  relevancePage,
  type SearchAfter,
  type SearchSort,
  type SearchTerm,
  searchListingIds,
  similarWords,
} from '../db/queries/search.js';
import { AVERAGE_KEY, type CardRow, prefixWordsOf } from '../db/queries/search-page.js';
import { FAST_WORDS, type Unwalked, type WalkItems, walkItems, walkTerms } from '../db/queries/search-walk.js';
import type { AccessScope } from '../db/queries/visibility.js';
import { ValidationError } from '../errors.js';
import { type AccessService, ownsNamespace } from './access.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { round2, toSummary } from './present.js';
import { nearWords, queryWords } from './search-terms.js';

/** The seed's community list returns everything at once; this many at most. */
export const COMMUNITY_LIMIT = 500;

const id = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;

/** A cursor this registry could have given out for this sort: right shape, types and ranges. */
function isAfterFor(sort: SearchSort) {
  return (v: unknown): v is SearchAfter => {
    if (typeof v !== 'object' || v === null) return false;
    const o = v as Record<string, unknown>;
    if (!id(o.id)) return false;
    if (sort === 'relevance' && 'cls' in o)
      return (
        (o.cls === 0 || o.cls === 1) &&
        Number.isInteger(o.value) &&
        (o.value as number) >= 0 &&
        (o.value as number) <= 10
      );
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

/**
 * The terms of a query's words: a known word (or the start of one) stands for the vocabulary
 * words it begins (one index range of the vocabulary); only a word the vocabulary lacks fetches
 * typo candidates (at most 300) to compare. Null when a word matches nothing. `unwalked`, when
 * the walk statement gave it, is the expansion and those candidates already fetched.
 */
export async function searchTerms(db: Db, words: string[], unwalked?: Unwalked): Promise<SearchTerm[] | null> {
  const terms: SearchTerm[] = [];
  const prefixes = unwalked?.expansion ?? (await prefixWordsOf(db, words, PREFIX_LIST + 1));
  for (const [k, word] of words.entries()) {
    const begun = prefixes[k]!;
    if (begun.length > PREFIX_LIST) terms.push({ prefix: word });
    else if (begun.length > 0) terms.push({ words: begun });
    else {
      const near = nearWords(word, unwalked?.candidates[k] ?? (await similarWords(db, word)));
      if (near === null) return null;
      terms.push({ words: near });
    }
  }
  return terms;
}

export class SearchService {
  constructor(
    private readonly database: Database,
    private readonly cache: Cache,
    private readonly access: AccessService,
  ) {}

  /** A page of results (the web pages'). */
  async search(query: SearchQuery, viewer: Principal | null): Promise<SearchResult> {
    return JSON.parse(await this.#page(query, viewer)) as SearchResult;
  }

  /**
   * The same page as JSON bytes, sent as they are (http/route.ts sendJson): the API's. Most of a
   * page is the listings' cards as the database wrote them (search-page.ts cardText); parsing
   * them and writing them again cost about a tenth of a search's CPU in Node.
   */
  async searchText(query: SearchQuery, viewer: Principal | null): Promise<JsonText<SearchResult>> {
    return new JsonText(Buffer.from(await this.#page(query, viewer)));
  }

  /** The page as JSON text (cached so: a hit is sent without being written again). */
  async #page(query: SearchQuery, viewer: Principal | null): Promise<string> {
    // A query of punctuation only has no words: it filters nothing, like no query.
    const words = query.q ? queryWords(query.q) : [];
    const sort: SearchSort = query.sort ?? (words.length > 0 ? 'relevance' : 'rating');
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isAfterFor(sort));
    // Only a viewer asking for their own (or their organisation's) listings sees unlisted and private ones.
    const scope = await this.access.scope(viewer);
    const includeHidden = ownsNamespace(scope, query.owner, viewer?.handle);
    // `text:` the cached value is the page's JSON text (an older registry's sharing the Redis kept objects).
    const key: CacheKey = `search:text:${JSON.stringify({ ...query, sort, scope: scope.key, includeHidden })}`;
    return this.cache.wrap(key, async () => {
      let unwalked: Unwalked | undefined;
      if (sort === 'relevance' && words.length > 0 && (!after || 'cls' in after)) {
        // One statement for the usual query (search-walk.ts); otherwise its expansion serves below.
        const got = await walkItems(
          this.database.db,
          words,
          this.filtersOf(query, scope, includeHidden),
          query.limit,
          after as RelevanceAfter | undefined,
        );
        if ('items' in got) return walked(got);
        unwalked = got;
      }
      const terms = await searchTerms(this.database.db, words, unwalked);
      if (terms === null) return pageText('[]', null);
      const filters = { ...this.filtersOf(query, scope, includeHidden), terms: terms.length > 0 ? terms : undefined };
      if (sort === 'relevance' && terms.length > 0) {
        const cursor = after && 'cls' in after ? (after as RelevanceAfter) : undefined;
        if (after && !cursor)
          throw new ValidationError('cursor is not one this registry gave out for this query', [
            { path: 'cursor', message: 'invalid cursor' },
          ]);
        // Corrected typos: the same one-statement walk of the terms now known (when it can drive one).
        const known = terms.every((t) => 'words' in t) ? terms.map((t) => t.words) : null;
        if (unwalked && known?.some((w) => w.length <= FAST_WORDS)) {
          const got = await walkTerms(
            this.database.db,
            known,
            this.filtersOf(query, scope, includeHidden),
            query.limit,
            cursor,
          );
          if ('items' in got) return walked(got);
        }
        const { rows, next } = await relevancePage(this.database.db, { ...filters, terms }, query.limit, cursor);
        return pageText(JSON.stringify(rows.map(summary)), next);
      }
      const rows = await searchListingIds(this.database.db, filters, sort, query.limit + 1, after);
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      const next = rows.length > query.limit && last ? { id: last.id, value: sortValue(sort, last) } : null;
      return pageText(roundedAverages(`[${page.map((r) => r.item).join(', ')}]`), next);
    });
  }

  private filtersOf(query: SearchQuery, scope: AccessScope, includeHidden: boolean) {
    return {
      template: query.template,
      category: query.category,
      region: query.region,
      architecture: query.architecture,
      owner: query.owner,
      verified: query.verified,
      minRating: query.min_rating,
      visible: { scope, includeHidden },
    };
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
}

const AVERAGES = new RegExp(`${AVERAGE_KEY}([^,}]+)`, 'g');

/**
 * Listings presented by the database (search-page.ts cardText, JSON text) but for the rating's
 * rounding: toSummary's, done in the text.
 */
export function roundedAverages(items: string): string {
  return items.replace(AVERAGES, (_, average: string) => `${AVERAGE_KEY}${round2(Number(average))}`);
}

/** A page's JSON text: its listings' (a JSON array) and the cursor of the next page. */
function pageText(items: string, next: SearchAfter | null): string {
  return `{"items":${items},"next_cursor":${next ? JSON.stringify(encodeCursor(next)) : 'null'}}`;
}

/** A walked page. */
function walked(got: Extract<WalkItems, { items: unknown }>): string {
  return pageText(roundedAverages(got.items), got.next);
}

/** A result row as the API shows it (its versions come with it: search-page.ts withVersions). */
function summary(row: PageRow): ListingSummary {
  return toSummary(row, {
    latest_version: row.latest_version,
    regions: [...row.regions].sort(),
    architectures: [...row.architectures].sort(),
  });
}

function sortValue(sort: SearchSort, row: CardRow): string | number {
  switch (sort) {
    case 'rating':
    case 'relevance':
      return Number(row.rating_avg);
    case 'downloads':
      return Number(row.download_count);
    case 'recent':
      return row.updated_at_key;
    default:
      return `${row.owner}/${row.name}`;
  }
}
