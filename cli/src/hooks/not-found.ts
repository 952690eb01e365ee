import { Errors, type Hook } from '@oclif/core';
import { formatError, type JsonError } from '../base-command.js';
import { CwsError } from '../lib/errors.js';

/** Edit distance (insertions, deletions, substitutions, and swaps of neighbours: "reslove" is one from "resolve"). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] as number[];
    const prev = d[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/**
 * The command the user most likely meant, and the words after it (arguments they typed): each command id is
 * compared with as many of the typed words as it has. Nothing when no command is reasonably close.
 */
export function closestCommand(typed: string[], ids: string[]): { id: string; rest: string[] } | undefined {
  let best: { id: string; rest: string[]; score: number } | undefined;
  for (const id of ids) {
    const words = id.split(':');
    if (words.length > typed.length) continue;
    const head = typed.slice(0, words.length).join(' ');
    const name = words.join(' ');
    const distance = editDistance(head, name);
    // Allow about one slip in three letters; a prefix of a longer command ("ami res") counts too.
    const score = name.startsWith(head) && head.length >= 3 ? 0.5 : distance;
    if (score > Math.max(2, Math.floor(name.length / 3))) continue;
    if (!best || score < best.score || (score === best.score && words.length > best.id.split(':').length)) {
      best = { id, rest: typed.slice(words.length), score };
    }
  }
  return best && { id: best.id, rest: best.rest };
}

/**
 * oclif's command_not_found hook: "did you mean", as a cws error (exit 2, `--json` gives the error document).
 * Our own rather than @oclif/plugin-not-found, which only suggests at an interactive prompt and loads a second
 * copy of oclif to do it.
 */
export const commandNotFound: Hook<'command_not_found'> = async (opts) => {
  const typed = opts.id.split(':').filter(Boolean);
  const visible = opts.config.commands.filter((c) => !c.hidden);
  const guess = closestCommand(typed, [...visible.map((c) => c.id), ...visible.flatMap((c) => c.aliases)]);
  const topic = opts.config.findTopic(typed[0] ?? '') ? ` ${typed[0]}` : '';
  const bin = opts.config.bin;
  const error = new CwsError(`"${typed.join(' ')}" is not a ${bin} command`, {
    code: 'unknown_command',
    suggestions: [
      ...(guess ? [`did you mean: ${bin} ${[...guess.id.split(':'), ...guess.rest].join(' ')}`] : []),
      `${bin}${topic} --help lists the commands`,
    ],
  });
  if ((opts.argv ?? []).includes('--json')) {
    const body: JsonError = {
      error: { code: error.code, message: error.message, exit: error.exit, suggestions: error.suggestions },
    };
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    process.stderr.write(formatError(error));
  }
  throw new Errors.ExitError(error.exit);
};
