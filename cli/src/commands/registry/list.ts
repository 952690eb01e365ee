import { CwsCommand } from '../../base-command.js';
import type { RegistryView } from '../../lib/registry-config.js';

export interface RegistryListResult {
  config_file: string;
  registries: RegistryView[];
}

export default class RegistryList extends CwsCommand<RegistryListResult> {
  static override summary = 'List the configured registries in the order they are asked';
  static override examples = ['<%= config.bin %> registry list', '<%= config.bin %> registry list --json'];

  async run(): Promise<RegistryListResult> {
    await this.parse(RegistryList);
    const { listViews } = await import('../../lib/registry-config.js');
    const ctx = await this.context();
    const registries = listViews(await ctx.config());
    this.table(
      registries,
      [
        { header: 'NAME', get: (r) => r.name },
        { header: 'PRIORITY', get: (r) => r.priority },
        { header: 'URL', get: (r) => r.url },
        { header: 'TIMEOUT', get: (r) => (r.timeout_ms === null ? '2 s' : `${r.timeout_ms / 1000} s`) },
        { header: 'LOGGED IN AS', get: (r) => (r.logged_in ? (r.handle ?? 'yes') : '-') },
      ],
      'No registries configured. Add one: cws registry add community https://registry.example.org',
    );
    return { config_file: ctx.paths.configFile, registries };
  }
}
