import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';
import type { StatusCheck } from '../../lib/resolve/status.js';

export interface AmiStatusOutput {
  items: StatusCheck[];
}

export default class AmiStatus extends CwsCommand<AmiStatusOutput> {
  static override summary = 'Ask your registries whether images are active, deprecated or revoked';
  static override description =
    `Asks each configured registry, in priority order, about each image id. An image is revoked if any registry revoked it, deprecated if none revoked and one deprecated it, unlisted if no registry that answered lists it, and unknown if no registry could be asked. For a deprecated or revoked image, the newest active version of the same listing is shown as the one to use instead.

cws ami resolve and cws launch make the same check on the image they pick: revoked images are refused, deprecated ones warned about. An image built on a revoked image (saved from an instance of one) is flagged: revoked_ancestor in --json, a warning otherwise.

Exit codes: 0 answered (whatever the status), 2 bad image ids.`;
  static override examples = [
    '<%= config.bin %> ami status ami-0123456789abcdef0',
    '<%= config.bin %> ami status ami-0123456789abcdef0 ami-0fedcba9876543210 --registry-timeout 5 --json',
  ];
  static override strict = false;
  static override args = {
    ami: Args.string({ description: 'one or more image ids (ami-...)', required: true }),
  };
  static override flags = {
    'registry-timeout': Flags.string({
      description: "seconds to wait for each registry [default: CWS_REGISTRY_TIMEOUT, else the registry's own, else 2]",
    }),
  };

  async run(): Promise<AmiStatusOutput> {
    const { argv, flags } = await this.parse(AmiStatus);
    const { runStatus } = await import('../../lib/resolve/run.js');
    const { parseSeconds } = await import('../../lib/flags.js');
    const { describeLineage, describeStatus } = await import('../../lib/resolve/status.js');
    const ctx = await this.context();
    const timeout =
      flags['registry-timeout'] === undefined
        ? undefined
        : parseSeconds(flags['registry-timeout'], '--registry-timeout');
    const items = await this.withSpinner('Asking the registries', () => runStatus(ctx, argv as string[], timeout));
    if (!this.jsonEnabled()) {
      const { renderTable } = await import('../../ui/table.js');
      this.log(
        renderTable(items, [
          { header: 'AMI', get: (c) => c.ami_id },
          { header: 'STATUS', get: (c) => c.status },
          { header: 'REGISTRY', get: (c) => c.verdict?.registry ?? '' },
          {
            header: 'LISTING',
            get: (c) => (c.verdict?.listing ? `${c.verdict.listing}@${c.verdict.version ?? '?'}` : ''),
          },
          { header: 'REASON', get: (c) => c.verdict?.reason ?? '', maxWidth: 60 },
          {
            header: 'USE INSTEAD',
            get: (c) => {
              const u = c.status === 'active' ? null : c.verdict?.use_instead;
              return u ? `${u.listing}@${u.version}${u.ami_id ? ` (${u.ami_id})` : ''}` : '';
            },
          },
        ]),
      );
      const skipped = items[0]?.skipped ?? [];
      for (const s of skipped) this.warn(`registry ${s.registry} not asked (${s.error})`);
      for (const c of items) if (c.status === 'unknown') this.warn(describeStatus(c));
      for (const c of items) {
        const lineage = describeLineage(c);
        if (lineage) this.warn(lineage);
      }
    }
    return { items };
  }
}
