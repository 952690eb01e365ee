import type { StateChangeResult } from '../lib/instances/manage.js';
import { InstanceStateCommand } from './instance-state.js';

export default class Start extends InstanceStateCommand {
  static override summary = 'Start an instance you launched with cws';
  static override examples = [
    '<%= config.bin %> start my-research',
    '<%= config.bin %> start my-research --region us-west-2 --no-wait --json',
  ];
  static override flags = { ...InstanceStateCommand.flags };
  static override args = { ...InstanceStateCommand.args };
  protected readonly action = 'start' as const;

  async run(): Promise<StateChangeResult> {
    const { args, flags } = await this.parse(Start);
    return this.change(args.name, flags);
  }
}
