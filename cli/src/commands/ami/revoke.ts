import type { VersionDetail } from '@cws/shared';
import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export interface RevokeResult extends VersionDetail {
  registry: string;
  listing: string;
}

export default class AmiRevoke extends CwsCommand<RevokeResult> {
  static override summary = 'Revoke a version for a reason: it never resolves again (final)';
  static override examples = [
    '<%= config.bin %> ami revoke alice/ml-env 1.0.0 --reason "ships a vulnerable OpenSSL"',
    '<%= config.bin %> ami revoke ami-0123456789abcdef0 1.0.0 --reason "credentials left in the image" --registry campus --json',
  ];
  static override args = {
    ref: Args.string({ description: 'OWNER/NAME, or an image id (ami-...) of the listing', required: true }),
    version: Args.string({ description: 'the version, e.g. 1.0.0', required: true }),
  };
  static override flags = {
    reason: Flags.string({ description: 'why, shown to people who look at the version', required: true }),
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<RevokeResult> {
    const { args, flags } = await this.parse(AmiRevoke);
    const { setStatus } = await import('../../lib/publish/status.js');
    const ctx = await this.context();
    const r = await this.withSpinner('Revoke ' + args.ref + '@' + args.version, () =>
      setStatus(ctx, args.ref, args.version, 'revoke', flags.reason, flags.registry),
    );
    this.log(
      `${r.listing}@${r.version} is ${r.status} on ${r.registry}${r.status_reason ? `: ${r.status_reason}` : ''}`,
    );
    return r;
  }
}
