/**
 * The argv of a command as oclif would parse it, for the common, unambiguous forms only. The specs come from the
 * oclif commands themselves (cli/scripts/bundle.mjs writes dist/bundle/lean-commands.json from their static
 * `flags` and `args`); anything this does not handle exactly as oclif does (help, `--`, short or unknown flags, a
 * flag given twice, a value outside its options, a missing value) is null, and the command runs through oclif,
 * which then answers or fails in its own words. argv.test.ts compares the two on the real command.
 */
export interface LeanFlag {
  type: 'boolean' | 'option';
  options?: string[];
  allowNo?: boolean;
  default?: string | boolean;
}

export interface LeanSpec {
  args: { name: string; required: boolean }[];
  flags: Record<string, LeanFlag>;
}

export type LeanSpecs = Record<string, LeanSpec>;

export interface LeanParsed {
  args: Record<string, string>;
  flags: Record<string, string | boolean>;
}

export function parseLean(spec: LeanSpec, argv: readonly string[]): LeanParsed | null {
  const flags: Record<string, string | boolean> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (!token.startsWith('-')) {
      positional.push(token);
      continue;
    }
    if (!token.startsWith('--') || token === '--') return null;
    const eq = token.indexOf('=');
    const name = eq < 0 ? token.slice(2) : token.slice(2, eq);
    const flag = Object.hasOwn(spec.flags, name) ? spec.flags[name] : undefined;
    if (flag) {
      if (Object.hasOwn(flags, name)) return null;
      if (flag.type === 'boolean') {
        if (eq >= 0) return null;
        flags[name] = true;
        continue;
      }
      const value = eq >= 0 ? token.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '' || value.startsWith('-')) return null;
      if (flag.options && !flag.options.includes(value)) return null;
      flags[name] = value;
      continue;
    }
    const negated = name.startsWith('no-') ? name.slice(3) : undefined;
    const base = negated !== undefined && Object.hasOwn(spec.flags, negated) ? spec.flags[negated] : undefined;
    if (negated === undefined || !base || base.type !== 'boolean' || !base.allowNo || eq >= 0) return null;
    if (Object.hasOwn(flags, negated)) return null;
    flags[negated] = false;
  }
  if (positional.length > spec.args.length) return null;
  const args: Record<string, string> = {};
  for (const [i, arg] of spec.args.entries()) {
    const value = positional[i];
    if (value === undefined) {
      if (arg.required) return null;
      continue;
    }
    args[arg.name] = value;
  }
  for (const [name, flag] of Object.entries(spec.flags)) {
    if (!Object.hasOwn(flags, name) && flag.default !== undefined) flags[name] = flag.default;
  }
  return { args, flags };
}
