import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
}

/**
 * A TCP proxy on loopback that a test can cut, reset, black-hole and restore, to take a real
 * Redis or PostgreSQL "away" from one server without touching the one every other test uses.
 */
export class TcpProxy {
  #server: Server | null = null;
  #pairs = new Set<Pair>();
  #blackhole = false;
  port = 0;
  /** Connections accepted so far (a test can see that a client reconnected). */
  accepted = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(port = 0): Promise<number> {
    this.#server = createServer((client) => {
      this.accepted += 1;
      const upstream = connect(this.targetPort, this.targetHost);
      const pair = { client, upstream };
      this.#pairs.add(pair);
      for (const s of [client, upstream]) {
        s.on('error', () => s.destroy());
        s.on('close', () => this.#pairs.delete(pair));
      }
      // Bytes flow only while not black-holed; while black-holed they are read and dropped,
      // as a network partition would (no RST, no FIN: the peer just hears nothing).
      client.on('data', (d) => {
        if (!this.#blackhole && !upstream.destroyed) upstream.write(d);
      });
      upstream.on('data', (d) => {
        if (!this.#blackhole && !client.destroyed) client.write(d);
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
    return this.port;
  }

  /** Refuses new connections and drops the open ones. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    this.#destroyAll(false);
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async restore(): Promise<void> {
    await this.start(this.port);
  }

  /** Resets (TCP RST) every open connection; new ones are accepted as before. */
  reset(): number {
    return this.#destroyAll(true);
  }

  /** Open connections stop carrying bytes, new ones connect and then hear nothing, until turned off. */
  blackhole(on: boolean): void {
    this.#blackhole = on;
  }

  get open(): number {
    return this.#pairs.size;
  }

  #destroyAll(reset: boolean): number {
    const n = this.#pairs.size;
    for (const { client, upstream } of this.#pairs) {
      for (const s of [client, upstream]) {
        if (reset && typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
        else s.destroy();
      }
    }
    this.#pairs.clear();
    return n;
  }
}
