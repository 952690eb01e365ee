import { describe, expect, it } from 'vitest';
import { buildConfig } from './config.js';
import { readEnv } from './env.js';

describe('configuration', () => {
  it('defaults to embedded PGlite under the XDG data folder, in-process cache, port 8948', () => {
    const config = buildConfig(readEnv({ XDG_DATA_HOME: '/data/home' }));
    expect(config.http).toMatchObject({ host: '127.0.0.1', port: 8948 });
    expect(config.db).toEqual({ kind: 'pglite', dataDir: '/data/home/cws-registry' });
    expect(config.redis).toBeNull();
    expect(config.demo).toBe(true);
  });

  it('switches to a Postgres server and Redis by URL, with demo data off', () => {
    const config = buildConfig(readEnv({ DATABASE_URL: 'postgres://u@db:5432/cws', REDIS_URL: 'redis://cache:6379' }));
    expect(config.db).toEqual({
      kind: 'postgres',
      url: 'postgres://u@db:5432/cws',
      poolMax: 10,
      statementTimeoutMs: 10_000,
      connectTimeoutMs: 5000,
    });
    expect(config.redis).toEqual({ url: 'redis://cache:6379', prefix: 'cws:' });
    expect(config.demo).toBe(false);
  });

  it('names every bad variable', () => {
    expect(() => readEnv({ PORT: '99999', REDIS_URL: 'http://x', CWS_REGISTRY_CACHE_TTL: '-1' })).toThrow(
      /PORT: must be between 0 and 65535[\s\S]*REDIS_URL[\s\S]*CWS_REGISTRY_CACHE_TTL/,
    );
  });

  it('rejects contradictory settings', () => {
    expect(() => buildConfig(readEnv({ DATABASE_URL: 'postgres://x/y', CWS_REGISTRY_DATA: '/tmp/x' }))).toThrow(
      /either DATABASE_URL/,
    );
  });

  it('ignores variables it does not know and empty values', () => {
    expect(buildConfig(readEnv({ PORT: '', SOMETHING_ELSE: '1' })).http.port).toBe(8948);
  });
});
