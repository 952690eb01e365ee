import type { RatingResult } from '@cws/shared';
import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export interface RateResult extends RatingResult {
  registry: string;
}

export default class AmiRate extends CwsCommand<RateResult> {
  static override summary = 'Rate a shared image from 1 to 5 stars, with an optional review';
  static override description = 'One rating per person and image: rating again replaces your earlier rating.';
  static override examples = [
    '<%= config.bin %> ami rate alice/python-ml 5 --review "Jupyter up in 40 seconds"',
    '<%= config.bin %> ami rate ami-0123456789abcdef0 4 --registry community --json',
  ];
  static override args = {
    ref: Args.string({ description: 'OWNER/NAME, or an image id (ami-...)', required: true }),
    stars: Args.string({ description: 'a whole number from 1 to 5', required: true }),
  };
  static override flags = {
    review: Flags.string({
      description:
        'a few words for other researchers (up to 5000 characters); without it a review you wrote before stays, --review "" removes it',
    }),
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<RateResult> {
    const { args, flags } = await this.parse(AmiRate);
    const { pickRegistry, clientFor, registryFailure, loginSuggestions } = await import('../../lib/registries.js');
    const { parseRef, plural } = await import('../../lib/listings.js');
    const { CwsError } = await import('../../lib/errors.js');
    const rating = Number(args.stars);
    if (!/^[1-5]$/.test(args.stars.trim()) || !Number.isInteger(rating)) {
      throw new CwsError(`STARS must be a whole number from 1 to 5, not "${args.stars}"`, {
        code: 'usage',
      });
    }
    if (flags.review !== undefined && flags.review.length > 5000) {
      throw new CwsError('--review is at most 5000 characters', { code: 'usage' });
    }
    const ref = parseRef(args.ref);
    const ctx = await this.context();
    const entry = pickRegistry(await ctx.config(), flags.registry ?? (await ctx.defaultRegistry()));
    if (!entry.token) {
      throw new CwsError(`rating needs a login: no token is stored for ${entry.name}`, {
        code: 'unauthorized',
        suggestions: loginSuggestions(entry),
      });
    }
    const client = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs });
    const body = { rating, ...(flags.review === undefined ? {} : { review: flags.review }) };
    const result = await this.withSpinner(`Rating on ${entry.name}`, () =>
      ref.kind === 'listing'
        ? client.rateListing(ref.owner, ref.name, body)
        : client.rateCommunityAmi(ref.ami_id, body),
    ).catch((err) => {
      throw registryFailure(err, entry, `rate ${args.ref}`);
    });
    this.log(
      `Rated ${result.listing} ${result.rating}/5 on ${entry.name}; it now averages ${result.summary.average.toFixed(2)} from ${plural(result.summary.count, 'rating')}.`,
    );
    if (result.launched) this.log('  marked "launched it": your proven AWS account launched this image');
    return { registry: entry.name, ...result };
  }
}
