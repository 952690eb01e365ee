import type { AppContext } from '../context.js';
import { mirrorJobs, mirrorSchedule } from './mirror.js';
import { JobWorker } from './runner.js';
import { scanJobs, scanSchedules } from './scans.js';
import { verificationJobs, verificationSchedule } from './verification.js';

/** The worker with every kind of background job the registry runs, and their schedules. */
export function createWorker(ctx: AppContext): JobWorker {
  const worker = new JobWorker(ctx.database, ctx.jobs, ctx.logger.child({ name: 'jobs' }), {
    pollMs: ctx.config.jobs.pollMs,
    leaseSeconds: ctx.config.jobs.leaseSeconds,
    // A worker that starts after a crash ends the scan instances no running job owns.
    onStart: async () => {
      if (ctx.config.scan.enabled) await ctx.services.scans.reap();
    },
  });
  for (const kind of verificationJobs(ctx.services.verification)) worker.register(kind);
  worker.schedule(verificationSchedule(ctx.jobs, ctx.config.aws.verifyIntervalSeconds));
  for (const kind of scanJobs(ctx.services.scans, ctx.config.scan)) worker.register(kind);
  for (const s of scanSchedules(ctx.jobs, ctx.config.scan)) worker.schedule(s);
  for (const kind of mirrorJobs(ctx.services.mirror, ctx.config.mirror)) worker.register(kind);
  const mirror = mirrorSchedule(ctx.jobs, ctx.config.mirror);
  if (mirror) worker.schedule(mirror);
  return worker;
}
