import type { OrgInfo } from '@cws/shared';
import { Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export default class OrgList extends CwsCommand<OrgInfo[]> {
  static override summary = 'Organisations you belong to on a registry, with your role (registry admins see all)';
  static override examples = ['<%= config.bin %> org list', '<%= config.bin %> org list --registry campus --json'];
  static override flags = {
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<OrgInfo[]> {
    const { flags } = await this.parse(OrgList);
    const { signedInClient, call } = await import('../../lib/admin.js');
    const { entry, client } = await signedInClient(await this.context(), flags.registry);
    const orgs = await call(entry, 'list organisations', () => client.listOrgs());
    this.table(
      orgs,
      [
        { header: 'NAME', get: (o) => o.name },
        { header: 'DISPLAY NAME', get: (o) => o.display_name ?? '' },
        { header: 'MEMBERS', get: (o) => o.members },
        { header: 'YOUR ROLE', get: (o) => o.my_role ?? '-' },
      ],
      `You belong to no organisation on ${entry.name}.`,
    );
    return orgs;
  }
}
