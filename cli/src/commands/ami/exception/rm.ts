import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../../base-command.js';

export default class AmiExceptionRm extends CwsCommand<{ registry: string; id: number; ended: boolean }> {
  static override summary = 'End a vulnerability exception now: its findings count against policies again';
  static override examples = ['<%= config.bin %> ami exception rm 12', '<%= config.bin %> ami exception rm 12 --json'];
  static override args = {
    id: Args.integer({ description: 'the exception id (see: cws ami exception list)', required: true, min: 1 }),
  };
  static override flags = {
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<{ registry: string; id: number; ended: boolean }> {
    const { args, flags } = await this.parse(AmiExceptionRm);
    const { pickRegistry, clientFor, registryFailure } = await import('../../../lib/registries.js');
    const ctx = await this.context();
    const entry = pickRegistry(await ctx.config(), flags.registry ?? (await ctx.defaultRegistry()));
    const client = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs });
    await this.withSpinner(`Asking ${entry.name}`, () => client.deleteException(args.id)).catch((err) => {
      throw registryFailure(err, entry, `end exception ${args.id}`);
    });
    this.log(`Ended exception ${args.id}`);
    return { registry: entry.name, id: args.id, ended: true };
  }
}
