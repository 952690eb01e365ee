import type { ScanConfig } from '../config/config.js';
import type { ScanService } from '../services/scans.js';
import { RESCAN_PASS, SCAN_REAP, SCAN_REGION } from '../services/scans.js';
import type { JobQueue } from './queue.js';
import type { JobKind, Schedule } from './runner.js';

export function scanJobs(scans: ScanService, config: ScanConfig): JobKind[] {
  return [
    {
      kind: SCAN_REGION,
      // At most this many scans (and so scan instances) at once across every worker.
      concurrency: Math.max(1, config.maxInstances),
      timeoutMs: config.timeoutSeconds * 1000,
      maxAttempts: 3,
      run: (job) => scans.run(job as never),
    },
    {
      kind: RESCAN_PASS,
      concurrency: 1,
      timeoutMs: 300_000,
      maxAttempts: 3,
      run: async () => ({ queued: await scans.queueRescans() }),
    },
    {
      kind: SCAN_REAP,
      concurrency: 1,
      timeoutMs: 300_000,
      maxAttempts: 1,
      run: async () => ({ terminated: await scans.reap() }),
    },
  ];
}

/** Rescans (every hour the pass queues what is due) and the reaper of orphaned scan instances (every 10 minutes). */
export function scanSchedules(queue: JobQueue, config: ScanConfig): Schedule[] {
  const rescanEvery = Math.min(3600, ...[config.rescanLatestSeconds, config.rescanOlderSeconds].filter((s) => s > 0));
  const out: Schedule[] = [
    {
      name: SCAN_REAP,
      intervalSeconds: 600,
      firstDelaySeconds: 600,
      fire: async () => {
        await queue.enqueue(SCAN_REAP, {}, { dedupeKey: SCAN_REAP });
      },
    },
  ];
  if (config.rescanLatestSeconds > 0 || config.rescanOlderSeconds > 0) {
    out.push({
      name: RESCAN_PASS,
      intervalSeconds: rescanEvery,
      firstDelaySeconds: Math.min(300, rescanEvery),
      fire: async () => {
        await queue.enqueue(RESCAN_PASS, {}, { dedupeKey: RESCAN_PASS });
      },
    });
  }
  return out;
}
