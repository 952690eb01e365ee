import type { ScanHistory, ScanRequestResult } from '@cws/shared';
import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';

export interface ScanResult {
  registry: string;
  requested: ScanRequestResult;
  /** With --wait: the scans once none is queued or running. */
  scans: ScanHistory | null;
}

export default class AmiScan extends CwsCommand<ScanResult> {
  static override summary = 'Ask the registry to rescan a version of your shared image for vulnerabilities';
  static override examples = [
    '<%= config.bin %> ami scan alice/python-ml',
    '<%= config.bin %> ami scan alice/python-ml --version 1.2.0 --wait',
  ];
  static override args = {
    ref: Args.string({ description: 'OWNER/NAME', required: true }),
  };
  static override flags = {
    version: Flags.string({ description: 'which version [default: the newest]' }),
    wait: Flags.boolean({ description: 'follow the scan until it finished, with its progress' }),
    timeout: Flags.integer({ description: 'seconds --wait waits at most', default: 3600, min: 1 }),
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  async run(): Promise<ScanResult> {
    const { args, flags } = await this.parse(AmiScan);
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
    const fail = (err: unknown) => {
      throw registryFailure(err, entry, `scan ${args.ref}`);
    };
    const version = flags.version ?? (await client.getListing(ref.owner, ref.name).catch(fail)).versions[0]?.version;
    if (!version) throw new CwsError(`${ref.owner}/${ref.name} has no versions`, { code: 'not_found' });
    const requested = await this.withSpinner(`Asking ${entry.name} for a scan`, () =>
      client.requestScan(ref.owner, ref.name, version),
    ).catch(fail);
    for (const j of requested.jobs) {
      this.log(`${j.region} ${j.ami_id}: scan job ${j.job_id}${j.already_queued ? ' (already queued)' : ' queued'}`);
    }
    if (!flags.wait) return { registry: entry.name, requested, scans: null };
    const spinner = this.spinner('Waiting for the scan');
    const deadline = Date.now() + flags.timeout * 1000;
    const ids = new Set(requested.jobs.map((j) => j.job_id));
    let scans: ScanHistory;
    try {
      for (;;) {
        scans = await client.versionScans(ref.owner, ref.name, version).catch(fail);
        const mine = scans.in_progress.filter((j) => ids.has(j.job_id));
        if (mine.length === 0) break;
        spinner.update(
          `Scanning: ${mine.map((j) => `${j.region} ${j.status}${j.progress['phase'] ? ` (${j.progress['phase']})` : ''}`).join(', ')}`,
        );
        if (Date.now() > deadline) {
          throw new CwsError(`the scan is still running after ${flags.timeout} s`, {
            code: 'scan_timeout',
            suggestions: [`check later: cws ami info ${ref.owner}/${ref.name}`],
          });
        }
        await new Promise((r) => setTimeout(r, 2000));
      }
    } finally {
      spinner.stop();
    }
    for (const s of scans.items.slice(0, requested.jobs.length)) {
      this.log(
        s.status === 'complete'
          ? `${s.region} ${s.ami_id}: ${s.scanner}: critical ${s.counts.critical}, high ${s.counts.high}, medium ${s.counts.medium}, low ${s.counts.low}`
          : `${s.region} ${s.ami_id}: not scanned: ${s.reason}`,
      );
    }
    return { registry: entry.name, requested, scans };
  }
}
