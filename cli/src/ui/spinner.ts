const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface Spinner {
  update(text: string): void;
  stop(): void;
}

const quiet: Spinner = { update() {}, stop() {} };

/**
 * A spinner on stderr, only for people: quiet under --json and when stdout or stderr is not a terminal. It waits
 * half a second before showing, so fast commands never flicker.
 */
export function startSpinner(text: string, opts: { json: boolean }): Spinner {
  if (opts.json || !process.stdout.isTTY || !process.stderr.isTTY) return quiet;
  let label = text;
  let frame = 0;
  let shown = false;
  const draw = () => {
    shown = true;
    process.stderr.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${label}`);
  };
  let timer: NodeJS.Timeout | undefined;
  const delay = setTimeout(() => {
    draw();
    timer = setInterval(draw, 80);
  }, 500);
  return {
    update(next: string) {
      label = next;
    },
    stop() {
      clearTimeout(delay);
      if (timer) clearInterval(timer);
      if (shown) process.stderr.write('\r\x1b[2K');
    },
  };
}
