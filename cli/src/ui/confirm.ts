import { createInterface } from 'node:readline/promises';

/**
 * Asks a yes/no question on the terminal. Returns undefined when nobody can answer (stdin or stdout is not a
 * terminal): callers then go ahead, as scripts expect.
 */
export async function confirm(question: string): Promise<boolean | undefined> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) return undefined;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
