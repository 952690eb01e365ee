import type { ExceptionInfo } from '@cws/shared';
import { Flags } from '@oclif/core';
import { CwsCommand } from '../../../base-command.js';

export interface ExceptionListResult {
  registry: string;
  exceptions: ExceptionInfo[];
}

export default class AmiExceptionList extends CwsCommand<ExceptionListResult> {
  static override summary = 'List vulnerability exceptions: registry-wide ones and those of listings you may see';
  static override examples = [
    '<%= config.bin %> ami exception list',
    '<%= config.bin %> ami exception list --listing alice/python-ml --all --json',
  ];
  static override flags = {
    listing: Flags.string({ description: 'OWNER/NAME: that listing’s and the registry-wide ones' }),
    vulnerability: Flags.string({ description: 'only this vulnerability id' }),
    all: Flags.boolean({ description: 'expired and ended ones too' }),
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<ExceptionListResult> {
    const { flags } = await this.parse(AmiExceptionList);
    const { pickRegistry, clientFor, registryFailure } = await import('../../../lib/registries.js');
    const ctx = await this.context();
    const entry = pickRegistry(await ctx.config(), flags.registry ?? (await ctx.defaultRegistry()));
    const client = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs });
    const list = await this.withSpinner(`Asking ${entry.name}`, () =>
      client.listExceptions({
        ...(flags.listing ? { listing: flags.listing } : {}),
        ...(flags.vulnerability ? { vulnerability_id: flags.vulnerability } : {}),
        ...(flags.all ? { all: true } : {}),
      }),
    ).catch((err) => {
      throw registryFailure(err, entry, 'list exceptions');
    });
    this.table(list.items, [
      { header: 'ID', get: (e) => e.id },
      { header: 'VULNERABILITY', get: (e) => e.vulnerability_id },
      { header: 'FOR', get: (e) => e.listing ?? '(registry)' },
      { header: 'STATE', get: (e) => e.state },
      { header: 'EXPIRES', get: (e) => e.expires_at.slice(0, 16).replace('T', ' ') },
      { header: 'BY', get: (e) => e.author },
      { header: 'REASON', get: (e) => e.reason, maxWidth: 60 },
    ]);
    return { registry: entry.name, exceptions: list.items };
  }
}
