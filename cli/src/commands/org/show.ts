import type { OrgDetail } from '@cws/shared';
import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export default class OrgShow extends CwsCommand<OrgDetail> {
  static override summary = 'An organisation and its members with their roles';
  static override examples = ['<%= config.bin %> org show physics', '<%= config.bin %> org show physics --json'];
  static override args = { org: Args.string({ description: 'the organisation', required: true }) };
  static override flags = {
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<OrgDetail> {
    const { args, flags } = await this.parse(OrgShow);
    const { signedInClient, call } = await import('../../lib/admin.js');
    const { entry, client } = await signedInClient(await this.context(), flags.registry);
    const org = await call(entry, `show ${args.org}`, () => client.getOrg(args.org));
    this.log(
      `${org.name}${org.display_name ? ` (${org.display_name})` : ''}: ${org.members} members; your role: ${org.my_role ?? 'none'}`,
    );
    this.table(
      org.member_list,
      [
        { header: 'HANDLE', get: (m) => m.handle },
        { header: 'ROLE', get: (m) => m.role },
        { header: 'FROM', get: (m) => (m.source === 'saml' ? 'sign-in (SAML)' : 'admin') },
        { header: 'DISABLED', get: (m) => (m.disabled ? 'yes' : '') },
      ],
      'No members.',
    );
    return org;
  }
}
