import type { ExceptionInfo } from '@cws/shared';
import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../../base-command.js';

export default class AmiExceptionAdd extends CwsCommand<ExceptionInfo> {
  static override summary = 'Accept a vulnerability for a listing or the whole registry, with a reason and an expiry';
  static override description =
    `Until it expires, an accepted finding does not count against anyone's --max-severity, and findings show it as accepted (with who, why and until when). For a listing: its owner, its organisation's publishers, registry maintainers and admins. For the whole registry (--all-listings): registry maintainers and admins. Audit-logged.`;
  static override examples = [
    '<%= config.bin %> ami exception add CVE-2024-6387 --listing alice/python-ml --reason "sshd is disabled in this image" --expires 30d',
    '<%= config.bin %> ami exception add GHSA-xxxx-xxxx-xxxx --all-listings --reason "fixed upstream, rebuilds due" --expires 2027-01-31 --json',
  ];
  static override args = {
    vulnerability: Args.string({ description: 'the vulnerability id: CVE-..., GHSA-...', required: true }),
  };
  static override flags = {
    listing: Flags.string({ description: 'OWNER/NAME the exception is for', exclusive: ['all-listings'] }),
    'all-listings': Flags.boolean({ description: 'the whole registry (maintainers and admins only)' }),
    reason: Flags.string({ description: 'why the vulnerability is acceptable', required: true }),
    expires: Flags.string({
      description: 'a duration (30d, 12h) or a date (2027-01-31); at most a year',
      required: true,
    }),
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<ExceptionInfo> {
    const { args, flags } = await this.parse(AmiExceptionAdd);
    const { pickRegistry, clientFor, registryFailure } = await import('../../../lib/registries.js');
    const { parseExpiry } = await import('../../../lib/exceptions.js');
    const { CwsError } = await import('../../../lib/errors.js');
    if (!flags.listing && !flags['all-listings']) {
      throw new CwsError(
        'say what the exception is for: --listing OWNER/NAME, or --all-listings for the whole registry',
        {
          code: 'usage',
        },
      );
    }
    const expires = parseExpiry(flags.expires);
    const ctx = await this.context();
    const entry = pickRegistry(await ctx.config(), flags.registry ?? (await ctx.defaultRegistry()));
    const client = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs });
    const created = await this.withSpinner(`Asking ${entry.name}`, () =>
      client.createException({
        vulnerability_id: args.vulnerability,
        listing: flags.listing ?? null,
        reason: flags.reason,
        expires_at: expires,
      }),
    ).catch((err) => {
      throw registryFailure(err, entry, `accept ${args.vulnerability}`);
    });
    this.log(
      `Accepted ${created.vulnerability_id} for ${created.listing ?? 'the whole registry'} until ${created.expires_at} (exception ${created.id})`,
    );
    return created;
  }
}
