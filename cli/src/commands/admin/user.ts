import type { AdminUser } from '@cws/shared';
import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export default class AdminUser_ extends CwsCommand<AdminUser> {
  static override summary = "Change a user's registry role, or disable or enable them (registry admin)";
  static override description =
    "Disabling takes effect at once: every token of theirs (organisation-limited ones too) and every browser session stops working. Roles: user, maintainer (may deprecate, revoke and version anyone's listing), admin.";
  static override examples = [
    '<%= config.bin %> admin user bob --role maintainer',
    '<%= config.bin %> admin user bob --disable --yes',
    '<%= config.bin %> admin user bob --enable --json',
  ];
  static override args = { handle: Args.string({ description: 'the person', required: true }) };
  static override flags = {
    role: Flags.string({ description: 'the registry role', options: ['user', 'maintainer', 'admin'] }),
    disable: Flags.boolean({ description: 'disable them now', exclusive: ['enable'] }),
    enable: Flags.boolean({ description: 'enable them again' }),
    yes: Flags.boolean({ description: 'do not ask before disabling' }),
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<AdminUser> {
    const { args, flags } = await this.parse(AdminUser_);
    const { CwsError } = await import('../../lib/errors.js');
    if (!flags.role && !flags.disable && !flags.enable) {
      throw new CwsError('give --role, --disable or --enable', { code: 'usage' });
    }
    const { signedInClient, call } = await import('../../lib/admin.js');
    const { entry, client } = await signedInClient(await this.context(), flags.registry);
    if (flags.disable && !flags.yes) {
      const { confirmOrStop } = await import('../../lib/admin.js');
      await confirmOrStop(
        this.jsonEnabled(),
        `Disable ${args.handle} on ${entry.name} now?`,
        `cws admin user ${args.handle} --disable --yes`,
      );
    }
    const user = await call(entry, `change ${args.handle}`, () =>
      client.updateUser(args.handle, {
        ...(flags.role ? { role: flags.role as AdminUser['role'] } : {}),
        ...(flags.disable ? { disabled: true } : flags.enable ? { disabled: false } : {}),
      }),
    );
    this.log(`${user.handle}: ${user.role}${user.disabled_at ? `, disabled since ${user.disabled_at}` : ', active'}`);
    return user;
  }
}
