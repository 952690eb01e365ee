import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';
import type { BuildCleanupResult, BuildResult } from '../../lib/build/build.js';
import type { BuildRecord } from '../../lib/state.js';

export type BuildOutput = BuildResult | BuildCleanupResult | { builds: BuildRecord[] };

export default class AmiBuild extends CwsCommand<BuildOutput> {
  static override summary = 'Build an image (AMI) from a template: setup script, validation tests, clean-up, image';
  static override description =
    `The base image is found as a script launch finds it (the template's base_image). A builder instance is launched with IMDSv2 and an instance profile (--instance-profile, CWS_INSTANCE_PROFILE or defaults.instance_profile in the config; default cws-ssm) and tagged cws:build=<id>; cws waits for its SSM agent and runs the setup script over SSM Run Command, printing its output (also saved to a log file in the state folder). Then the template's validation tests run, each with a time limit; a failing test makes no image and names the test with its output. The builder is cleaned for sharing (SSH keys, histories, credential files, host keys, cloud-init state), stopped and imaged; the image is copied to --copy-to-regions and recorded in the template's ami_config.ami_mappings (a built-in template is copied to your templates folder first).

The builder is terminated whatever happens, unless --keep-builder. Every build is recorded before anything is launched: an interrupted build is finished with --resume or removed with --cleanup (which terminates its builder and deregisters its images); --list shows them. Ctrl-C stops the build and terminates the builder.

Exit codes: 0 built (also partial copies), 2 bad arguments, 4 unknown template or build, 8 AWS failure, 9 the setup script or a validation test failed.`;
  static override examples = [
    '<%= config.bin %> ami build python-ml --region us-east-1 --copy-to-regions us-west-2,eu-west-1',
    '<%= config.bin %> ami build ./templates/r-research.yml --instance-type t3.large --instance-profile my-ssm-profile',
    '<%= config.bin %> ami build python-ml --keep-builder --json',
    '<%= config.bin %> ami build --resume build-20261201-101500-a1b2c3',
    '<%= config.bin %> ami build --cleanup build-20261201-101500-a1b2c3',
    '<%= config.bin %> ami build --list',
  ];
  static override args = {
    template: Args.string({
      description: 'template name or path; with --resume/--cleanup, a build id [default: the latest]',
    }),
  };
  static override flags = {
    region: Flags.string({ description: 'region to build in [default: AWS_REGION, the cws config, your AWS profile]' }),
    architecture: Flags.string({
      description: "x86_64 or arm64 [default: the template's preferred]",
      options: ['x86_64', 'arm64'],
    }),
    'copy-to-regions': Flags.string({
      description: 'comma-separated regions to copy the image to, e.g. us-west-2,eu-west-1',
    }),
    'instance-type': Flags.string({ description: 'builder instance type [default: t3.medium, t4g.medium for arm64]' }),
    'instance-profile': Flags.string({
      description: 'instance profile for the builder (its role needs AmazonSSMManagedInstanceCore)',
    }),
    'keep-builder': Flags.boolean({
      description:
        'keep the builder (stopped after imaging, or as it was when a step failed); remove it with --cleanup',
    }),
    'test-timeout': Flags.integer({
      description: 'seconds each validation test may take',
      default: 300,
      min: 1,
      max: 172800,
    }),
    'setup-timeout': Flags.integer({
      description: 'seconds the setup script may take [default: 3 x estimated_setup_time, or 1 h]',
      min: 1,
      max: 172800,
    }),
    resume: Flags.boolean({ description: 'finish an interrupted build' }),
    cleanup: Flags.boolean({ description: 'remove what a build left: its builder and images' }),
    list: Flags.boolean({ description: 'show the recorded builds' }),
  };

  async run(): Promise<BuildOutput> {
    const { args, flags } = await this.parse(AmiBuild);
    const lib = await import('../../lib/build/build.js');
    const { CwsError } = await import('../../lib/errors.js');
    const { progressReporter } = await import('../../ui/progress.js');
    const ctx = await this.context();
    if ([flags.resume, flags.cleanup, flags.list].filter(Boolean).length > 1) {
      throw new CwsError('--resume, --cleanup and --list exclude each other', { code: 'usage' });
    }
    if (flags.list) {
      const builds = await lib.listBuilds(ctx);
      this.table(builds, [
        { header: 'BUILD', get: (b) => b.id },
        { header: 'STATUS', get: (b) => b.status },
        { header: 'TEMPLATE', get: (b) => b.template },
        { header: 'REGION', get: (b) => b.region },
        {
          header: 'IMAGES',
          get: (b) =>
            Object.entries(b.images)
              .map(([r, i]) => `${r}:${i}`)
              .join(' '),
          maxWidth: 80,
        },
      ]);
      return { builds };
    }
    const spinner = this.spinner('Building');
    const progress = progressReporter(spinner, { json: this.jsonEnabled() });
    const hooks = {
      progress,
      tell: (t: string) => {
        spinner.stop();
        this.note(t);
      },
      output: (chunk: string) => {
        if (this.jsonEnabled()) return;
        spinner.stop();
        process.stderr.write(chunk);
      },
    };
    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    try {
      if (flags.cleanup) {
        const r = await lib.cleanupBuild(ctx, args.template, progress);
        spinner.stop();
        this.log(
          `Cleaned up ${r.build_id}: ${r.terminated.length} builder(s) terminated, ${r.deregistered.length ? r.deregistered.map((d) => `${d.image_id} (${d.region})`).join(', ') : 'no images'} deregistered.`,
        );
        return r;
      }
      let r: BuildResult;
      if (flags.resume) r = await lib.resumeBuild(ctx, args.template, hooks);
      else {
        if (!args.template) {
          throw new CwsError('ami build needs a TEMPLATE', {
            code: 'usage',
            suggestions: ['cws ami build python-ml'],
          });
        }
        r = await lib.build(
          ctx,
          {
            template: args.template,
            region: flags.region,
            architecture: flags.architecture as 'x86_64' | 'arm64' | undefined,
            copyToRegions: (flags['copy-to-regions'] ?? '')
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
            instanceType: flags['instance-type'],
            instanceProfile: flags['instance-profile'],
            keepBuilder: flags['keep-builder'] ?? false,
            testTimeoutSeconds: flags['test-timeout'],
            setupTimeoutSeconds: flags['setup-timeout'],
            signal: abort.signal,
          },
          hooks,
        );
      }
      spinner.stop();
      for (const w of r.warnings) this.warn(w);
      this.log(
        `${r.status === 'partial' ? 'Built, with failed copies' : 'Built'}: ${r.build_id} (${r.template}, ${r.architecture})`,
      );
      for (const t of r.tests) this.log(`  test ${t.passed ? 'passed' : 'FAILED'}: ${t.name}`);
      for (const [region, id] of Object.entries(r.images))
        this.log(`  ${region}  ${id}${r.copy_errors[region] ? '  (copy failed)' : ''}`);
      if (r.template_file) this.log(`  template: ${r.template_file}`);
      this.log(`  log: ${r.log_file}`);
      this.log(`  builder ${r.instance_id ?? '-'}: ${r.builder}`);
      return r;
    } finally {
      process.removeListener('SIGINT', onSigint);
      spinner.stop();
    }
  }
}
