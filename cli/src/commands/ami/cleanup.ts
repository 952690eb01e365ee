import { Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';
import type { CleanupResult } from '../../lib/build/cleanup.js';

export default class AmiCleanup extends CwsCommand<CleanupResult> {
  static override summary = 'Deregister older images cws built or saved, keeping the newest N per template';
  static override description =
    `Looks at your images in the region that cws made (tagged cws:build or cws:save-id), grouped by their cws:template tag, disabled ones (DisableImage) included: they keep their snapshots until deregistered. The newest --keep-latest of each template stay; of the others, any image that one of your registries lists in an active or deprecated version, or that an instance (running or stopped) uses, is kept and the reason shown. If a registry cannot be asked, nothing it might list is deleted. The rest are deregistered and their snapshots deleted, after you confirm (without a terminal, --yes is needed). --dry-run only shows the plan.

Exit codes: 0 done (or dry run), 2 bad flags or not confirmed, 8 AWS failure.`;
  static override examples = [
    '<%= config.bin %> ami cleanup --keep-latest 3 --dry-run',
    '<%= config.bin %> ami cleanup --template python-ml --keep-latest 2 --region us-west-2',
    '<%= config.bin %> ami cleanup --keep-latest 1 --yes --json',
  ];
  static override flags = {
    template: Flags.string({ description: 'only images of this template (its cws:template tag)' }),
    'keep-latest': Flags.integer({
      description: 'how many of the newest images of each template to keep',
      required: true,
      min: 0,
      max: 1000,
    }),
    region: Flags.string({ description: 'region [default: AWS_REGION, the cws config, your AWS profile]' }),
    'dry-run': Flags.boolean({ description: 'show what would be deregistered; change nothing' }),
    yes: Flags.boolean({ description: 'do not ask' }),
  };

  async run(): Promise<CleanupResult> {
    const { flags } = await this.parse(AmiCleanup);
    const { planCleanup, runCleanup } = await import('../../lib/build/cleanup.js');
    const { CwsError } = await import('../../lib/errors.js');
    const ctx = await this.context();
    const spinner = this.spinner('Planning the clean-up');
    let plan: Awaited<ReturnType<typeof planCleanup>>;
    try {
      plan = await planCleanup(
        ctx,
        { region: flags.region, template: flags.template, keepLatest: flags['keep-latest'] },
        (t) => spinner.update(t),
      );
    } finally {
      spinner.stop();
    }
    for (const w of plan.warnings) this.warn(w);
    this.table(
      plan.images,
      [
        { header: 'ACTION', get: (i) => i.action },
        { header: 'IMAGE', get: (i) => i.image_id },
        { header: 'TEMPLATE', get: (i) => i.template },
        { header: 'CREATED', get: (i) => i.created.slice(0, 19) },
        { header: 'STATE', get: (i) => i.state },
        { header: 'WHY', get: (i) => i.reason, maxWidth: 60 },
      ],
      `No images made by cws in ${plan.region}${plan.template ? ` for ${plan.template}` : ''}.`,
    );
    const doomed = plan.images.filter((i) => i.action === 'delete');
    if (flags['dry-run'] || doomed.length === 0) {
      if (!flags['dry-run']) this.log('Nothing to deregister.');
      return { ...plan, dry_run: flags['dry-run'] ?? false, deregistered: [] };
    }
    if (!flags.yes) {
      const { confirm } = await import('../../ui/confirm.js');
      const ok = this.jsonEnabled()
        ? undefined
        : await confirm(
            `Deregister ${doomed.length} image(s) in ${plan.region} and delete their snapshots? This cannot be undone.`,
          );
      if (ok === undefined) {
        throw new CwsError(
          `deregistering ${doomed.length} image(s) needs confirmation, and there is no terminal to ask on`,
          {
            code: 'confirmation_required',
            suggestions: ['look first: cws ami cleanup ... --dry-run', 'then: cws ami cleanup ... --yes'],
          },
        );
      }
      if (!ok) throw new CwsError('nothing deregistered', { code: 'cancelled' });
    }
    const spin2 = this.spinner('Deregistering');
    try {
      const deregistered = await runCleanup(await ctx.aws(), plan, (t) => spin2.update(t));
      spin2.stop();
      this.log(`Deregistered ${deregistered.length} image(s); their snapshots are deleted.`);
      return { ...plan, dry_run: false, deregistered };
    } finally {
      spin2.stop();
    }
  }
}
