import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';
import type { TestImageResult } from '../../lib/remote/test-image.js';

export default class AmiTest extends CwsCommand<TestImageResult> {
  static override summary = "Launch an image, run its template's validation tests, terminate it";
  static override description =
    `TARGET is an image id (ami-..., with --region; the template comes from its cws:template tag or --template), a listing OWNER/NAME[@VERSION] on a registry (its template's tests, from your templates or the built-in ones), or a template (the image it resolves to through the tiers; a template with no image yet is an error: build one first).

A short-lived instance is launched with IMDSv2, the instance profile (--instance-profile, CWS_INSTANCE_PROFILE, default cws-ssm) and no key pair; once its SSM agent is online each validation test runs as its own command with --test-timeout. The instance is terminated whatever happens. With --report (a listing target, your own listing) the results are sent to the registry, which shows them as publisher-reported.

Exit codes: 0 every test passed, 2 bad arguments, 4 unknown image/listing/template, 5 no image for the template, 6 registry unusable, 7 not allowed to report, 8 AWS failure, 9 a test failed.`;
  static override examples = [
    '<%= config.bin %> ami test python-ml --region us-east-1',
    '<%= config.bin %> ami test ami-0123456789abcdef0 --region us-west-2 --template python-ml --json',
    '<%= config.bin %> ami test alice/ml-env@1.2.0 --region us-east-1 --report',
  ];
  static override args = {
    target: Args.string({ description: 'an image id, OWNER/NAME[@VERSION], or a template', required: true }),
  };
  static override flags = {
    region: Flags.string({ description: 'region to test in [default: AWS_REGION, the cws config, your AWS profile]' }),
    architecture: Flags.string({ description: 'x86_64 or arm64', options: ['x86_64', 'arm64'] }),
    template: Flags.string({ description: 'the template whose validation_tests to run' }),
    version: Flags.string({ description: 'the listing version [default: the newest active one]' }),
    registry: Flags.string({ description: 'which registry for OWNER/NAME [default: CWS_REGISTRY, else the first]' }),
    'instance-type': Flags.string({ description: 'instance type [default: t3.medium, t4g.medium for arm64]' }),
    'instance-profile': Flags.string({ description: 'instance profile (its role needs AmazonSSMManagedInstanceCore)' }),
    'test-timeout': Flags.integer({ description: 'seconds each test may take', default: 300, min: 1, max: 172800 }),
    report: Flags.boolean({ description: 'send the results to the registry (your own listing)' }),
  };

  async run(): Promise<TestImageResult> {
    const { args, flags } = await this.parse(AmiTest);
    const { testImage } = await import('../../lib/remote/test-image.js');
    const { progressReporter } = await import('../../ui/progress.js');
    const ctx = await this.context();
    const spinner = this.spinner(`Testing ${args.target}`);
    let r: TestImageResult;
    try {
      r = await testImage(
        ctx,
        {
          target: args.target,
          region: flags.region,
          architecture: flags.architecture as 'x86_64' | 'arm64' | undefined,
          template: flags.template,
          version: flags.version,
          registry: flags.registry,
          instanceType: flags['instance-type'],
          instanceProfile: flags['instance-profile'],
          testTimeoutSeconds: flags['test-timeout'],
          report: flags.report ?? false,
        },
        progressReporter(spinner, { json: this.jsonEnabled() }),
      );
    } finally {
      spinner.stop();
    }
    this.log(`${r.image_id} (${r.template}, ${r.region}): ${r.passed ? 'all tests passed' : 'tests FAILED'}`);
    for (const t of r.tests) {
      this.log(`  ${t.passed ? 'pass' : 'FAIL'}  ${t.name}${t.reason ? ` (${t.reason})` : ''}  ${t.seconds} s`);
      if (!t.passed && t.output)
        this.log(
          t.output
            .split('\n')
            .map((l) => `        ${l}`)
            .join('\n'),
        );
    }
    if (r.report) this.log(`  reported to ${r.listing?.registry} for ${r.listing?.ref}@${r.listing?.version}`);
    this.log(`  instance ${r.instance_id}: ${r.terminated}`);
    // The results are the output (--json too); a failed test still says so in the exit code.
    if (!r.passed) process.exitCode = 9;
    return r;
  }
}
