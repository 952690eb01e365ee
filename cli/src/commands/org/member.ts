import type { OrgMember } from '@cws/shared';
import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export interface OrgMemberResult {
  org: string;
  handle: string;
  role: OrgMember['role'] | null;
  removed: boolean;
}

export default class OrgMemberCmd extends CwsCommand<OrgMemberResult> {
  static override summary = "Add a member, change their role, or remove them (the organisation's admins)";
  static override description =
    'Roles: member (sees the organisation\'s "org" listings and resolves them), publisher (also publishes as the organisation: cws ami publish --org), admin (also manages members, sees private listings and the organisation\'s tokens and audit log). Changes take effect at once.';
  static override examples = [
    '<%= config.bin %> org member physics ben --role publisher',
    '<%= config.bin %> org member physics ben --remove',
    '<%= config.bin %> org member physics ben --role admin --json',
  ];
  static override args = {
    org: Args.string({ description: 'the organisation', required: true }),
    handle: Args.string({ description: 'the person', required: true }),
  };
  static override flags = {
    role: Flags.string({
      description: 'the role to give',
      options: ['member', 'publisher', 'admin'],
      exclusive: ['remove'],
    }),
    remove: Flags.boolean({ description: 'remove them from the organisation' }),
    yes: Flags.boolean({ description: 'do not ask before removing' }),
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<OrgMemberResult> {
    const { args, flags } = await this.parse(OrgMemberCmd);
    const { CwsError } = await import('../../lib/errors.js');
    if (!flags.role && !flags.remove) {
      throw new CwsError('give --role member|publisher|admin, or --remove', { code: 'usage' });
    }
    const { signedInClient, call } = await import('../../lib/admin.js');
    const { entry, client } = await signedInClient(await this.context(), flags.registry);
    if (flags.remove) {
      if (!flags.yes) {
        const { confirmOrStop } = await import('../../lib/admin.js');
        await confirmOrStop(
          this.jsonEnabled(),
          `Remove ${args.handle} from ${args.org} on ${entry.name}?`,
          `cws org member ${args.org} ${args.handle} --remove --yes`,
        );
      }
      await call(entry, `remove ${args.handle} from ${args.org}`, () => client.removeMember(args.org, args.handle));
      this.log(`Removed ${args.handle} from ${args.org}`);
      return { org: args.org, handle: args.handle, role: null, removed: true };
    }
    const m = await call(entry, `set ${args.handle}'s role in ${args.org}`, () =>
      client.setMember(args.org, args.handle, flags.role as OrgMember['role']),
    );
    this.log(`${m.handle} is now ${m.role} of ${args.org}`);
    return { org: args.org, handle: m.handle, role: m.role, removed: false };
  }
}
