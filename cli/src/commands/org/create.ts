import type { OrgDetail } from '@cws/shared';
import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export default class OrgCreate extends CwsCommand<OrgDetail> {
  static override summary = 'Create an organisation (registry admin); its name is the OWNER in ORG/NAME listings';
  static override examples = [
    '<%= config.bin %> org create physics --display-name "Physics Department" --admin ada',
    '<%= config.bin %> org create physics --admin ada --admin ben --json',
  ];
  static override args = {
    org: Args.string({ description: 'the name (lowercase letters, digits, hyphens)', required: true }),
  };
  static override flags = {
    'display-name': Flags.string({ description: 'a longer name shown to people' }),
    admin: Flags.string({ description: 'a first admin (repeatable)', multiple: true }),
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<OrgDetail> {
    const { args, flags } = await this.parse(OrgCreate);
    const { signedInClient, call } = await import('../../lib/admin.js');
    const { entry, client } = await signedInClient(await this.context(), flags.registry);
    const org = await call(entry, `create ${args.org}`, () =>
      client.createOrg({
        name: args.org,
        ...(flags['display-name'] ? { display_name: flags['display-name'] } : {}),
        admins: flags.admin ?? [],
      }),
    );
    this.log(
      `Created ${org.name} on ${entry.name}${org.member_list.length ? ` with admins ${org.member_list.map((m) => m.handle).join(', ')}` : ''}`,
    );
    return org;
  }
}
