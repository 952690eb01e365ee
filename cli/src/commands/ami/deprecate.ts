import { Flags } from '@oclif/core';
import type { StatusChangeResult } from '../../lib/publish/status.js';
import { VersionStatusCommand } from '../version-status.js';

export default class AmiDeprecate extends VersionStatusCommand {
  static override summary = 'Deprecate a version: it resolves only when nothing active matches';
  static override description =
    'Whoever resolves or launches the image is warned. With --ec2 the images are deprecated in EC2 as well (EnableImageDeprecation, in your own account and every region of the version), so others no longer find them in searches; each region is reported.';
  static override examples = [
    '<%= config.bin %> ami deprecate alice/ml-env 1.0.0 --reason "use 1.1.0"',
    '<%= config.bin %> ami deprecate alice/ml-env 1.0.0 --reason "use 1.1.0" --ec2 --registry campus --json',
  ];
  static override args = { ...VersionStatusCommand.args };
  static override flags = {
    ...VersionStatusCommand.flags,
    reason: Flags.string({ description: 'why, shown to people who look at the version', required: false }),
    ec2: Flags.boolean({ description: 'also deprecate the images in EC2, in every region of the version' }),
  };
  protected readonly action = 'deprecate' as const;
  protected readonly final = false;
  protected readonly offered = ['deprecate' as const];

  async run(): Promise<StatusChangeResult> {
    const { args, flags } = await this.parse(AmiDeprecate);
    return this.change(args, flags, flags.ec2 ? ['deprecate'] : []);
  }
}
