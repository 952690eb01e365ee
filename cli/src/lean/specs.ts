import type { LeanFlag, LeanSpec } from './argv.js';

/** The parts of an oclif command class the lean path reads (its static `flags`, `args`, `strict`, `enableJsonFlag`). */
export interface CommandShape {
  flags?: Record<string, Record<string, unknown>>;
  args?: Record<string, Record<string, unknown>>;
  strict?: boolean;
  enableJsonFlag?: boolean;
}

const UNSUPPORTED = [
  'char',
  'env',
  'multiple',
  'required',
  'dependsOn',
  'exclusive',
  'relationships',
  'aliases',
  'charAliases',
];

/**
 * The lean path's spec of an oclif command: its plain string and boolean flags (plus `--json` as enableJsonFlag adds
 * it) and its arguments. A flag or command needing more of oclif's parser throws (the build fails) rather than
 * parse differently.
 */
export async function leanSpecOf(id: string, command: CommandShape): Promise<LeanSpec> {
  if (command.strict === false) throw new Error(`${id} is not strict; the lean path cannot parse it`);
  const flags: Record<string, Record<string, unknown>> = {
    ...command.flags,
    ...(command.enableJsonFlag ? { json: { type: 'boolean' } } : {}),
  };
  const spec: LeanSpec = { args: [], flags: {} };
  for (const [name, f] of Object.entries(flags)) {
    const extra = UNSUPPORTED.filter(
      (k) => f[k] !== undefined && f[k] !== false && !(Array.isArray(f[k]) && !f[k].length),
    );
    if (f.type !== 'boolean' && f.type !== 'option') extra.push(`type ${String(f.type)}`);
    if (typeof f.default === 'function') extra.push('a default function');
    const parse = f.parse as ((input: string, ctx: unknown, flag: unknown) => Promise<unknown>) | undefined;
    if (f.type === 'option' && parse && (await parse('x', {}, f)) !== 'x') extra.push('a parse function');
    if (extra.length) throw new Error(`${id} --${name} uses ${extra.join(', ')}; the lean path cannot parse it`);
    const flag: LeanFlag = { type: f.type as LeanFlag['type'] };
    if (Array.isArray(f.options)) flag.options = [...(f.options as string[])];
    if (f.allowNo === true) flag.allowNo = true;
    if (typeof f.default === 'string' || typeof f.default === 'boolean') flag.default = f.default;
    spec.flags[name] = flag;
  }
  for (const [name, a] of Object.entries(command.args ?? {})) spec.args.push({ name, required: a.required === true });
  return spec;
}

/** The commands the lean path runs (src/lean/entry.ts has their bodies). */
export const LEAN_COMMANDS = ['ami:resolve'] as const;
