import { CwsCommand } from '../base-command.js';
import type { TemplateSummary } from '../lib/templates/views.js';

export interface TemplatesResult {
  user_templates_dir: string;
  templates: TemplateSummary[];
}

export default class Templates extends CwsCommand<TemplatesResult> {
  static override summary = 'List the templates: built-in ones and yours';
  static override description =
    'Your templates live in the templates/ folder beside the config file (or $CWS_TEMPLATES_DIR); one with the same name as a built-in template replaces it.';
  static override examples = ['<%= config.bin %> templates', '<%= config.bin %> templates --json'];

  async run(): Promise<TemplatesResult> {
    await this.parse(Templates);
    const { listTemplates } = await import('../lib/templates/catalog.js');
    const { summarize } = await import('../lib/templates/views.js');
    const ctx = await this.context();
    const entries = await listTemplates(ctx.paths.templatesDir);
    const templates = entries.map(summarize);
    this.table(templates, [
      { header: 'NAME', get: (t) => t.name },
      { header: 'SOURCE', get: (t) => t.source },
      { header: 'CATEGORY', get: (t) => t.category ?? '' },
      { header: 'ARCH', get: (t) => t.architectures.join(',') },
      {
        header: 'DESCRIPTION',
        get: (t) => (t.valid ? t.description : 'INVALID: run cws template validate'),
        maxWidth: 70,
      },
    ]);
    for (const t of templates.filter((x) => !x.valid))
      this.warn(`${t.file} is not a valid template; check it with: cws template validate ${t.file}`);
    return { user_templates_dir: ctx.paths.templatesDir, templates };
  }
}
