import type { ListingSummary } from '@cws/shared';
import { Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export interface ListResult {
  registry: string;
  /** Set with --mine: the handle the token belongs to. */
  owner: string | null;
  items: ListingSummary[];
  next_cursor: string | null;
}

export default class AmiList extends CwsCommand<ListResult> {
  static override summary = 'List shared images: yours (--mine), or those for a template, category or region';
  static override examples = [
    '<%= config.bin %> ami list --mine',
    '<%= config.bin %> ami list --template python-ml --region us-east-1',
    '<%= config.bin %> ami list --mine --registry campus --json',
  ];
  static override flags = {
    mine: Flags.boolean({ description: 'only images you published (needs cws login)' }),
    template: Flags.string({ description: 'only images built for this template' }),
    category: Flags.string({ description: 'only this category' }),
    region: Flags.string({ description: 'only images available in this region' }),
    limit: Flags.integer({ description: 'how many (1-100)', min: 1, max: 100, default: 50 }),
    cursor: Flags.string({ description: 'continue after a previous page (its next_cursor)' }),
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<ListResult> {
    const { flags } = await this.parse(AmiList);
    const { pickRegistry, clientFor, registryFailure, loginSuggestions } = await import('../../lib/registries.js');
    const { stars } = await import('../../lib/listings.js');
    const { CwsError } = await import('../../lib/errors.js');
    const ctx = await this.context();
    const entry = pickRegistry(await ctx.config(), flags.registry ?? (await ctx.defaultRegistry()));
    if (flags.mine && !entry.token) {
      throw new CwsError(`--mine needs a login: no token is stored for ${entry.name}`, {
        code: 'unauthorized',
        suggestions: loginSuggestions(entry),
      });
    }
    const client = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs });
    const { owner, page } = await this.withSpinner(`Listing on ${entry.name}`, async () => {
      const owner = flags.mine ? (await client.me()).handle : null;
      const page = await client.searchListings({
        owner: owner ?? undefined,
        template: flags.template,
        category: flags.category,
        region: flags.region,
        sort: owner ? 'recent' : 'rating',
        limit: flags.limit,
        cursor: flags.cursor,
      });
      return { owner, page };
    }).catch((err) => {
      throw registryFailure(err, entry, `list images on ${entry.name}`);
    });
    this.table(
      page.items,
      [
        { header: 'REF', get: (l) => l.ref },
        { header: 'TEMPLATE', get: (l) => l.template },
        { header: 'VISIBILITY', get: (l) => l.visibility },
        { header: 'LATEST', get: (l) => l.latest_version ?? '-' },
        { header: 'RATING', get: (l) => stars(l.rating.average, l.rating.count) },
        { header: 'DOWNLOADS', get: (l) => l.download_count },
        { header: 'REGIONS', get: (l) => l.regions.join(','), maxWidth: 40 },
      ],
      owner ? `You (${owner}) have not published images on ${entry.name} yet.` : `No images on ${entry.name} match.`,
    );
    if (page.next_cursor) this.log(`More: add --cursor ${page.next_cursor}`);
    return { registry: entry.name, owner, items: page.items, next_cursor: page.next_cursor };
  }
}
