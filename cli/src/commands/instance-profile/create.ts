import { Args } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';
import type { ProfileResult } from '../../lib/aws/iam-ops.js';

export default class InstanceProfileCreate extends CwsCommand<ProfileResult> {
  static override summary = 'Create the instance profile that build, test and hygiene-check instances use for SSM';
  static override description =
    `Makes (or repairs) in your account: an IAM role NAME that EC2 may assume, with the AWS-managed policy AmazonSSMManagedInstanceCore attached, and an instance profile NAME holding it. Steps already done are skipped. Needs iam:CreateRole, iam:AttachRolePolicy, iam:CreateInstanceProfile, iam:AddRoleToInstanceProfile (and the Get/List calls). cws ami build, ami test and the publish hygiene check use the profile named by --instance-profile, CWS_INSTANCE_PROFILE or defaults.instance_profile, else cws-ssm.

Exit codes: 0 the profile exists, 8 AWS refused.`;
  static override examples = [
    '<%= config.bin %> instance-profile create',
    '<%= config.bin %> instance-profile create lab-ssm --json',
  ];
  static override args = {
    name: Args.string({ description: 'name of the role and the profile', default: 'cws-ssm' }),
  };

  async run(): Promise<ProfileResult> {
    const { args } = await this.parse(InstanceProfileCreate);
    const { ensureSsmInstanceProfile } = await import('../../lib/aws/iam-ops.js');
    const { CwsError } = await import('../../lib/errors.js');
    if (!/^[\w+=,.@-]{1,64}$/.test(args.name)) {
      throw new CwsError(`"${args.name}" is not an IAM name: 1-64 letters, digits and + = , . @ _ -`, {
        code: 'usage',
      });
    }
    const r = await this.withSpinner(`Creating instance profile ${args.name}`, () =>
      ensureSsmInstanceProfile(args.name),
    );
    const made = Object.entries(r.created)
      .filter(([, v]) => v)
      .map(([k]) => k.replace('_', ' '));
    this.log(
      `Instance profile ${r.name} (${r.arn}) is ready${made.length ? `: ${made.join(', ')}` : ': nothing needed doing'}.`,
    );
    return r;
  }
}
