import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export default class AmiAcknowledge extends CwsCommand<{ registry: string; listing: string; acknowledged: boolean }> {
  static override summary = 'Acknowledge the "new critical finding" mark a rescan put on your listing';
  static override description =
    'The mark stays until you acknowledge it or publish a new version. See the findings first: cws ami findings REF --min-severity high. Audit-logged.';
  static override examples = ['<%= config.bin %> ami acknowledge alice/python-ml'];
  static override args = { ref: Args.string({ description: 'OWNER/NAME', required: true }) };
  static override flags = {
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<{ registry: string; listing: string; acknowledged: boolean }> {
    const { args, flags } = await this.parse(AmiAcknowledge);
    const { pickRegistry, clientFor, registryFailure } = await import('../../lib/registries.js');
    const { parseRef } = await import('../../lib/listings.js');
    const { CwsError } = await import('../../lib/errors.js');
    const ref = parseRef(args.ref);
    if (ref.kind !== 'listing') throw new CwsError('give the listing as OWNER/NAME', { code: 'bad_request' });
    const ctx = await this.context();
    const entry = pickRegistry(await ctx.config(), flags.registry ?? (await ctx.defaultRegistry()));
    const client = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs });
    await this.withSpinner(`Asking ${entry.name}`, () => client.acknowledgeScanAlert(ref.owner, ref.name)).catch(
      (err) => {
        throw registryFailure(err, entry, `acknowledge the findings of ${args.ref}`);
      },
    );
    this.log(`Acknowledged: ${ref.owner}/${ref.name} is no longer marked`);
    return { registry: entry.name, listing: `${ref.owner}/${ref.name}`, acknowledged: true };
  }
}
