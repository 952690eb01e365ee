import type { AdminUserPage } from '@cws/shared';
import { Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export default class AdminUsers extends CwsCommand<AdminUserPage> {
  static override summary = 'People on the registry with their roles, organisations and state (registry admin)';
  static override examples = [
    '<%= config.bin %> admin users',
    '<%= config.bin %> admin users --search ad --limit 50 --json',
  ];
  static override flags = {
    search: Flags.string({ description: 'handles starting with this' }),
    limit: Flags.integer({ description: 'at most this many', default: 100, min: 1, max: 500 }),
    cursor: Flags.string({ description: 'the next page (next_cursor of the previous one)' }),
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<AdminUserPage> {
    const { flags } = await this.parse(AdminUsers);
    const { signedInClient, call } = await import('../../lib/admin.js');
    const { entry, client } = await signedInClient(await this.context(), flags.registry);
    const page = await call(entry, 'list users', () =>
      client.listUsers({
        limit: flags.limit,
        ...(flags.search ? { q: flags.search } : {}),
        ...(flags.cursor ? { cursor: flags.cursor } : {}),
      }),
    );
    this.table(
      page.items,
      [
        { header: 'HANDLE', get: (u) => u.handle },
        { header: 'ROLE', get: (u) => u.role },
        { header: 'ORGANISATIONS', get: (u) => u.orgs.map((o) => `${o.name}:${o.role}`).join(' ') },
        { header: 'DISABLED', get: (u) => (u.disabled_at ? u.disabled_at.slice(0, 10) : '') },
      ],
      'No users match.',
    );
    if (page.next_cursor) this.log(`More: cws admin users --cursor ${page.next_cursor}`);
    return page;
  }
}
