import { Flags } from '@oclif/core';
import type { StatusChangeResult } from '../../lib/publish/status.js';
import { VersionStatusCommand } from '../version-status.js';

export default class AmiRevoke extends VersionStatusCommand {
  static override summary = 'Revoke a version for a reason: it never resolves again (final)';
  static override description =
    `Every cws asks its registries about the image it is about to use, whichever tier found it, so a revoked image is refused everywhere: template mappings, EC2 searches, caches. Images saved from its instances are flagged "built on a revoked image".

Asks first, showing what will happen (without a terminal, --yes is needed), and offers to retire the images in EC2 too, in your own account and every region of the version: --deprecate (EnableImageDeprecation: others no longer find them in searches), --unshare (removes every launch permission, public included), --disable (DisableImage: nobody can launch them). Each region's outcome is reported; if an EC2 step fails the exit code is 8 and running the command again retries the EC2 steps (the revocation is kept).`;
  static override examples = [
    '<%= config.bin %> ami revoke alice/ml-env 1.0.0 --reason "ships a vulnerable OpenSSL"',
    '<%= config.bin %> ami revoke alice/ml-env 1.0.0 --reason "credentials left in the image" --deprecate --unshare --yes',
    '<%= config.bin %> ami revoke ami-0123456789abcdef0 1.0.0 --reason "credentials left in the image" --registry campus --disable --yes --json',
  ];
  static override args = { ...VersionStatusCommand.args };
  static override flags = {
    ...VersionStatusCommand.flags,
    reason: Flags.string({ description: 'why, shown to people who look at the version', required: true }),
    yes: Flags.boolean({ description: 'do not ask (needed without a terminal)' }),
    deprecate: Flags.boolean({ description: 'also deprecate the images in EC2, in every region of the version' }),
    unshare: Flags.boolean({ description: 'also remove their launch permissions in EC2 (public and accounts)' }),
    disable: Flags.boolean({ description: 'also disable them in EC2: nobody can launch them, you included' }),
  };
  protected readonly action = 'revoke' as const;
  protected readonly final = true;
  protected readonly offered = ['unshare' as const, 'deprecate' as const, 'disable' as const];

  async run(): Promise<StatusChangeResult> {
    const { args, flags } = await this.parse(AmiRevoke);
    const steps = this.offered.filter((s) => flags[s]);
    return this.change(args, flags, steps);
  }
}
