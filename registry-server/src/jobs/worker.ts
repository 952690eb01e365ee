import type { AppContext } from '../context.js';
import { JobWorker } from './runner.js';
import { verificationJobs, verificationSchedule } from './verification.js';

/** The worker with every kind of background job the registry runs, and their schedules. */
export function createWorker(ctx: AppContext): JobWorker {
  const worker = new JobWorker(ctx.database, ctx.jobs, ctx.logger.child({ name: 'jobs' }), {
    pollMs: ctx.config.jobs.pollMs,
    leaseSeconds: ctx.config.jobs.leaseSeconds,
  });
  for (const kind of verificationJobs(ctx.services.verification)) worker.register(kind);
  worker.schedule(verificationSchedule(ctx.jobs, ctx.config.aws.verifyIntervalSeconds));
  return worker;
}
