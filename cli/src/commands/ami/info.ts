import type { ListingDetail } from '@cws/shared';
import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export interface InfoResult {
  registry: string;
  listing: ListingDetail;
}

export default class AmiInfo extends CwsCommand<InfoResult> {
  static override summary =
    'Show a shared image: versions, regions, rating, reviews, downloads and launches, channels, verification and scan';
  static override description =
    'Downloads count distinct people (token, else address) resolving the listing, once a day each; launches count the launches cws launch reported, apart from downloads. A review marked "launched it" comes from someone whose proven AWS account launched the image.';
  static override examples = [
    '<%= config.bin %> ami info alice/python-ml',
    '<%= config.bin %> ami info ami-0123456789abcdef0 --registry community --json',
  ];
  static override args = {
    ref: Args.string({ description: 'OWNER/NAME, or an image id (ami-...)', required: true }),
  };
  static override flags = {
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<InfoResult> {
    const { args, flags } = await this.parse(AmiInfo);
    const { pickRegistry, clientFor, registryFailure } = await import('../../lib/registries.js');
    const { parseRef, listingForAmi, stars, plural } = await import('../../lib/listings.js');
    const { CwsError } = await import('../../lib/errors.js');
    const ref = parseRef(args.ref);
    const ctx = await this.context();
    const entry = pickRegistry(await ctx.config(), flags.registry ?? (await ctx.defaultRegistry()));
    const client = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs });
    const listing = await this.withSpinner(`Asking ${entry.name}`, async () => {
      const target = ref.kind === 'listing' ? ref : await listingForAmi(client, ref.ami_id);
      if (!target) {
        throw new CwsError(`no listing on ${entry.name} publishes ${args.ref}`, {
          code: 'not_found',
          suggestions: [
            'search by words instead: cws ami browse --query WORDS',
            'or try another registry: --registry NAME',
          ],
        });
      }
      return client.getListing(target.owner, target.name);
    }).catch((err) => {
      throw registryFailure(err, entry, `look up ${args.ref}`);
    });

    const l = listing;
    this.log(`${l.ref}  (${entry.name})`);
    this.log(`  ${l.description || '(no description)'}`);
    this.log(
      `  template ${l.template}, category ${l.category ?? '-'}, ${l.visibility}, ${l.verified ? 'verified' : 'not verified'}`,
    );
    if (l.scan_alert) {
      this.warn(
        `${l.ref}: ${l.scan_alert.message}: ${l.scan_alert.vulnerability_ids.join(', ')} (see: cws ami findings ${l.ref} --min-severity high)`,
      );
    }
    for (const v of l.versions) {
      const a = v.lineage.revoked_ancestor;
      if (a && v.status !== 'revoked') this.warn(`${l.ref}@${v.version} is ${a.message}`);
    }
    const launched = l.ratings.launched_count ? `, ${l.ratings.launched_count} by people who launched it` : '';
    this.log(`  rating ${stars(l.ratings.average, l.ratings.count)}${launched}`);
    this.log(`  ${plural(l.download_count, 'download')}, ${plural(l.launch_count, 'launch', 'launches')}`);
    const channels = Object.entries(l.channels);
    if (channels.length) this.log(`  channels: ${channels.map(([c, v]) => `${c} -> ${v}`).join(', ')}`);
    this.log('');
    this.table(l.versions, [
      { header: 'VERSION', get: (v) => v.version },
      { header: 'STATUS', get: (v) => v.status },
      { header: 'CREATED', get: (v) => v.created_at.slice(0, 10) },
      { header: 'DOWNLOADS', get: (v) => v.download_count },
      { header: 'LAUNCHES', get: (v) => v.launch_count },
      { header: 'REGIONS', get: (v) => v.regions.map((r) => `${r.region}/${r.architecture}`).join(', '), maxWidth: 60 },
    ]);
    const latest = l.versions[0];
    if (latest) {
      this.log('');
      this.table(latest.regions, [
        { header: 'REGION', get: (r) => r.region },
        { header: 'ARCH', get: (r) => r.architecture },
        { header: 'AMI', get: (r) => r.ami_id },
        { header: 'STATE', get: (r) => r.state },
        {
          header: 'VERIFICATION',
          get: (r) => (r.owner_checked ? r.verification.status : `${r.verification.status}, owner not checked`),
        },
        {
          header: 'SCAN',
          get: (r) =>
            r.scan
              ? `${r.scan.status}, highest ${r.scan.highest ?? 'none'} (C${r.scan.counts.critical} H${r.scan.counts.high})`
              : 'not scanned',
        },
      ]);
    }
    if (l.reviews.length) {
      this.log('');
      for (const rv of l.reviews.slice(0, 5))
        this.log(
          `  ${'*'.repeat(rv.rating).padEnd(5)} ${rv.user}${rv.launched ? ' (launched it)' : ''}: ${rv.review ?? ''}`,
        );
    }
    return { registry: entry.name, listing };
  }
}
