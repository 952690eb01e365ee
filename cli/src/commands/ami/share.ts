import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export interface ShareResult {
  ami_id: string;
  region: string;
  accounts: string[];
  warnings: string[];
}

export default class AmiShare extends CwsCommand<ShareResult> {
  static override summary = 'Let other AWS accounts launch one of your images';
  static override description =
    'Grants launch permission (ModifyImageAttribute). The snapshots are shared too with --share-snapshots, so those accounts can also copy the image to other regions.';
  static override examples = [
    '<%= config.bin %> ami share ami-0123456789abcdef0 123456789012',
    '<%= config.bin %> ami share ami-0123456789abcdef0 123456789012 210987654321 --region us-west-2 --share-snapshots --json',
  ];
  static override strict = false;
  static override args = {
    ami: Args.string({ description: 'the image id (ami-...)', required: true }),
    accounts: Args.string({ description: 'one or more 12-digit AWS account ids', required: true }),
  };
  static override flags = {
    region: Flags.string({ description: 'the image region [default: AWS_REGION, the cws config]' }),
    'share-snapshots': Flags.boolean({
      description: 'also share the snapshots (needed to copy the image across regions)',
    }),
  };

  async run(): Promise<ShareResult> {
    const { argv, flags } = await this.parse(AmiShare);
    const { CwsError } = await import('../../lib/errors.js');
    const { makeLaunchable } = await import('../../lib/publish/launchable.js');
    const [ami, ...rest] = argv as string[];
    const accounts = rest
      .flatMap((a) => a.split(','))
      .map((a) => a.trim())
      .filter(Boolean);
    if (!ami || !/^ami-[0-9a-f]{8,17}$/.test(ami)) throw new CwsError(`"${ami}" is not an image id`, { code: 'usage' });
    const bad = accounts.filter((a) => !/^\d{12}$/.test(a));
    if (accounts.length === 0 || bad.length) {
      throw new CwsError(`give 12-digit AWS account ids${bad.length ? `, not ${bad.join(', ')}` : ''}`, {
        code: 'usage',
      });
    }
    const ctx = await this.context();
    const region = await ctx.region(flags.region);
    if (!region) throw new CwsError('no region: pass --region', { code: 'no_region' });
    const ec2 = await ctx.aws();
    const img = await ec2.describeImage(region, ami);
    if (!img) throw new CwsError(`${ami} is not in ${region}`, { code: 'image_not_found' });
    // Visible is not owned: an image shared with you (or public) can only be shared further by its owner.
    const own = await ec2.findOwnImages(region, [{ Name: 'image-id', Values: [ami] }]);
    if (own.length === 0) {
      throw new CwsError(
        `cannot share:\n  ${ami} in ${region}: owned by account ${img.owner_id || 'another account'}, not yours; only the owner can share it`,
        { code: 'not_owner', data: { owner_account: img.owner_id || null } },
      );
    }
    const spinner = this.spinner(`Sharing ${ami}`);
    try {
      const r = await makeLaunchable(
        ec2,
        [{ region, ami_id: ami, architecture: img.architecture }],
        img.owner_id === '' ? 'self' : img.owner_id,
        { public: false, accounts },
        {
          requireAudience: false,
          action: 'share',
          shareSnapshots: flags['share-snapshots'] ?? false,
          progress: (t) => spinner.update(t),
        },
      );
      spinner.stop();
      for (const w of r.warnings) this.warn(w);
      this.log(`${ami} (${region}) can now be launched by ${accounts.join(', ')}`);
      return { ami_id: ami, region, accounts, warnings: r.warnings };
    } finally {
      spinner.stop();
    }
  }
}
