/**
 * A listing as a search page shows it (migration 2026120390), as JSON text around the counters:
 * `head` is the summary object from `{` to `verified` (no closing brace), `tail` from
 * `latest_version` to the closing brace. Kept equal to the view `listing_cards_source` by
 * triggers. Read only by the relevance walk's page (db/queries/search-walk.ts).
 */
export interface ListingCardsTable {
  image_id: number;
  head: string;
  tail: string;
}
