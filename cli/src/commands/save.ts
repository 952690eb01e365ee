import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../base-command.js';
import type { CleanupResult, SaveResult } from '../lib/save/save.js';
import type { SaveRecord } from '../lib/state.js';

export type SaveOutput = SaveResult | CleanupResult | { saves: SaveRecord[] };

export default class Save extends CwsCommand<SaveOutput> {
  static override summary = 'Save an instance as an image (AMI) and a template you can launch again';
  static override description =
    `The instance is stopped while its disk is imaged (unless --no-reboot), then started again, whatever happens. The image is tagged with its source instance, template and creator; it is copied to --copy-to-regions, and a template NAME.yml is written to your templates folder with the new ids in ami_config.ami_mappings.

Every save is recorded before the image is made: an interrupted save can be finished with --resume or undone with --cleanup (which deregisters its images), so no image is left without a record. --list shows the records.

A copy to another region that fails keeps the images made so far: the save reports status "partial" and names the region.

Exit codes: 0 saved (also partial), 2 bad arguments, 4 unknown instance or save, 8 AWS failure (the instance is running again; the message says so).`;
  static override examples = [
    '<%= config.bin %> save my-research my-custom-ml-env --description "ML environment with our kernels"',
    '<%= config.bin %> save my-research my-custom-ml-env --copy-to-regions us-west-2,eu-west-1',
    '<%= config.bin %> save my-research my-custom-ml-env --no-reboot --no-wait --json',
    '<%= config.bin %> save --resume save-20261101-101500-a1b2c3',
    '<%= config.bin %> save --cleanup my-research',
    '<%= config.bin %> save --list --json',
  ];
  static override args = {
    instance: Args.string({ description: 'the instance name (see: cws list)' }),
    template_name: Args.string({ description: 'name of the template to write (lowercase letters, digits, . _ -)' }),
  };
  static override flags = {
    description: Flags.string({ description: 'what is in this environment (image description and template)' }),
    'copy-to-regions': Flags.string({
      description: 'comma-separated regions to copy the image to, e.g. us-west-2,eu-west-1',
    }),
    'no-reboot': Flags.boolean({
      description: 'image the running instance without stopping it (the file system may be inconsistent)',
    }),
    wait: Flags.boolean({
      description:
        'wait for the image and copies (--no-wait returns once the image is being made; finish with --resume)',
      default: true,
      allowNo: true,
    }),
    region: Flags.string({ description: 'region to look in when this machine has no record of INSTANCE' }),
    resume: Flags.boolean({
      description: 'finish an interrupted save: INSTANCE is a save id or instance name [default: the latest]',
    }),
    cleanup: Flags.boolean({
      description: 'undo an unfinished or failed save: deregister its images, start the instance again',
    }),
    list: Flags.boolean({ description: 'show the recorded saves' }),
  };

  async run(): Promise<SaveOutput> {
    const { args, flags } = await this.parse(Save);
    const lib = await import('../lib/save/save.js');
    const { CwsError } = await import('../lib/errors.js');
    const ctx = await this.context();
    if ([flags.resume, flags.cleanup, flags.list].filter(Boolean).length > 1) {
      throw new CwsError('--resume, --cleanup and --list exclude each other', { code: 'usage' });
    }
    if (flags.list) {
      const saves = await lib.listSaves(ctx);
      this.table(saves, [
        { header: 'SAVE', get: (s) => s.id },
        { header: 'STATUS', get: (s) => s.status },
        { header: 'INSTANCE', get: (s) => s.instance },
        { header: 'TEMPLATE', get: (s) => s.template_name },
        {
          header: 'IMAGES',
          get: (s) =>
            Object.entries(s.images)
              .map(([r, i]) => `${r}:${i}`)
              .join(' '),
          maxWidth: 80,
        },
      ]);
      return { saves };
    }
    const spinner = this.spinner('Saving');
    const progress = (t: string) => spinner.update(t);
    const tell = (t: string) => this.note(t);
    try {
      if (flags.cleanup) {
        const r = await lib.cleanupSave(ctx, args.instance, progress);
        spinner.stop();
        this.log(
          `Cleaned up ${r.save_id}: ${r.deregistered.length ? r.deregistered.map((d) => `${d.image_id} (${d.region})`).join(', ') : 'no images'} deregistered; ${r.instance} is ${r.instance_state}.`,
        );
        return r;
      }
      let r: SaveResult;
      if (flags.resume) {
        r = await lib.resumeSave(ctx, args.instance, progress, tell);
      } else {
        if (!args.instance || !args.template_name) {
          throw new CwsError('save needs INSTANCE and TEMPLATE_NAME', {
            code: 'usage',
            suggestions: ['cws save my-research my-custom-ml-env'],
          });
        }
        const copyTo = (flags['copy-to-regions'] ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        r = await lib.save(
          ctx,
          {
            instance: args.instance,
            templateName: args.template_name,
            description: flags.description,
            copyToRegions: copyTo,
            noReboot: flags['no-reboot'] ?? false,
            wait: flags.wait,
            region: flags.region,
          },
          progress,
          tell,
        );
      }
      spinner.stop();
      for (const w of r.warnings) this.warn(w);
      this.log(`${r.status === 'partial' ? 'Saved, with failed copies' : 'Saved'}: ${r.save_id}`);
      for (const [region, id] of Object.entries(r.images))
        this.log(`  ${region}  ${id}${r.copy_errors[region] ? '  (copy failed)' : ''}`);
      for (const [region, why] of Object.entries(r.copy_errors))
        if (!r.images[region]) this.log(`  ${region}  copy failed: ${why}`);
      if (r.template_file) this.log(`  template: ${r.template_file}`);
      this.log(`  ${r.instance} is ${r.instance_state}`);
      return r;
    } finally {
      spinner.stop();
    }
  }
}
