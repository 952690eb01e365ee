import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../base-command.js';
import type { StateChangeResult } from '../lib/instances/manage.js';

/** stop, start and terminate: the same shape, one EC2 call and a wait. */
export abstract class InstanceStateCommand extends CwsCommand<StateChangeResult> {
  static override args = {
    name: Args.string({ description: 'the instance name (see: cws list)', required: true }),
  };
  static override flags = {
    region: Flags.string({ description: 'region to look in when this machine has no record of NAME' }),
    wait: Flags.boolean({
      description: 'wait for the new state (--no-wait returns at once)',
      default: true,
      allowNo: true,
    }),
  };

  protected abstract readonly action: 'stop' | 'start' | 'terminate';

  protected async change(
    name: string,
    flags: { region?: string | undefined; wait: boolean },
  ): Promise<StateChangeResult> {
    const { changeInstanceState } = await import('../lib/instances/manage.js');
    const ctx = await this.context();
    const spinner = this.spinner(`${this.action} ${name}`);
    try {
      const r = await changeInstanceState(ctx, name, this.action, flags, (t) => spinner.update(t));
      spinner.stop();
      this.log(`${r.name} (${r.instance_id}): ${r.previous_state} -> ${r.state}`);
      return r;
    } finally {
      spinner.stop();
    }
  }
}
