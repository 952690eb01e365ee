import type { ListingSummary } from '@cws/shared';
import { Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export interface BrowseResult {
  registry: string;
  items: ListingSummary[];
  next_cursor: string | null;
}

export default class AmiBrowse extends CwsCommand<BrowseResult> {
  static override summary = "Search a registry's shared images";
  static override examples = [
    '<%= config.bin %> ami browse --query "pytorch cuda"',
    '<%= config.bin %> ami browse --template python-ml --region us-east-1 --sort rating --limit 10',
    '<%= config.bin %> ami browse --category data-science --registry campus --json',
  ];
  static override flags = {
    query: Flags.string({ description: 'words to search for in names, descriptions and tags' }),
    template: Flags.string({ description: 'only images built for this template' }),
    category: Flags.string({ description: 'only this category' }),
    region: Flags.string({ description: 'only images available in this region' }),
    architecture: Flags.string({ description: 'only this architecture', options: ['x86_64', 'arm64'] }),
    'verified-only': Flags.boolean({ description: 'only verified images' }),
    'min-rating': Flags.string({ description: 'only images rated at least this (0-5)' }),
    sort: Flags.string({
      description: 'order of results',
      options: ['relevance', 'rating', 'downloads', 'recent', 'name'],
    }),
    limit: Flags.integer({ description: 'how many results (1-100)', min: 1, max: 100, default: 20 }),
    cursor: Flags.string({ description: 'continue after a previous page (its next_cursor)' }),
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<BrowseResult> {
    const { flags } = await this.parse(AmiBrowse);
    const { pickRegistry, clientFor, registryFailure } = await import('../../lib/registries.js');
    const { stars } = await import('../../lib/listings.js');
    const { parseRating, parseRegion } = await import('../../lib/flags.js');
    const minRating = parseRating(flags['min-rating'], '--min-rating');
    const region = parseRegion(flags.region);
    const ctx = await this.context();
    const entry = pickRegistry(await ctx.config(), flags.registry ?? (await ctx.defaultRegistry()));
    const client = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs });
    const page = await this.withSpinner(`Searching ${entry.name}`, () =>
      client.searchListings({
        q: flags.query,
        template: flags.template,
        category: flags.category,
        region,
        architecture: flags.architecture as 'x86_64' | 'arm64' | undefined,
        verified: flags['verified-only'] ? true : undefined,
        min_rating: minRating,
        sort: flags.sort as 'relevance' | undefined,
        limit: flags.limit,
        cursor: flags.cursor,
      }),
    ).catch((err) => {
      throw registryFailure(err, entry, `search ${entry.name}`);
    });
    this.table(
      page.items,
      [
        { header: 'REF', get: (l) => l.ref },
        { header: 'TEMPLATE', get: (l) => l.template },
        { header: 'RATING', get: (l) => stars(l.rating.average, l.rating.count) },
        { header: 'DOWNLOADS', get: (l) => l.download_count },
        { header: 'VERIFIED', get: (l) => (l.verified ? 'yes' : 'no') },
        { header: 'LATEST', get: (l) => l.latest_version ?? '-' },
        { header: 'REGIONS', get: (l) => l.regions.join(','), maxWidth: 30 },
        { header: 'DESCRIPTION', get: (l) => l.description, maxWidth: 50 },
      ],
      `No images on ${entry.name} match.`,
    );
    if (page.next_cursor) this.log(`More results: add --cursor ${page.next_cursor}`);
    return { registry: entry.name, items: page.items, next_cursor: page.next_cursor };
  }
}
