// Creates migrations/src/<timestamp>_<name>.ts; add it to src/index.ts afterwards.
import { writeFileSync } from 'node:fs';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: pnpm --filter @cws/migrations new NAME   (NAME: lowercase letters, digits, _)');
  process.exit(2);
}
const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
const file = new URL(`../src/${stamp}_${name}.ts`, import.meta.url);
writeFileSync(
  file,
  `import { type Kysely, sql } from 'kysely';\n\nexport async function up(db: Kysely<unknown>): Promise<void> {\n  await sql\`\`.execute(db);\n}\n\nexport async function down(db: Kysely<unknown>): Promise<void> {\n  await sql\`\`.execute(db);\n}\n`,
  { flag: 'wx' },
);
console.log(`created ${file.pathname}; list it in migrations/src/index.ts`);
