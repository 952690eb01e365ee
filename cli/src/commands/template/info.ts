import { Args } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';
import type { TemplateSource } from '../../lib/templates/catalog.js';
import type { Template } from '../../lib/templates/schema.js';

export interface TemplateInfoResult {
  name: string;
  source: TemplateSource;
  file: string;
  template: Template;
}

export default class TemplateInfo extends CwsCommand<TemplateInfoResult> {
  static override summary = 'Show a template: base image, architectures, image strategy, setup script, ports';
  static override examples = [
    '<%= config.bin %> template info python-ml',
    '<%= config.bin %> template info ./my-template.yml --json',
  ];
  static override args = {
    name: Args.string({ description: 'a template name (see: cws templates) or a path to a YAML file', required: true }),
  };

  async run(): Promise<TemplateInfoResult> {
    const { args } = await this.parse(TemplateInfo);
    const { findTemplate } = await import('../../lib/templates/catalog.js');
    const { mappingCount } = await import('../../lib/templates/views.js');
    const ctx = await this.context();
    const { template: t, source, file } = await findTemplate(args.name, ctx.paths.templatesDir);
    const ac = t.ami_config;
    const search = ac.ami_search;
    const cost = t.estimated_cost_per_hour;
    const lines: [string, string][] = [
      ['Name', `${t.name}${t.display_name ? ` (${t.display_name})` : ''}`],
      ['Description', t.description],
      ['Category', t.category ?? '-'],
      ['Source', `${source}: ${file}`],
      ['Base image', typeof t.base_image === 'string' ? t.base_image : JSON.stringify(t.base_image)],
      [
        'Architectures',
        `${t.architectures.join(', ')}${ac.preferred_architecture ? ` (prefers ${ac.preferred_architecture})` : ''}`,
      ],
      [
        'Strategy',
        `${ac.strategy}; fallback ${ac.fallback_strategy}${ac.fallback_timeout ? ` within ${ac.fallback_timeout}` : ''}`,
      ],
      ['Pinned images', `${mappingCount(t)} (ami_mappings)`],
      ['Image search', search ? `owner ${[search.owner].flat().join(', ')}, name "${search.name_pattern}"` : '-'],
      ['Cross-region copy', ac.allow_cross_region_copy ? 'allowed' : 'only with --allow-copy'],
      ['Ports', t.ports.join(', ')],
      ['Setup script', t.setup_script ? `${t.setup_script.split('\n').length} lines` : '-'],
      ['Validation tests', String(t.validation_tests.length)],
      [
        'Cost per hour',
        cost === undefined
          ? '-'
          : typeof cost === 'number'
            ? `$${cost}`
            : Object.entries(cost)
                .map(([a, c]) => `${a} $${c}`)
                .join(', '),
      ],
    ];
    const width = Math.max(...lines.map(([k]) => k.length));
    for (const [k, v] of lines) this.log(`${k.padEnd(width)}  ${v}`);
    return { name: t.name, source, file, template: t };
  }
}
