// The embedded database's own thread (db/pglite-thread.ts starts it): PGlite runs here, so a
// slow query occupies this thread and never the one that answers HTTP requests.
import { parentPort, workerData } from 'node:worker_threads';
import type { PGlite } from '@electric-sql/pglite';
import { openPglite } from './pglite-open.js';
import { runStatement } from './pglite-statement.js';
import type { ThreadReply, ThreadRequest } from './pglite-thread.js';

const port = parentPort;
if (!port) throw new Error('pglite-worker.js runs as a worker thread');

/** What survives the copy to the other thread: the message and the driver's fields (code, detail ...). */
function plainError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const out: Record<string, unknown> = { message: err.message, name: err.name };
  for (const [k, v] of Object.entries(err)) {
    if (v === undefined || typeof v === 'function' || (typeof v === 'object' && v !== null)) continue;
    out[k] = v;
  }
  return out;
}

let pglite: PGlite | null = null;
try {
  pglite = await openPglite((workerData as { dataDir: string | null }).dataDir);
  port.postMessage({ id: 0, ready: true } satisfies ThreadReply);
} catch (err) {
  port.postMessage({ id: 0, error: plainError(err) } satisfies ThreadReply);
}

port.on('message', async (msg: ThreadRequest) => {
  const db = pglite;
  if (!db) return;
  if (msg.close) {
    try {
      await db.close();
      port.postMessage({ id: msg.id, closed: true } satisfies ThreadReply);
    } catch (err) {
      port.postMessage({ id: msg.id, error: plainError(err) } satisfies ThreadReply);
    }
    port.close();
    return;
  }
  try {
    const { rows, affectedRows } = await runStatement(db, msg.sql, msg.params);
    port.postMessage({ id: msg.id, rows, affectedRows } satisfies ThreadReply);
  } catch (err) {
    port.postMessage({ id: msg.id, error: plainError(err) } satisfies ThreadReply);
  }
});
