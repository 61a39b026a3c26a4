/**
 * A TCP proxy in front of a WebPushReceiver that plays a push service in trouble, at the connection level:
 * - forward: bytes pass through to the receiver (which may itself answer 500s: its subscriptions' `status`);
 * - hang: connections are accepted and never answered (only the sender's own deadline ends them; leaving
 *   `hang` drops those still held);
 * - delay: every request is held `delayMs` before it is passed on (a slow push service): each chunk the client
 *   sends waits `delayMs` from its arrival, in order, so requests on a kept-alive connection are each delayed;
 * - down: nothing listens on the port (connection refused); leaving `down` listens on the same port again.
 *
 * The proxy takes over the receiver's origin, so subscriptions made afterwards name the proxy and the VAPID
 * `aud` the receiver checks is the origin Accord signed for. The sender keeps connections alive, so entering
 * `hang` or `down` resets every open connection (as an outage of the network path does): the next push opens a
 * new one and meets the mode.
 */
import net from 'node:net';
import type { WebPushReceiver } from './web-push-receiver.ts';

export type ProxyMode = 'forward' | 'hang' | 'delay' | 'down';

export class WebPushFaultProxy {
  #mode: ProxyMode = 'forward';
  #server: net.Server | null = null;
  readonly #open = new Set<net.Socket>();
  readonly #held = new Set<net.Socket>();
  /** Connections accepted, held by `hang`, and closed by the client while held (its deadline cut them). */
  readonly counts = { connections: 0, hung: 0, cut: 0 };
  delayMs = 5_000;

  private constructor(
    private readonly upstreamPort: number,
    readonly port: number,
  ) {}

  static async start(receiver: WebPushReceiver): Promise<WebPushFaultProxy> {
    const upstreamPort = Number(new URL(receiver.origin).port);
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const proxy = new WebPushFaultProxy(upstreamPort, port);
    await proxy.#listen();
    receiver.serveBehind(proxy.origin);
    return proxy;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get mode(): ProxyMode {
    return this.#mode;
  }

  async setMode(mode: ProxyMode): Promise<void> {
    if (mode === this.#mode) return;
    const was = this.#mode;
    this.#mode = mode;
    if (mode === 'hang' || mode === 'down') for (const s of [...this.#open]) if (!this.#held.has(s)) s.destroy();
    if (was === 'hang') {
      // The outage ends: connections still held are dropped (as a network path coming back resets them).
      const held = [...this.#held];
      this.#held.clear();
      for (const s of held) s.destroy();
    }
    if (mode === 'down') {
      const server = this.#server!;
      this.#server = null;
      // close() stops listening now; connections already held end on their own.
      await new Promise<void>((r) => server.close(() => r()));
    } else if (was === 'down') await this.#listen();
  }

  async close(): Promise<void> {
    for (const s of this.#open) s.destroy();
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  #listen(): Promise<void> {
    const server = net.createServer((socket) => this.#accept(socket));
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  #accept(socket: net.Socket) {
    this.counts.connections++;
    this.#open.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => this.#open.delete(socket));
    if (this.#mode === 'hang') {
      this.counts.hung++;
      this.#held.add(socket);
      socket.resume(); // read and drop the request; never answer
      socket.once('close', () => {
        if (this.#held.delete(socket)) this.counts.cut++;
      });
      return;
    }
    const upstream = net.connect(this.upstreamPort, '127.0.0.1');
    upstream.on('error', () => socket.destroy());
    upstream.once('close', () => socket.destroy());
    socket.once('close', () => upstream.destroy());
    upstream.pipe(socket);
    // The delay line: what the client sends goes on `delayMs` after it arrived (0 unless in `delay`), in order.
    const line: Array<{ at: number; chunk: Buffer | null }> = [];
    let timer: NodeJS.Timeout | null = null;
    const flush = () => {
      timer = null;
      while (line.length && line[0]!.at <= Date.now()) {
        const { chunk } = line.shift()!;
        if (upstream.destroyed) return;
        if (chunk) upstream.write(chunk);
        else upstream.end();
      }
      if (line.length) timer = setTimeout(flush, line[0]!.at - Date.now()).unref();
    };
    const enqueue = (chunk: Buffer | null) => {
      const at = Math.max(Date.now() + (this.#mode === 'delay' ? this.delayMs : 0), line.at(-1)?.at ?? 0);
      line.push({ at, chunk });
      if (!timer) flush();
    };
    socket.on('data', (chunk: Buffer) => enqueue(chunk));
    socket.once('end', () => enqueue(null));
  }
}
