import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export interface VisibilityResult {
  registry: string;
  listing: string;
  visibility: 'public' | 'unlisted' | 'org' | 'private';
}

export default class AmiVisibility extends CwsCommand<VisibilityResult> {
  static override summary = "Change who sees a listing: public, unlisted, org (the organisation's members) or private";
  static override description =
    "public: found by search; unlisted: by link, image id and resolve only; org: only the owning organisation's members see and resolve it (listings owned by an organisation); private: the owner, the publisher who created it and the organisation's admins. The owner, an organisation's admins, the publisher who created the listing and registry admins may change it; it takes effect at once.";
  static override examples = [
    '<%= config.bin %> ami visibility physics/lab-env org',
    '<%= config.bin %> ami visibility alice/ml-env private --registry campus --json',
  ];
  static override args = {
    ref: Args.string({ description: 'OWNER/NAME of the listing', required: true }),
    visibility: Args.string({
      description: 'the new visibility',
      required: true,
      options: ['public', 'unlisted', 'org', 'private'],
    }),
  };
  static override flags = {
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<VisibilityResult> {
    const { args, flags } = await this.parse(AmiVisibility);
    const { CwsError } = await import('../../lib/errors.js');
    const { parseRef } = await import('../../lib/listings.js');
    const ref = parseRef(args.ref);
    if (ref.kind !== 'listing') {
      throw new CwsError(`give the listing as OWNER/NAME, not ${args.ref}`, { code: 'usage' });
    }
    const { signedInClient, call } = await import('../../lib/admin.js');
    const { entry, client } = await signedInClient(await this.context(), flags.registry);
    const visibility = args.visibility as VisibilityResult['visibility'];
    const r = await call(entry, `change the visibility of ${ref.owner}/${ref.name}`, () =>
      client.call('setVisibility', { params: { owner: ref.owner, name: ref.name }, body: { visibility } }),
    );
    this.log(`${r.listing} is now ${r.visibility} on ${entry.name}`);
    return { registry: entry.name, listing: r.listing, visibility: r.visibility };
  }
}
