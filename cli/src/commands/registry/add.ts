import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';
import type { RegistryView } from '../../lib/registry-config.js';

export interface RegistryAddResult {
  action: 'added' | 'updated';
  registry: RegistryView;
  registries: RegistryView[];
}

export default class RegistryAdd extends CwsCommand<RegistryAddResult> {
  static override summary = 'Add a registry, or change the URL, priority or timeout of one';
  static override description =
    "Registries are asked in priority order (lower numbers first) when resolving an image, so an institution's private registry usually gets a lower number than the community one. Changing a registry's URL forgets its token.";
  static override examples = [
    '<%= config.bin %> registry add community https://registry.cws.example.org',
    '<%= config.bin %> registry add campus https://cws.campus.example.edu --priority 10 --timeout 3',
  ];
  static override args = {
    name: Args.string({ description: 'a short name: lowercase letters, digits and . _ -', required: true }),
    url: Args.string({ description: 'the registry root URL', required: true }),
  };
  static override flags = {
    priority: Flags.integer({ description: 'lower is asked first [default: 100]', min: 0, max: 100000 }),
    timeout: Flags.string({ description: 'seconds to wait for this registry before skipping it [default: 2]' }),
  };

  async run(): Promise<RegistryAddResult> {
    const { args, flags } = await this.parse(RegistryAdd);
    const { upsertRegistry, viewOf, listViews, forgetResolutions } = await import('../../lib/registry-config.js');
    const { parseSeconds } = await import('../../lib/flags.js');
    const ctx = await this.context();
    const { config, action } = upsertRegistry(await ctx.config(), {
      name: args.name,
      url: args.url,
      priority: flags.priority,
      timeoutMs: flags.timeout === undefined ? undefined : parseSeconds(flags.timeout, '--timeout'),
    });
    await ctx.saveConfig(config);
    await forgetResolutions(ctx);
    const entry = config.registries.find((r) => r.name === args.name)!;
    this.log(
      `${action === 'added' ? 'Added' : 'Updated'} registry ${entry.name} (${entry.url}), priority ${entry.priority}.`,
    );
    return { action, registry: viewOf(entry), registries: listViews(config) };
  }
}
