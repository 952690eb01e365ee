import type { MirrorResult } from '@cws/shared';
import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export default class AdminMirror extends CwsCommand<MirrorResult> {
  static override summary = "Have the registry mirror another registry's public catalogue now (registry admin)";
  static override description =
    'Mirrored listings are marked with their origin; local listings and accounts are never overwritten (reported as conflicts); running it again changes nothing unless the other registry changed. CWS_REGISTRY_MIRROR_URL on the server does this on a schedule.';
  static override examples = [
    '<%= config.bin %> admin mirror https://registry.example.org --registry campus',
    '<%= config.bin %> admin mirror https://registry.example.org --json',
  ];
  static override args = { url: Args.string({ description: 'base URL of the registry to mirror', required: true }) };
  static override flags = {
    registry: Flags.string({
      description: 'which registry mirrors [default: CWS_REGISTRY, else the first by priority]',
    }),
  };

  async run(): Promise<MirrorResult> {
    const { args, flags } = await this.parse(AdminMirror);
    const { signedInClient, call } = await import('../../lib/admin.js');
    const { entry, client } = await signedInClient(await this.context(), flags.registry);
    const r = await this.withSpinner(`${entry.name} is mirroring ${args.url}`, () =>
      call(entry, `mirror ${args.url}`, () => client.mirror({ url: args.url })),
    );
    this.log(
      `${r.listings_created} listings and ${r.versions_created} versions new, ${r.listings_updated} updated, ${r.statuses_changed} status changes, ${r.unchanged} unchanged`,
    );
    for (const c of r.conflicts) this.warn(c);
    return r;
  }
}
