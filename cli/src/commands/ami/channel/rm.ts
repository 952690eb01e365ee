import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../../base-command.js';
import type { ChannelChange } from '../../../lib/channels.js';

export default class AmiChannelRm extends CwsCommand<ChannelChange> {
  static override summary = 'Remove a channel of a listing';
  static override description =
    "Resolves that ask for the channel find nothing in this listing afterwards. Allowed for the listing's owner and maintainers; the listing's audit log keeps it (cws ami audit).\n\nExit codes: 0 removed, 2 bad arguments, 4 no such listing or channel, 7 not logged in or not allowed.";
  static override examples = [
    '<%= config.bin %> ami channel rm alice/ml-env beta',
    '<%= config.bin %> ami channel rm alice/ml-env beta --registry campus --json',
  ];
  static override args = {
    ref: Args.string({ description: 'OWNER/NAME, or an image id (ami-...) of the listing', required: true }),
    channel: Args.string({ description: 'the channel to remove', required: true }),
  };
  static override flags = {
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<ChannelChange> {
    const { args, flags } = await this.parse(AmiChannelRm);
    const { changeChannel } = await import('../../../lib/channels.js');
    const ctx = await this.context();
    const r = await this.withSpinner(`Removing ${args.channel} of ${args.ref}`, () =>
      changeChannel(ctx, args.ref, args.channel, null, flags.registry),
    );
    this.log(`${r.listing} channel ${r.channel} (was ${r.previous}) removed on ${r.registry}`);
    return r;
  }
}
