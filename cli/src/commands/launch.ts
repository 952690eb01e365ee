import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../base-command.js';
import type { LaunchResult } from '../lib/instances/launch.js';
import { scanPolicyFlags, scanPolicyOf } from '../lib/policy-flags.js';

export default class Launch extends CwsCommand<LaunchResult> {
  static override summary = 'Launch a workstation from a template, with the image the resolution tiers pick';
  static override description =
    `Resolves TEMPLATE like "cws ami resolve" (pinned mapping, registries, your images, other regions, then the base image with the setup script as user data), runs one instance tagged cws:name, cws:template and cws:ami-source, waits until it is running and records it (see: cws list). Once the instance runs, the launch is reported to the registry the image came from (POST /api/v1/launches; counted once per identity, version and day, apart from downloads), with the AWS account it runs in when you are logged in to that registry: if you proved that account (cws login --aws), your rating of the listing shows "launched it". A report that fails only warns.

TEMPLATE may also be a registry listing, OWNER/NAME: cws launches that listing's own image, never another publisher's. It asks only the registry that serves the listing, with listing=OWNER/NAME (your policy flags still apply there), and skips the tiers that could find someone else's image (the template's ami_mappings, other registries, EC2 search, cross-region copy, the setup script), each with a line in the chain; when the listing has no usable image (revoked, none in that region or architecture, refused by your policy, not on the channel) the launch fails and says why (exit 5, or 10 if revoked). When you do not have the template, cws shows what it runs (packages, setup script) and asks to save it into your templates folder first, as "cws template fetch OWNER/NAME" does (--yes saves it without asking; without a terminal, --yes is needed).

--channel takes registry images only from that channel of a listing (stable, beta ...; default: the template's ami_config.channel).

--dry-run asks EC2 whether the launch would be allowed (RunInstances DryRun) and starts nothing; registries count neither a download nor a launch.

Exit codes: 0 running (or dry run passed), 2 bad flags or name taken, 4 unknown template, 5 no image and strategy ami_required, 8 AWS failure, 10 every image found was revoked and strategy ami_required.`;
  static override examples = [
    '<%= config.bin %> launch python-ml my-research',
    '<%= config.bin %> launch python-ml gpu-box --region us-west-2 --instance-type g5.xlarge --key-pair my-key',
    '<%= config.bin %> launch r-research stats --architecture arm64 --subnet subnet-0abc1234 --dry-run',
    '<%= config.bin %> launch my-custom-ml-env new-project --json',
    '<%= config.bin %> launch python-ml safe-box --max-severity high --severity-mode block',
    '<%= config.bin %> launch genomics-core/nextflow-nfcore pipelines --yes',
    '<%= config.bin %> launch python-ml beta-test --channel beta',
  ];
  static override args = {
    template: Args.string({
      description: 'a template name (see: cws templates), a YAML file, or a registry listing OWNER/NAME',
      required: true,
    }),
    name: Args.string({ description: 'a name for the instance (letters, digits, . _ -)', required: true }),
  };
  static override flags = {
    region: Flags.string({ description: 'AWS region [default: AWS_REGION, the cws config, your AWS profile]' }),
    'instance-type': Flags.string({ description: 'EC2 instance type [default: t3.medium, or t4g.medium on arm64]' }),
    architecture: Flags.string({
      description: "CPU architecture [default: the template's preferred]",
      options: ['x86_64', 'arm64'],
    }),
    subnet: Flags.string({ description: 'subnet id to launch into [default: your default VPC]' }),
    'key-pair': Flags.string({ description: 'EC2 key pair name for SSH' }),
    channel: Flags.string({
      description: "registry images only from this channel of a listing [default: the template's ami_config.channel]",
    }),
    'dry-run': Flags.boolean({ description: 'ask EC2 whether the launch would succeed; start nothing' }),
    yes: Flags.boolean({ description: "OWNER/NAME: save the listing's template without asking, if you lack it" }),
    ...scanPolicyFlags,
  };

  async run(): Promise<LaunchResult> {
    const { args, flags } = await this.parse(Launch);
    const { launch } = await import('../lib/instances/launch.js');
    const ctx = await this.context();
    const { template, listing } = await this.#templateOf(args.template, flags.yes ?? false);
    const spinner = this.spinner(`Launching ${args.name}`);
    let r: LaunchResult;
    try {
      r = await launch(
        ctx,
        template,
        args.name,
        {
          region: flags.region,
          instanceType: flags['instance-type'],
          architecture: flags.architecture as LaunchResult['architecture'] as 'x86_64' | 'arm64' | undefined,
          subnet: flags.subnet,
          keyPair: flags['key-pair'],
          channel: flags.channel,
          dryRun: flags['dry-run'] ?? false,
          listing,
          policy: scanPolicyOf(flags),
        },
        (t) => spinner.update(t),
      );
    } finally {
      spinner.stop();
    }
    for (const w of r.warnings) this.warn(w);
    const via = `${r.ami_id} via ${r.resolution_method} (${r.ami_source})`;
    if (r.dry_run) {
      this.log(`Dry run: would launch ${r.name} from ${r.template} in ${r.region}: ${r.instance_type}, ${via}`);
      if (r.user_data_bytes) this.log(`  user data: the setup script, ${r.user_data_bytes} bytes`);
      this.log(
        `  tags: ${Object.entries(r.tags)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}`,
      );
      this.log(`  EC2: ${r.dry_run_result?.ok ? 'allowed' : `refused: ${r.dry_run_result?.message}`}`);
      return r;
    }
    this.log(`Launched ${r.name} (${r.instance_id}): ${r.state} in ${r.region}, ${r.instance_type}, ${via}`);
    const rep = r.launch_report;
    if (rep)
      this.log(
        `  reported to ${rep.registry}: ${rep.counted ? 'counted as a launch' : 'already counted today'} of ${rep.listing}@${rep.version} (${rep.launch_count} in all)${rep.proven_account ? ', from your proven AWS account' : ''}`,
      );
    if (r.user_data_bytes) this.log('  provisioning from the setup script; it runs on first boot');
    return r;
  }

  /** A listing OWNER/NAME stands for its template: the user's own of that name, else the registry's (asked first). */
  async #templateOf(
    arg: string,
    yes: boolean,
  ): Promise<{ template: string; listing?: { ref: string; registry: string } | undefined }> {
    const { listingRefArg, findListingTemplate } = await import('../lib/templates/fetch.js');
    if (!listingRefArg(arg)) return { template: arg };
    const { findTemplate } = await import('../lib/templates/catalog.js');
    const { CwsError } = await import('../lib/errors.js');
    const ctx = await this.context();
    const remote = await this.withSpinner(`Asking for the template of ${arg}`, () => findListingTemplate(ctx, arg));
    const local = await findTemplate(remote.name, ctx.paths.templatesDir).catch((err) => {
      if (err instanceof CwsError && err.code === 'template_not_found') return null;
      throw err;
    });
    if (local) {
      this.note(`${arg} is for template ${remote.name}; using yours (${local.file})`);
    } else {
      const { offerTemplate } = await import('../ui/offer-template.js');
      this.note(`${arg} is for template ${remote.name}, which you do not have yet:`);
      const saved = await offerTemplate(ctx, remote, {
        yes,
        force: false,
        json: this.jsonEnabled(),
        log: (line) => this.note(line),
      });
      this.note(`Saved template ${remote.name} as ${saved.file}.`);
    }
    // The launch takes only this listing's image, from the registry that has it (never another publisher's).
    return { template: remote.name, listing: { ref: remote.listing, registry: remote.registry } };
  }
}
