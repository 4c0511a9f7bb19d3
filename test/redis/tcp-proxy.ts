import { createConnection, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of a real Redis that a test can cut: after `blackhole()` it keeps
 * every socket open but stops reading from them, as a network partition does (commands never
 * answer, nothing is refused or lost); `heal()` lets the held bytes through again. `close()` ends it.
 */
export class TcpProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** [client, upstream] socket pairs in the order they were accepted. */
  private readonly accepted: [Socket, Socket][] = [];
  private cut = false;

  private constructor(server: Server) {
    this.server = server;
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server);
    server.on('connection', (client) => proxy.accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  blackhole(): void {
    this.cut = true;
    for (const s of this.sockets) s.pause();
  }

  heal(): void {
    this.cut = false;
    for (const s of this.sockets) s.resume();
  }

  /** How many connections were accepted so far. */
  get connectionCount(): number {
    return this.accepted.length;
  }

  /**
   * Partitions only the connections accepted so far, except the first `spare` ones: a half-open
   * socket on some clients while others (and new connections) still work.
   */
  blackholeExisting(spare: number): void {
    for (const pair of this.accepted.slice(spare)) for (const s of pair) s.pause();
  }

  /** Drops every open connection (as a restarted server or middlebox does); new ones are accepted. */
  reset(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    const upstream = createConnection(target);
    this.accepted.push([client, upstream]);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => this.sockets.delete(s));
    }
    client.pipe(upstream);
    upstream.pipe(client);
    if (this.cut) {
      client.pause();
      upstream.pause();
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}
