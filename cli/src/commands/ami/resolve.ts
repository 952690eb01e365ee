import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';
import { scanPolicyFlags } from '../../lib/policy-flags.js';
import type { ResolveOutput } from '../../lib/resolve/types.js';

export default class AmiResolve extends CwsCommand<ResolveOutput> {
  static override summary = 'Find the image to launch for a template, walking the resolution tiers';
  static override description =
    `Tiers, in order: (1) the template's pinned ami_mappings; (2) each configured registry, in priority order; (3) an owner-pinned EC2 DescribeImages search in the region; (4) the same search in other regions, copied only with --allow-copy or the template's allow_cross_region_copy; (5) the base OS image with the setup script as user data.

Scan policy: --max-severity (or the template's ami_config.policy) with --severity-mode warn (the default: resolve and say what the scan found) or block (pass over images above it; images without a complete scan too, unless --allow-unscanned). Findings a registry maintainer accepted by an exception do not count until it expires. --explain lists the images a registry's policy passed over, and why.
With --channel (or ami_config.channel in the template) a registry answers only with the version that channel of a listing points at (see: cws ami channel). A resolve counts a download with the registry that answered (once per identity and listing a day); --explain does not.

A registry that is down, slow, failing or rate limited is skipped with a warning. Registry answers are cached; when the registry that gave an answer is unreachable, the cached answer is used and marked stale.

Whichever tier found the image, the configured registries are then asked about it (see: cws ami status): a revoked image is refused with the reason and the version to use instead, and the next tier is tried; a deprecated one, or one no registry could be asked about, is warned about. The setup script's base image is checked the same way. An image built on a revoked image (saved from an instance of one) is warned about, or refused like a revoked one with --revoked-lineage block.

Exit codes: 0 resolved, 2 bad flags, 3 invalid template, 4 unknown template, 5 no image and strategy ami_required, 8 AWS failure, 10 every image found was revoked and strategy ami_required.`;
  static override examples = [
    '<%= config.bin %> ami resolve python-ml --region us-east-1',
    '<%= config.bin %> ami resolve python-ml --region eu-west-1 --architecture arm64 --explain',
    '<%= config.bin %> ami resolve r-research --region us-west-2 --strategy ami_required --min-rating 4 --verified-only --max-severity medium --json',
    '<%= config.bin %> ami resolve python-ml --region us-east-1 --max-severity high --severity-mode block --allow-unscanned --explain',
    '<%= config.bin %> ami resolve ./my-template.yml --region us-east-2 --allow-copy',
    '<%= config.bin %> ami resolve python-ml --region us-east-1 --channel beta',
  ];
  static override args = {
    template: Args.string({
      description: 'a template name (see: cws templates) or a path to a YAML file',
      required: true,
    }),
  };
  static override flags = {
    region: Flags.string({ description: 'AWS region [default: AWS_REGION, the cws config, your AWS profile]' }),
    architecture: Flags.string({
      description: "CPU architecture [default: the template's preferred]",
      options: ['x86_64', 'arm64'],
    }),
    strategy: Flags.string({
      description:
        "ami_preferred falls back to the setup script; ami_required fails without an image; script_only always provisions from the script [default: the template's]",
      options: ['ami_preferred', 'ami_required', 'script_only'],
    }),
    'min-rating': Flags.string({ description: 'registry images must be rated at least this (0-5)' }),
    'verified-only': Flags.boolean({
      description: 'registry images must be verified (owner and launchability checked)',
    }),
    ...scanPolicyFlags,
    'allow-copy': Flags.boolean({
      description: 'copy an image found in another region into this one (CopyImage; billed to you)',
    }),
    channel: Flags.string({
      description:
        "registry images only from this channel of a listing (stable, beta ...) [default: the template's ami_config.channel]",
    }),
    explain: Flags.boolean({
      description: 'print every tier: what it found, or why it was skipped (a look: registries count no download)',
    }),
    cache: Flags.boolean({
      description: 'use cached registry answers (--no-cache asks the registries afresh and keeps nothing)',
      default: true,
      allowNo: true,
    }),
    'registry-timeout': Flags.string({
      description: "seconds to wait for each registry [default: CWS_REGISTRY_TIMEOUT, else the registry's own, else 2]",
    }),
  };

  async run(): Promise<ResolveOutput> {
    const { args, flags } = await this.parse(AmiResolve);
    const { resolveCommand } = await import('../../ui/resolve-command.js');
    return resolveCommand(this.io(), args.template, flags);
  }
}
