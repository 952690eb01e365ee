import { Args } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export interface TemplateValidateResult {
  file: string;
  valid: true;
  name: string;
  architectures: string[];
  strategy: string;
}

export default class TemplateValidate extends CwsCommand<TemplateValidateResult> {
  static override summary = 'Check a template file; problems are reported with file, line and field';
  static override description = 'Exits 0 when the file is valid and 3 when it is not.';
  static override examples = [
    '<%= config.bin %> template validate ./my-template.yml',
    '<%= config.bin %> template validate ~/.config/cws/templates/gpu-lab.yml --json',
  ];
  static override args = { file: Args.string({ description: 'path to a template YAML file', required: true }) };

  async run(): Promise<TemplateValidateResult> {
    const { args } = await this.parse(TemplateValidate);
    const { loadTemplateFile } = await import('../../lib/templates/parse.js');
    const t = await loadTemplateFile(args.file);
    this.log(`${args.file}: valid template "${t.name}" (${t.architectures.join(', ')}, ${t.ami_config.strategy}).`);
    return {
      file: args.file,
      valid: true,
      name: t.name,
      architectures: t.architectures,
      strategy: t.ami_config.strategy,
    };
  }
}
