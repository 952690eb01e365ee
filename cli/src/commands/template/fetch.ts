import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';
import type { RemoteTemplate, SavedTemplate } from '../../lib/templates/fetch.js';

export interface TemplateFetchResult extends Omit<RemoteTemplate, 'template'> {
  /** null under --dry-run: nothing was saved. */
  saved: SavedTemplate | null;
}

export default class TemplateFetch extends CwsCommand<TemplateFetchResult> {
  static override summary = "Download a listing's template from a registry into your templates folder";
  static override description =
    `Asks the registry for the template the listing's image was built from (its publisher's cws ami publish sent it), checks it as cws template validate would, shows what it runs (base image, the packages it installs, every line of the setup script) and asks before saving it as TEMPLATES/NAME.yml (see: cws templates). Then cws launch NAME finds the listing's images by it.

Without a terminal to ask on (a script, --json) it saves only with --yes. A different template of the same name in your folder is left alone unless --force. A template identical to a built-in one is not copied.

Exit codes: 0 saved (or already there), 2 not confirmed, needs --yes or --force, 3 invalid template, 4 no such listing or it has no template, 6 registry unusable.`;
  static override examples = [
    '<%= config.bin %> template fetch genomics-core/nextflow-nfcore',
    '<%= config.bin %> template fetch genomics-core/nextflow-nfcore --yes && <%= config.bin %> launch genomics my-pipeline',
    '<%= config.bin %> template fetch julia-lab/julia-sciml --version 1.11.2 --registry community',
    '<%= config.bin %> template fetch geo-lab/qgis-desktop --dry-run --json',
  ];
  static override args = {
    listing: Args.string({ description: 'the listing, OWNER/NAME (see: cws ami browse)', required: true }),
  };
  static override flags = {
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
    version: Flags.string({ description: 'the template of this version [default: the newest that is not revoked]' }),
    yes: Flags.boolean({ description: 'save without asking (needed without a terminal)' }),
    force: Flags.boolean({ description: 'replace a different template of the same name in your templates folder' }),
    'dry-run': Flags.boolean({ description: 'show what the template runs; save nothing' }),
  };

  async run(): Promise<TemplateFetchResult> {
    const { args, flags } = await this.parse(TemplateFetch);
    const { fetchListingTemplate, describeTemplate } = await import('../../lib/templates/fetch.js');
    const { offerTemplate } = await import('../../ui/offer-template.js');
    const ctx = await this.context();
    const remote = await this.withSpinner(`Asking for the template of ${args.listing}`, () =>
      fetchListingTemplate(ctx, args.listing, { registry: flags.registry, version: flags.version }),
    );
    const { template: _parsed, ...result } = remote;
    if (flags['dry-run']) {
      for (const line of describeTemplate(remote)) this.log(line);
      return { ...result, saved: null };
    }
    const saved = await offerTemplate(ctx, remote, {
      yes: flags.yes ?? false,
      force: flags.force ?? false,
      json: this.jsonEnabled(),
      log: (line) => this.log(line),
    });
    if (saved.action === 'unchanged') {
      this.log(`Template ${remote.name} is already in ${saved.file}: nothing to do.`);
    } else {
      this.log(`${saved.action === 'replaced' ? 'Replaced' : 'Saved'} template ${remote.name} as ${saved.file}.`);
      if (saved.shadows_builtin) this.log(`  It is used instead of the built-in ${remote.name} template.`);
    }
    this.log(
      `Launch it: cws launch ${remote.name} my-workspace   (or see the image it picks: cws ami resolve ${remote.name} --explain)`,
    );
    return { ...result, saved };
  }
}
