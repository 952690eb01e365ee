import type { Spinner } from './spinner.js';

/**
 * Progress for long steps: on a terminal the spinner shows the latest text; otherwise (CI logs, pipes) each new step is
 * printed once on stderr, its elapsed-time suffix ignored so a wait is one line, not hundreds. Quiet under --json.
 */
export function progressReporter(spinner: Spinner, opts: { json: boolean }): (text: string) => void {
  const tty = process.stderr.isTTY && process.stdout.isTTY;
  let last = '';
  return (text: string) => {
    spinner.update(text);
    if (opts.json || tty) return;
    const key = text.replace(/\s*\(\d+ s\)$/, '').replace(/ is \S+$/, '');
    if (key === last) return;
    last = key;
    process.stderr.write(`${text}\n`);
  };
}
