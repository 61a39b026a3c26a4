/**
 * A TCP relay to a real server that a test can cut: `cut()` destroys every relayed connection and refuses new
 * ones (the client sees its connection drop, as in a network partition); `mend()` relays again.
 */
import net from 'node:net';

export class TcpCut {
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  #open = true;

  private constructor(server: net.Server) {
    this.#server = server;
  }

  static async to(host: string, port: number): Promise<TcpCut> {
    const server = net.createServer();
    const relay = new TcpCut(server);
    server.on('connection', (client) => relay.#relay(client, host, port));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  #relay(client: net.Socket, host: string, port: number): void {
    if (!this.#open) return void client.destroy();
    const upstream = net.connect(port, host);
    for (const s of [client, upstream]) {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  cut(): void {
    this.#open = false;
    for (const s of this.#sockets) s.destroy();
  }

  mend(): void {
    this.#open = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
