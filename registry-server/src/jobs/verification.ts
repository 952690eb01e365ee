import type { VerificationService } from '../services/verification.js';
import { VERIFY_PASS, VERIFY_REGION } from '../services/verification.js';
import type { JobQueue } from './queue.js';
import type { JobKind, Schedule } from './runner.js';

/** How soon after start the first scheduled pass runs, so restarts more frequent than the interval do not skip it. */
const FIRST_PASS_SECONDS = 60;

export function verificationJobs(verification: VerificationService): JobKind[] {
  return [
    {
      kind: VERIFY_REGION,
      concurrency: 8,
      timeoutMs: 60_000,
      maxAttempts: 25,
      run: (job) => verification.verifyRegion(Number(job.payload['region_image_id'])),
    },
    {
      kind: VERIFY_PASS,
      concurrency: 1,
      timeoutMs: 300_000,
      maxAttempts: 3,
      run: async () => ({ queued: await verification.queueAll() }),
    },
  ];
}

/** Every active version re-verified every `intervalSeconds` (one worker per due time enqueues the pass). */
export function verificationSchedule(queue: JobQueue, intervalSeconds: number): Schedule {
  return {
    name: VERIFY_PASS,
    intervalSeconds,
    firstDelaySeconds: Math.min(FIRST_PASS_SECONDS, intervalSeconds),
    fire: async () => {
      await queue.enqueue(VERIFY_PASS, {}, { dedupeKey: VERIFY_PASS });
    },
  };
}
