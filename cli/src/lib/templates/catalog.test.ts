import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_TEMPLATES_DIR, compiledTemplate, findTemplate } from './catalog.js';
import { parseTemplate } from './parse.js';

const builtins = readdirSync(BUILTIN_TEMPLATES_DIR).filter((f) => f.endsWith('.yml'));
const compiledFile = join(BUILTIN_TEMPLATES_DIR, '..', 'dist', 'bundle', 'builtin-templates.json');

describe('built-in templates as the build keeps them', () => {
  it('the build keeps every built-in template', () => {
    expect(existsSync(compiledFile)).toBe(true);
    expect(Object.keys(JSON.parse(readFileSync(compiledFile, 'utf8'))).sort()).toEqual([...builtins].sort());
  });

  it.each(builtins)('%s reads the same as parsing its YAML', async (name) => {
    const file = join(BUILTIN_TEMPLATES_DIR, name);
    const parsed = parseTemplate(readFileSync(file, 'utf8'), file);
    expect(await compiledTemplate(file)).toStrictEqual(parsed);
    const found = await findTemplate(parsed.name, mkdtempSync(join(tmpdir(), 'cws-no-user-templates-')));
    expect(found).toStrictEqual({ template: parsed, source: 'builtin', file });
  });

  it('a file whose text is not what was built is parsed afresh', async () => {
    const name = builtins[0] as string;
    const edited = join(mkdtempSync(join(tmpdir(), 'cws-edited-')), name);
    writeFileSync(edited, `${readFileSync(join(BUILTIN_TEMPLATES_DIR, name), 'utf8')}\n# edited\n`);
    expect(await compiledTemplate(edited)).toBeUndefined();
  });
});
