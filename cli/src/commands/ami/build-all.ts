import { Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';
import type { BuildAllResult } from '../../lib/build/build-all.js';

export default class AmiBuildAll extends CwsCommand<BuildAllResult> {
  static override summary = 'Build an image from each of your templates, one after another, with a summary';
  static override description =
    `Runs cws ami build for every template in your templates folder (or those in --templates), one at a time; a failing template does not stop the others. Templates without a setup script or validation tests are skipped. Each build is recorded as with ami build (--resume and --cleanup work on it).

Exit codes: 0 every template built, 2 bad flags, 4 unknown template, otherwise the exit code of the first failed build (8 AWS, 9 setup script or validation test).`;
  static override examples = [
    '<%= config.bin %> ami build-all --region us-east-1',
    '<%= config.bin %> ami build-all --templates gpu-lab,r-course --copy-to-regions us-west-2 --json',
  ];
  static override flags = {
    templates: Flags.string({ description: 'comma-separated template names [default: all of yours]' }),
    region: Flags.string({ description: 'region to build in [default: AWS_REGION, the cws config, your AWS profile]' }),
    'copy-to-regions': Flags.string({ description: 'comma-separated regions to copy each image to' }),
    'instance-type': Flags.string({ description: 'builder instance type [default: t3.medium, t4g.medium for arm64]' }),
    'instance-profile': Flags.string({ description: 'instance profile for the builders [default: cws-ssm]' }),
    'test-timeout': Flags.integer({
      description: 'seconds each validation test may take',
      default: 300,
      min: 1,
      max: 172800,
    }),
  };

  async run(): Promise<BuildAllResult> {
    const { flags } = await this.parse(AmiBuildAll);
    const { buildAll } = await import('../../lib/build/build-all.js');
    const { progressReporter } = await import('../../ui/progress.js');
    const ctx = await this.context();
    const list = (s: string | undefined) =>
      (s ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    const spinner = this.spinner('Building');
    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    let r: BuildAllResult;
    try {
      r = await buildAll(
        ctx,
        {
          templates: list(flags.templates),
          region: flags.region,
          copyToRegions: list(flags['copy-to-regions']),
          instanceType: flags['instance-type'],
          instanceProfile: flags['instance-profile'],
          keepBuilder: false,
          testTimeoutSeconds: flags['test-timeout'],
          signal: abort.signal,
        },
        {
          progress: progressReporter(spinner, { json: this.jsonEnabled() }),
          tell: (t) => {
            spinner.stop();
            this.note(t);
          },
          output: () => {},
        },
      );
    } finally {
      process.removeListener('SIGINT', onSigint);
      spinner.stop();
    }
    this.table(r.results, [
      { header: 'TEMPLATE', get: (x) => x.template },
      { header: 'STATUS', get: (x) => x.status },
      { header: 'IMAGE', get: (x) => x.image_id ?? '-' },
      { header: 'TIME', get: (x) => `${x.seconds} s` },
      { header: 'BUILD / ERROR', get: (x) => x.error ?? x.build_id ?? '', maxWidth: 70 },
    ]);
    this.log(`${r.built} built, ${r.failed} failed, ${r.results.length - r.built - r.failed} skipped.`);
    const firstFailure = r.results.find((x) => x.status === 'failed');
    if (firstFailure) process.exitCode = firstFailure.exit || 1;
    return r;
  }
}
