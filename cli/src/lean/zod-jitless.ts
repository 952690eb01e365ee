import * as z from 'zod';

/** Each schema checks one answer per run: zod's compiled fast path costs more to build than it saves. */
export function zodJitless(): void {
  z.config({ jitless: true });
}
