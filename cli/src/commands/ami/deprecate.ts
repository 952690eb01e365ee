import type { VersionDetail } from '@cws/shared';
import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export interface DeprecateResult extends VersionDetail {
  registry: string;
  listing: string;
}

export default class AmiDeprecate extends CwsCommand<DeprecateResult> {
  static override summary = 'Deprecate a version: it resolves only when nothing active matches';
  static override examples = [
    '<%= config.bin %> ami deprecate alice/ml-env 1.0.0 --reason "use 1.1.0"',
    '<%= config.bin %> ami deprecate alice/ml-env 1.0.0 --registry campus --json',
  ];
  static override args = {
    ref: Args.string({ description: 'OWNER/NAME, or an image id (ami-...) of the listing', required: true }),
    version: Args.string({ description: 'the version, e.g. 1.0.0', required: true }),
  };
  static override flags = {
    reason: Flags.string({ description: 'why, shown to people who look at the version', required: false }),
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<DeprecateResult> {
    const { args, flags } = await this.parse(AmiDeprecate);
    const { setStatus } = await import('../../lib/publish/status.js');
    const ctx = await this.context();
    const r = await this.withSpinner('Deprecate ' + args.ref + '@' + args.version, () =>
      setStatus(ctx, args.ref, args.version, 'deprecate', flags.reason, flags.registry),
    );
    this.log(
      `${r.listing}@${r.version} is ${r.status} on ${r.registry}${r.status_reason ? `: ${r.status_reason}` : ''}`,
    );
    return r;
  }
}
