import type { AuditPage } from '@cws/shared';
import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export interface ListingAuditResult extends AuditPage {
  registry: string;
  listing: string;
}

export default class AmiAudit extends CwsCommand<ListingAuditResult> {
  static override summary = "Who did what to a listing, newest first: the listing's audit log";
  static override description =
    "Publishing, versions, deprecations and revocations, channels, visibility changes, ratings, hygiene risks accepted at publish ... Readable by the listing's owner and maintainers and by registry admins. Pages with --limit and --cursor (the next page's cursor is printed, and is next_cursor under --json).\n\nExit codes: 0 shown, 2 bad arguments, 4 no such listing, 7 not logged in or not allowed.";
  static override examples = [
    '<%= config.bin %> ami audit alice/ml-env',
    '<%= config.bin %> ami audit alice/ml-env --limit 100 --json',
    '<%= config.bin %> ami audit alice/ml-env --cursor eyJ2IjoxMn0',
  ];
  static override args = {
    ref: Args.string({ description: 'OWNER/NAME, or an image id (ami-...) of the listing', required: true }),
  };
  static override flags = {
    limit: Flags.integer({ description: 'at most this many entries', default: 20, min: 1, max: 100 }),
    cursor: Flags.string({ description: 'the next page (next_cursor of the previous one)' }),
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<ListingAuditResult> {
    const { args, flags } = await this.parse(AmiAudit);
    const { signedInClient, call } = await import('../../lib/admin.js');
    const { listingOf } = await import('../../lib/listings.js');
    const { entry, client } = await signedInClient(await this.context(), flags.registry);
    const page = await this.withSpinner(`Reading the audit log of ${args.ref}`, async () => {
      const { owner, name } = await listingOf(client, entry, args.ref);
      const p = await call(entry, `read the audit log of ${owner}/${name}`, () =>
        client.listingAudit(owner, name, { limit: flags.limit, ...(flags.cursor ? { cursor: flags.cursor } : {}) }),
      );
      return { registry: entry.name, listing: `${owner}/${name}`, ...p };
    });
    this.table(
      page.items,
      [
        { header: 'AT', get: (e) => e.at.replace('T', ' ').slice(0, 19) },
        { header: 'ACTOR', get: (e) => e.actor ?? '-' },
        { header: 'ACTION', get: (e) => e.action },
        { header: 'TARGET', get: (e) => e.target ?? '' },
        { header: 'DETAILS', get: (e) => detailText(e.details), maxWidth: 80 },
      ],
      `Nothing in the audit log of ${page.listing}${flags.cursor ? ' after that cursor' : ''}.`,
    );
    if (page.next_cursor) this.log(`More: cws ami audit ${page.listing} --cursor ${page.next_cursor}`);
    return page;
  }
}

function detailText(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}
