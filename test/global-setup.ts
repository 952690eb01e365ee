import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, openPglite } from '@cws/registry-server';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A dump (`dumpDataDir`) of an embedded database with every migration applied; null on the PostgreSQL pass. */
    pgliteTemplate: string | null;
    /** A migrated PostgreSQL database to copy (`CREATE DATABASE ... TEMPLATE`); null on the embedded pass. */
    postgresTemplate: string | null;
  }
}

/**
 * Migrates one database for the whole run, before any test file starts, and hands it to the workers
 * (`test/helpers/registry.ts`): every test registry then starts from a copy instead of its own initdb and
 * migrations. On the embedded pass a new in-memory PGlite costs ~8 s of CPU (initdb in WebAssembly) and its
 * migrations ~1 s more, in every test process that starts a registry; loading a dump costs ~2 s. On the
 * PostgreSQL pass the migrations cost ~2.7 s per test registry, a copy of the template ~0.7 s.
 * A test that wants a database nobody migrated asks for one (`freshDatabase()`): startup.test.ts does.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = process.env.DATABASE_URL || null;
  if (!url) {
    const started = performance.now();
    const pglite = await openPglite(null);
    const db = await createDatabase({ kind: 'pglite', dataDir: null }, { pglite });
    await db.migrate();
    const dump = await pglite.dumpDataDir('none');
    await db.close();
    const dir = mkdtempSync(join(tmpdir(), 'cws-test-template-'));
    const file = join(dir, 'pglite.tar');
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    project.provide('pgliteTemplate', file);
    project.provide('postgresTemplate', null);
    console.log(`test set-up: migrated embedded template in ${Math.round(performance.now() - started)} ms`);
    return async () => rmSync(dir, { recursive: true, force: true });
  }
  const name = `cws_test_template_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  const db = await createDatabase({ kind: 'postgres', url: target.toString(), poolMax: 1 });
  try {
    await db.migrate();
  } finally {
    // No session may stay on a template: CREATE DATABASE ... TEMPLATE refuses one that has connections.
    await db.close();
  }
  project.provide('pgliteTemplate', null);
  project.provide('postgresTemplate', name);
  return async () => {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await sql.end();
  };
}
