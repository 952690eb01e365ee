import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPglite } from '@cws/registry-server';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createUser, publish, publishBody } from '../helpers/api.js';
import type { TestRegistry } from '../helpers/registry.js';

const BIN = new URL('../../registry-server/bin/cws-registry.js', import.meta.url).pathname;
const ADMIN = `admin-${'c'.repeat(32)}`;

// The embedded database runs without fsync and without full-page images (db/pglite-open.ts):
// a crash of the server process must still keep every rating it acknowledged, and the
// aggregates must come back consistent with the rating rows after WAL replay.
describe('the embedded database after the server process is killed', () => {
  it('keeps every acknowledged rating, its aggregate and its audit row', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'cws-crash-')), 'db');
    const { DATABASE_URL: _d, REDIS_URL: _r, ...rest } = process.env;
    const server = spawn('node', [BIN, 'serve'], {
      env: {
        ...rest,
        CWS_REGISTRY_DATA: dir,
        CWS_REGISTRY_LOG_LEVEL: 'error',
        CWS_REGISTRY_AWS: 'false',
        CWS_REGISTRY_DEMO: 'false',
        CWS_REGISTRY_ADMIN_TOKEN: ADMIN,
        PORT: '0',
      },
    });
    let stars: number[] = [];
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout.on('data', (d) => {
          out += d;
          const m = /listening on (http:\/\/[0-9.:]+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
      });
      const reg = { url, adminToken: ADMIN } as TestRegistry;
      const owner = await createUser(reg, 'owner');
      await publish(reg, owner, publishBody('crashy'));
      const raters = await Promise.all(Array.from({ length: 12 }, (_, i) => createUser(reg, `rater-${i}`)));
      const rate = (token: string, rating: number) =>
        request(url)
          .put('/api/v1/listings/owner/crashy/rating')
          .set('Authorization', `Bearer ${token}`)
          .send({ rating });
      stars = raters.map((_, i) => (i % 5) + 1);
      const first = await Promise.all(raters.map((t, i) => rate(t, stars[i]!)));
      expect(first.map((r) => r.status)).toEqual(raters.map(() => 200));
      // Half of them change their minds; the last answer is what must survive.
      stars = stars.map((s, i) => (i % 2 === 0 ? 6 - s : s));
      const second = await Promise.all(raters.map((t, i) => (i % 2 === 0 ? rate(t, stars[i]!) : null)));
      expect(second.filter((r) => r !== null).every((r) => r!.status === 200)).toBe(true);
    } finally {
      // No SIGTERM: nothing is flushed or checkpointed on the way out.
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGKILL');
      await exited;
    }

    const db = await openPglite(dir);
    try {
      const { rows } = await db.query<{ stars: number[]; sum: number; count: number; avg: number; audits: number }>(
        `SELECT (SELECT array_agg(r.stars ORDER BY u.handle) FROM ratings r JOIN users u ON u.id = r.user_id
                  WHERE r.image_id = i.id) AS stars,
                st.rating_sum::int AS sum, st.rating_count::int AS count, st.rating_avg AS avg,
                (SELECT count(*)::int FROM audit_log a WHERE a.image_id = i.id AND a.action LIKE 'rating.%') AS audits
           FROM images i JOIN image_stats st ON st.image_id = i.id WHERE i.name = 'crashy'`,
      );
      const byHandle = stars.map((s, i) => [`rater-${i}`, s] as const).sort(([a], [b]) => (a < b ? -1 : 1));
      expect(rows[0]?.stars).toEqual(byHandle.map(([, s]) => s));
      const sum = stars.reduce((a, b) => a + b, 0);
      expect(rows[0]).toMatchObject({ sum, count: 12, audits: 18 });
      expect(rows[0]?.avg).toBeCloseTo(sum / 12, 5);
      const fpw = await db.query<{ full_page_writes: string }>('SHOW full_page_writes');
      expect(fpw.rows[0]?.full_page_writes).toBe('off');
    } finally {
      await db.close();
    }
  });
});
