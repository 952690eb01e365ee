import type { StateChangeResult } from '../lib/instances/manage.js';
import { InstanceStateCommand } from './instance-state.js';

export default class Stop extends InstanceStateCommand {
  static override summary = 'Stop an instance you launched with cws';
  static override examples = [
    '<%= config.bin %> stop my-research',
    '<%= config.bin %> stop my-research --region us-west-2 --no-wait --json',
  ];
  static override flags = { ...InstanceStateCommand.flags };
  static override args = { ...InstanceStateCommand.args };
  protected readonly action = 'stop' as const;

  async run(): Promise<StateChangeResult> {
    const { args, flags } = await this.parse(Stop);
    return this.change(args.name, flags);
  }
}
