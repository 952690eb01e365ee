import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../../base-command.js';
import type { ChannelList } from '../../../lib/channels.js';

export default class AmiChannelList extends CwsCommand<ChannelList> {
  static override summary = 'The channels of a listing (stable, beta ...) and the version each points at';
  static override description =
    "cws ami resolve --channel NAME, cws launch --channel NAME and a template's ami_config.channel take only the version a channel points at.";
  static override examples = [
    '<%= config.bin %> ami channel list alice/ml-env',
    '<%= config.bin %> ami channel list alice/ml-env --registry campus --json',
  ];
  static override args = {
    ref: Args.string({ description: 'OWNER/NAME, or an image id (ami-...) of the listing', required: true }),
  };
  static override flags = {
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<ChannelList> {
    const { args, flags } = await this.parse(AmiChannelList);
    const { listChannels } = await import('../../../lib/channels.js');
    const ctx = await this.context();
    const r = await this.withSpinner(`Asking for the channels of ${args.ref}`, () =>
      listChannels(ctx, args.ref, flags.registry),
    );
    this.table(
      r.channels,
      [
        { header: 'CHANNEL', get: (c) => c.channel },
        { header: 'VERSION', get: (c) => c.version },
      ],
      `${r.listing} has no channels on ${r.registry}; add one: cws ami channel set ${r.listing} stable VERSION`,
    );
    return r;
  }
}
