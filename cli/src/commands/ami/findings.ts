import type { Finding } from '@cws/shared';
import { SEVERITIES_HIGHEST_FIRST } from '@cws/shared/severities';
import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export interface FindingsResult {
  registry: string;
  listing: string;
  version: string;
  findings: Finding[];
  truncated: boolean;
}

export default class AmiFindings extends CwsCommand<FindingsResult> {
  static override summary = 'List the vulnerability findings of a shared image’s latest security scans';
  static override examples = [
    '<%= config.bin %> ami findings alice/python-ml',
    '<%= config.bin %> ami findings alice/python-ml --version 1.2.0 --severity high --json',
    '<%= config.bin %> ami findings alice/python-ml --min-severity high --fix-available',
  ];
  static override args = {
    ref: Args.string({ description: 'OWNER/NAME', required: true }),
  };
  static override flags = {
    version: Flags.string({ description: 'which version [default: the newest]' }),
    severity: Flags.string({ description: 'only this severity', options: [...SEVERITIES_HIGHEST_FIRST] }),
    'min-severity': Flags.string({ description: 'this severity and above', options: [...SEVERITIES_HIGHEST_FIRST] }),
    'fix-available': Flags.boolean({ description: 'only findings with a fix', allowNo: true }),
    limit: Flags.integer({ description: 'show at most this many', default: 200, min: 1, max: 10_000 }),
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<FindingsResult> {
    const { args, flags } = await this.parse(AmiFindings);
    const { pickRegistry, clientFor, registryFailure } = await import('../../lib/registries.js');
    const { parseRef } = await import('../../lib/listings.js');
    const { CwsError } = await import('../../lib/errors.js');
    const ref = parseRef(args.ref);
    if (ref.kind !== 'listing') {
      throw new CwsError('give the listing as OWNER/NAME', { code: 'bad_request' });
    }
    const ctx = await this.context();
    const entry = pickRegistry(await ctx.config(), flags.registry ?? (await ctx.defaultRegistry()));
    const client = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs });
    const out = await this.withSpinner(`Asking ${entry.name}`, async () => {
      const version = flags.version ?? (await client.getListing(ref.owner, ref.name)).versions[0]?.version;
      if (!version) throw new CwsError(`${ref.owner}/${ref.name} has no versions`, { code: 'not_found' });
      const findings: Finding[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.versionFindings(ref.owner, ref.name, version, {
          ...(flags.severity ? { severity: flags.severity as Finding['severity'] } : {}),
          ...(flags['min-severity'] ? { min_severity: flags['min-severity'] as Finding['severity'] } : {}),
          ...(flags['fix-available'] !== undefined ? { fix_available: flags['fix-available'] } : {}),
          limit: Math.min(500, flags.limit - findings.length),
          ...(cursor ? { cursor } : {}),
        });
        findings.push(...page.items);
        cursor = page.next_cursor ?? undefined;
      } while (cursor && findings.length < flags.limit);
      return { version, findings, truncated: Boolean(cursor) };
    }).catch((err) => {
      throw registryFailure(err, entry, `read the findings of ${args.ref}`);
    });
    this.log(
      `${ref.owner}/${ref.name}@${out.version}  (${entry.name}): ${out.findings.length} findings${out.truncated ? ' (more: raise --limit)' : ''}`,
    );
    this.table(out.findings, [
      { header: 'SEVERITY', get: (f) => (f.accepted ? `${f.severity} (accepted)` : f.severity) },
      { header: 'ID', get: (f) => f.vulnerability_id },
      { header: 'PACKAGE', get: (f) => f.package_name ?? '-' },
      { header: 'INSTALLED', get: (f) => f.installed_version ?? '-' },
      { header: 'FIXED IN', get: (f) => f.fixed_version ?? (f.fix_available ? 'yes' : 'no fix') },
      { header: 'REGION', get: (f) => f.region },
      { header: 'LINK', get: (f) => f.url, maxWidth: 60 },
    ]);
    const accepted = new Map(out.findings.flatMap((f) => (f.accepted ? [[f.vulnerability_id, f.accepted]] : [])));
    for (const [id, a] of accepted) {
      this.log(
        `  ${id} accepted for ${a.scope === 'registry' ? 'the whole registry' : 'this listing'} by ${a.by} until ${a.expires_at.slice(0, 10)}: ${a.reason}`,
      );
    }
    return { registry: entry.name, listing: `${ref.owner}/${ref.name}`, ...out };
  }
}
