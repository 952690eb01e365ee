import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

/**
 * Graceful shutdown: once draining, new requests (on kept-alive connections) get 503 with
 * Retry-After and `Connection: close`, so a load balancer moves them to another replica, while
 * requests already in flight finish before the database closes.
 */
export class Drain {
  #draining = false;
  #inFlight = 0;
  #idle: Array<() => void> = [];
  /** Responses counted already (a lean answer handed on to the app, http/cached-get.ts). */
  #admitted = new WeakSet<ServerResponse>();

  readonly #done = () => {
    this.#inFlight -= 1;
    if (this.#inFlight === 0) for (const fn of this.#idle.splice(0)) fn();
  };

  get draining(): boolean {
    return this.#draining;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Counts a response in flight until it closes ('close' comes once per response, after
   * 'finish' or when the client went away first, node:http >= 15, also on kept-alive
   * connections: one shared listener covers both). False, counting nothing, once draining.
   * A response admitted before is let through again, counted once: a request admitted before
   * draining began is answered, wherever it is.
   */
  admit(res: ServerResponse): boolean {
    if (this.#admitted.has(res)) return true;
    if (this.#draining) return false;
    this.#admitted.add(res);
    this.#inFlight += 1;
    res.on('close', this.#done);
    return true;
  }

  /**
   * Runs after the request log and `nosniff` (app.ts), so the 503 is logged and headed like
   * every other answer.
   */
  middleware(): RequestHandler {
    return (_req, res, next) => {
      if (!this.admit(res)) {
        res.setHeader('Connection', 'close');
        res.setHeader('Retry-After', '2');
        res.status(503).json({ error: { code: 'unavailable', message: 'this replica is shutting down; try again' } });
        return;
      }
      next();
    };
  }

  /** Refuses new requests and resolves when those in flight are done, or after timeoutMs. */
  async drain(timeoutMs: number): Promise<void> {
    this.#draining = true;
    if (this.#inFlight === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.#idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
