import { Flags } from '@oclif/core';
import { CwsCommand } from '../base-command.js';
import type { InstanceView } from '../lib/instances/manage.js';

export interface ListResult {
  instances: InstanceView[];
}

export default class List extends CwsCommand<ListResult> {
  static override summary = 'The instances you launched with cws, with their state from EC2';
  static override examples = ['<%= config.bin %> list', '<%= config.bin %> list --all --json'];
  static override flags = {
    all: Flags.boolean({ description: 'include terminated instances' }),
  };

  async run(): Promise<ListResult> {
    const { flags } = await this.parse(List);
    const { listInstances } = await import('../lib/instances/manage.js');
    const ctx = await this.context();
    const instances = await this.withSpinner('Asking EC2', () => listInstances(ctx, flags.all ?? false));
    this.table(
      instances,
      [
        { header: 'NAME', get: (i) => i.name },
        { header: 'STATE', get: (i) => i.state },
        { header: 'INSTANCE', get: (i) => i.instance_id },
        { header: 'REGION', get: (i) => i.region },
        { header: 'TYPE', get: (i) => i.instance_type },
        { header: 'TEMPLATE', get: (i) => i.template },
        { header: 'IMAGE', get: (i) => `${i.ami_id} (${i.ami_source})`, maxWidth: 70 },
      ],
      'No instances. Launch one with: cws launch python-ml my-research',
    );
    return { instances };
  }
}
