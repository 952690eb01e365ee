import type { RegistryAuditPage } from '@cws/shared';
import { Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export default class AdminAudit extends CwsCommand<RegistryAuditPage> {
  static override summary =
    "The registry's audit log, newest first (registry admins; an organisation's admins with --org)";
  static override examples = [
    '<%= config.bin %> admin audit --action user. --limit 20',
    '<%= config.bin %> admin audit --org physics --json',
    '<%= config.bin %> admin audit --actor ada',
  ];
  static override flags = {
    action: Flags.string({ description: 'an action (user.disable), or a prefix ending in "." (org.)' }),
    actor: Flags.string({ description: 'who did it' }),
    org: Flags.string({ description: 'only what concerns this organisation' }),
    limit: Flags.integer({ description: 'at most this many', default: 50, min: 1, max: 200 }),
    cursor: Flags.string({ description: 'the next page (next_cursor of the previous one)' }),
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<RegistryAuditPage> {
    const { flags } = await this.parse(AdminAudit);
    const { signedInClient, call } = await import('../../lib/admin.js');
    const { entry, client } = await signedInClient(await this.context(), flags.registry);
    const page = await call(entry, 'read the audit log', () =>
      client.auditLog({
        limit: flags.limit,
        ...(flags.action ? { action: flags.action } : {}),
        ...(flags.actor ? { actor: flags.actor } : {}),
        ...(flags.org ? { org: flags.org } : {}),
        ...(flags.cursor ? { cursor: flags.cursor } : {}),
      }),
    );
    this.table(
      page.items,
      [
        { header: 'AT', get: (e) => e.at.replace('T', ' ').slice(0, 19) },
        { header: 'ACTOR', get: (e) => e.actor ?? '-' },
        { header: 'ACTION', get: (e) => e.action },
        { header: 'TARGET', get: (e) => e.target ?? '' },
        { header: 'ORG', get: (e) => e.org ?? '' },
      ],
      'Nothing in the log matches.',
    );
    if (page.next_cursor) this.log(`More: cws admin audit --cursor ${page.next_cursor}`);
    return page;
  }
}
