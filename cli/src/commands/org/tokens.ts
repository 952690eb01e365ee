import type { OrgToken } from '@cws/shared';
import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export default class OrgTokens extends CwsCommand<OrgToken[]> {
  static override summary =
    "Tokens limited to an organisation, with their owners (the organisation's admins; never the values)";
  static override examples = ['<%= config.bin %> org tokens physics', '<%= config.bin %> org tokens physics --json'];
  static override args = { org: Args.string({ description: 'the organisation', required: true }) };
  static override flags = {
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<OrgToken[]> {
    const { args, flags } = await this.parse(OrgTokens);
    const { signedInClient, call } = await import('../../lib/admin.js');
    const { entry, client } = await signedInClient(await this.context(), flags.registry);
    const tokens = await call(entry, `list ${args.org}'s tokens`, () => client.orgTokens(args.org));
    this.table(
      tokens,
      [
        { header: 'ID', get: (t) => t.id },
        { header: 'OWNER', get: (t) => t.owner },
        { header: 'NAME', get: (t) => t.name },
        { header: 'PREFIX', get: (t) => t.prefix },
        { header: 'SCOPES', get: (t) => t.scopes.join(',') },
        {
          header: 'STATE',
          get: (t) =>
            t.revoked_at ? 'revoked' : t.expires_at && new Date(t.expires_at) < new Date() ? 'expired' : 'live',
        },
      ],
      `No tokens are limited to ${args.org}.`,
    );
    return tokens;
  }
}
