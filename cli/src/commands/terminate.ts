import { Flags } from '@oclif/core';
import type { StateChangeResult } from '../lib/instances/manage.js';
import { InstanceStateCommand } from './instance-state.js';

export default class Terminate extends InstanceStateCommand {
  static override summary = 'Terminate an instance you launched with cws (its disk is deleted)';
  static override description =
    'Asks first. Without a terminal to ask on, refuses unless --yes is given. Save the instance first if you want to keep its disk: cws save NAME TEMPLATE_NAME.';
  static override examples = [
    '<%= config.bin %> terminate my-research',
    '<%= config.bin %> terminate my-research --yes --json',
  ];
  static override flags = {
    ...InstanceStateCommand.flags,
    yes: Flags.boolean({ description: 'do not ask' }),
  };
  static override args = { ...InstanceStateCommand.args };
  protected readonly action = 'terminate' as const;

  async run(): Promise<StateChangeResult> {
    const { args, flags } = await this.parse(Terminate);
    if (!flags.yes) {
      const { confirm } = await import('../ui/confirm.js');
      const { CwsError } = await import('../lib/errors.js');
      const ok = this.jsonEnabled() ? undefined : await confirm(`Terminate ${args.name}? Its disk is deleted.`);
      if (ok === undefined) {
        throw new CwsError(`terminating ${args.name} needs confirmation, and there is no terminal to ask on`, {
          code: 'confirmation_required',
          suggestions: [`cws terminate ${args.name} --yes`],
        });
      }
      if (!ok) {
        throw new CwsError('not terminated', { code: 'cancelled' });
      }
    }
    return this.change(args.name, flags);
  }
}
