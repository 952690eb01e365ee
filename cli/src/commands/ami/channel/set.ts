import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../../base-command.js';
import type { ChannelChange } from '../../../lib/channels.js';

export default class AmiChannelSet extends CwsCommand<ChannelChange> {
  static override summary = 'Point a channel of a listing (stable, beta ...) at a version, creating it if needed';
  static override description =
    "A resolve or launch with --channel NAME (or a template's ami_config.channel) then takes that version. Allowed for the listing's owner and maintainers; a revoked version is refused; the listing's audit log keeps the change (cws ami audit).\n\nExit codes: 0 set, 2 bad arguments, 4 no such listing or version, 7 not logged in or not allowed.";
  static override examples = [
    '<%= config.bin %> ami channel set alice/ml-env stable 1.1.0',
    '<%= config.bin %> ami channel set alice/ml-env beta 1.2.0-rc1 --registry campus --json',
  ];
  static override args = {
    ref: Args.string({ description: 'OWNER/NAME, or an image id (ami-...) of the listing', required: true }),
    channel: Args.string({ description: 'the channel: 1-32 lowercase letters, digits or -', required: true }),
    version: Args.string({ description: 'the version it points at, e.g. 1.1.0', required: true }),
  };
  static override flags = {
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<ChannelChange> {
    const { args, flags } = await this.parse(AmiChannelSet);
    const { changeChannel } = await import('../../../lib/channels.js');
    const ctx = await this.context();
    const r = await this.withSpinner(`Pointing ${args.channel} of ${args.ref} at ${args.version}`, () =>
      changeChannel(ctx, args.ref, args.channel, args.version, flags.registry),
    );
    this.log(
      `${r.listing} channel ${r.channel} -> ${r.version} on ${r.registry}${r.previous && r.previous !== r.version ? ` (was ${r.previous})` : ''}`,
    );
    return r;
  }
}
