import { createHash, randomBytes } from 'node:crypto';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

let reg: TestRegistry;
const logs: string[] = [];
beforeAll(async () => {
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  // Letters only from g-z: no four characters of it can stand in a stored `sha256:<hex>` prefix by chance (with a
  // hex token, one run in a few hundred found four of its characters in its own hash's first eight).
  const letters = 'ghijklmnopqrstuvwxyz';
  const adminToken = `admin-${Array.from(randomBytes(32), (b) => letters[b % letters.length]).join('')}`;
  reg = await startRegistry({ logger, adminToken });
});
afterAll(() => reg?.close());

const SECRET = 'Zq9sEcReTcOdE4xWvUtSrQpOnMlKjIhGfEdCbA01234';

describe('secrets stay out of logs and out of the database', () => {
  it('redacts sign-in and device codes from logged URLs, 4xx included', async () => {
    const codes = [
      `/login/${SECRET}`,
      `/login/${SECRET}?next=/x`,
      `/device?code=${SECRET}`,
      `/api/v1/nowhere?code=${SECRET}&limit=2`,
      `/api/v1/listings?user_code=${SECRET}&cursor=%ZZ`,
    ];
    const statuses: number[] = [];
    for (const path of codes) statuses.push((await request(reg.url).get(path)).status);
    expect(statuses.some((s) => s >= 400 && s < 500)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    const lines = logs.filter((l) => l.includes('request completed'));
    expect(lines.length).toBeGreaterThanOrEqual(codes.length);
    expect(logs.join('\n')).not.toContain(SECRET);
    const urls = lines.map((l) => JSON.parse(l).req.url as string);
    expect(urls).toContain('/login/[redacted]');
    expect(urls).toContain('/api/v1/nowhere?code=[redacted]&limit=2');
  });

  it('stores none of the admin token in plain text, and replaces a plain prefix kept from before', async () => {
    const hash = createHash('sha256').update(reg.adminToken).digest('hex');
    const row = () =>
      reg.database.db
        .selectFrom('api_tokens')
        .select(['id', 'prefix'])
        .where('token_hash', '=', hash)
        .executeTakeFirstOrThrow();
    const stored = await row();
    expect(stored.prefix).toBe(`sha256:${hash.slice(0, 8)}`);
    for (let i = 0; i + 4 <= reg.adminToken.length; i++)
      expect(stored.prefix).not.toContain(reg.adminToken.slice(i, i + 4));
    await reg.database.db
      .updateTable('api_tokens')
      .set({ prefix: reg.adminToken.slice(0, 10) })
      .where('id', '=', stored.id)
      .execute();
    await reg.server.ctx.services.auth.bootstrapAdmin(reg.adminToken);
    expect((await row()).prefix).toBe(`sha256:${hash.slice(0, 8)}`);
    const listed = await request(reg.url).get('/api/v1/tokens').set('Authorization', `Bearer ${reg.adminToken}`);
    expect(JSON.stringify(listed.body)).not.toContain(reg.adminToken.slice(0, 10));
  });
});
