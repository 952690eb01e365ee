import { CwsError } from '../lib/errors.js';

// How a failed command reports itself (message, code, exit, suggestions). Without oclif, so the lean start-up path
// (src/lean/) reports failures exactly as the oclif commands do.

export interface JsonError {
  error: { code: string; message: string; exit: number; suggestions: string[] } & Record<string, unknown>;
}

/**
 * oclif's parse errors in cws's words: one line, naming the flag and the value ("--priority must be a whole
 * number, not "abc"") rather than "Parsing --priority\n\tExpected an integer but received: abc\nSee more help".
 */
export function usageMessage(raw: string): string {
  const text = raw.replace(/\n?See more help with --help\s*$/, '').trim();
  const integer = /^Parsing (--[\w-]+)\s+Expected an integer but received: (.*)$/s.exec(text);
  if (integer) return `${integer[1]} must be a whole number, not "${integer[2]?.trim()}"`;
  const parsing = /^Parsing (--[\w-]+)\s+(.*)$/s.exec(text);
  if (parsing) return `${parsing[1]}: ${parsing[2]?.replace(/\s+/g, ' ').trim()}`;
  const missing = /^Missing \d+ required args?:\s*\n(.*)$/s.exec(text);
  if (missing) {
    const names = (missing[1] ?? '')
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[0]?.toUpperCase())
      .filter(Boolean);
    return `missing ${names.length > 1 ? 'arguments' : 'argument'} ${names.join(', ')}`;
  }
  const unknown = /^Nonexistent flags?: (.*)$/s.exec(text);
  if (unknown) return `unknown flag ${unknown[1]?.trim()}`;
  return text.replace(/\s*\n\s*/g, ': ');
}

/** Any error as a CwsError: a message, a code, an exit code and what to do next; never a stack trace. */
export function normalizeError(err: unknown, commandId?: string): CwsError {
  if (err instanceof CwsError) return err;
  const e = err as { name?: string; message?: string; oclif?: { exit?: number }; suggestions?: string[] };
  if (e?.oclif && typeof e.oclif.exit === 'number') {
    // oclif's own errors: unknown flags, missing arguments, bad values.
    const help = commandId ? `cws ${commandId.replaceAll(':', ' ')} --help shows the flags and examples` : undefined;
    return new CwsError(usageMessage(e.message ?? 'invalid arguments'), {
      code: 'usage',
      suggestions: e.suggestions?.length ? e.suggestions : help ? [help] : [],
    });
  }
  if (e?.name === 'RegistryError') {
    return new CwsError(e.message ?? 'registry error', {
      code: 'registry_error',
      suggestions: ['check the registry with: cws registry list'],
    });
  }
  return new CwsError(`unexpected error: ${e?.message ?? String(err)}`, {
    code: 'internal',
    suggestions: ['this is a bug in cws; run again with DEBUG=* for details and report it'],
  });
}

export function formatError(e: CwsError): string {
  const lines = [`Error: ${e.message}`];
  if (e.suggestions.length === 1) lines.push(`Try this: ${e.suggestions[0]}`);
  if (e.suggestions.length > 1) lines.push('Try this:', ...e.suggestions.map((s) => `  - ${s}`));
  return `${lines.join('\n')}\n`;
}

/** The `--json` answer of a failed command. */
export function jsonErrorBody(e: CwsError): JsonError {
  return { error: { code: e.code, message: e.message, exit: e.exit, suggestions: e.suggestions, ...(e.data ?? {}) } };
}
