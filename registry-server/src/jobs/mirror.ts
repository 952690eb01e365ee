import type { Config } from '../config/config.js';
import type { MirrorService } from '../services/mirror.js';
import type { JobQueue } from './queue.js';
import type { JobKind, Schedule } from './runner.js';

export const MIRROR_RUN = 'mirror.run';

/** How soon after start the first scheduled run comes. */
const FIRST_RUN_SECONDS = 30;

/** One mirror run of CWS_REGISTRY_MIRROR_URL, retried with backoff when the other registry is down. */
export function mirrorJobs(mirror: MirrorService, settings: Config['mirror']): JobKind[] {
  if (!settings.url) return [];
  const url = settings.url;
  return [
    {
      kind: MIRROR_RUN,
      concurrency: 1,
      timeoutMs: 30 * 60_000,
      maxAttempts: 5,
      run: async () => {
        const r = await mirror.run(url, settings.token);
        return { ...r, conflicts: r.conflicts.length };
      },
    },
  ];
}

/** The scheduled runs: every CWS_REGISTRY_MIRROR_INTERVAL seconds (0: none), one worker per due time. */
export function mirrorSchedule(queue: JobQueue, settings: Config['mirror']): Schedule | null {
  if (!settings.url || settings.intervalSeconds <= 0) return null;
  return {
    name: MIRROR_RUN,
    intervalSeconds: settings.intervalSeconds,
    firstDelaySeconds: Math.min(FIRST_RUN_SECONDS, settings.intervalSeconds),
    fire: async () => {
      await queue.enqueue(MIRROR_RUN, {}, { dedupeKey: MIRROR_RUN });
    },
  };
}
