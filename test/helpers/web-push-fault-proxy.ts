/**
 * A TCP proxy in front of a WebPushReceiver that plays a push service in trouble, at the connection level:
 * - forward: bytes pass through to the receiver (which may itself answer 500s: its subscriptions' `status`);
 * - hang: connections are accepted and never answered (only the sender's own deadline ends them; leaving
 *   `hang` drops those still held);
 * - delay: every request is held `delayMs` before it is passed on (a slow push service): each chunk the client
 *   sends waits `delayMs` from its arrival, in order, so requests on a kept-alive connection are each delayed;
 * - down: nothing listens on the port (connection refused); leaving `down` listens on the same port again;
 * - lose-answers: requests go through, but the receiver's answer resets the sender's connection instead of
 *   reaching it (a network path failing on the way back): the receiver took the push, the sender cannot know.
 *
 * The proxy takes over the receiver's origin, so subscriptions made afterwards name the proxy and the VAPID
 * `aud` the receiver checks is the origin Accord signed for. The sender keeps connections alive, so entering
 * `hang` or `down` resets every open connection (as an outage of the network path does): the next push opens a
 * new one and meets the mode.
 *
 * Such a reset can come while a request is on its way: the receiver may take it (and record the push) while its
 * answer never reaches the sender, which then sends it again — Web Push is at least once. So that a test can
 * tell those repeats from others, the proxy counts, per forwarded connection, the answer bytes it handed to the
 * sender (ProxiedConnection.answered) and tells the receiver which connection a request came over
 * (WebPushReceiver.answerLost compares the two).
 */
import net from 'node:net';
import type { WebPushReceiver } from './web-push-receiver.ts';

export type ProxyMode = 'forward' | 'hang' | 'delay' | 'down' | 'lose-answers';

/** A connection passed through to the receiver. */
export interface ProxiedConnection {
  readonly id: number;
  /** Bytes of the receiver's answers handed to the sender's side (flushed to its socket) so far. */
  answered: number;
  /** The proxy reset it (entering `hang` or `down`, or at an answer in `lose-answers`), not either end. */
  cut: boolean;
}

export class WebPushFaultProxy {
  #mode: ProxyMode = 'forward';
  #server: net.Server | null = null;
  readonly #open = new Set<net.Socket>();
  readonly #held = new Set<net.Socket>();
  /**
   * Forwarded connections by the local port of their connection to the receiver (its request's remotePort). Kept
   * after they close (a request the receiver reads after a reset still finds its connection); a new connection
   * from the same port replaces the entry.
   */
  readonly #byUpstreamPort = new Map<number, ProxiedConnection>();
  readonly #forwarded = new Map<net.Socket, ProxiedConnection>();
  /**
   * Connections accepted, held by `hang`, closed by the client while held (its deadline cut them), and forwarded
   * ones the proxy reset (on entering `hang` or `down`, or at an answer in `lose-answers`).
   */
  readonly counts = { connections: 0, hung: 0, cut: 0, reset: 0 };
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
    receiver.serveBehind(proxy.origin, (port) => proxy.#byUpstreamPort.get(port));
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
    if (mode === 'hang' || mode === 'down') {
      for (const s of [...this.#open]) {
        if (this.#held.has(s)) continue;
        const forwarded = this.#forwarded.get(s);
        if (forwarded && !s.destroyed) {
          forwarded.cut = true;
          this.counts.reset++;
        }
        s.destroy();
      }
    }
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
    const connection: ProxiedConnection = { id: this.counts.connections, answered: 0, cut: false };
    this.#forwarded.set(socket, connection);
    socket.once('close', () => this.#forwarded.delete(socket));
    const upstream = net.connect(this.upstreamPort, '127.0.0.1');
    // Registered before any byte goes to the receiver (writes made before connect wait for this event).
    upstream.once('connect', () => {
      if (upstream.localPort !== undefined) this.#byUpstreamPort.set(upstream.localPort, connection);
    });
    upstream.on('error', () => socket.destroy());
    upstream.once('close', () => socket.destroy());
    socket.once('close', () => upstream.destroy());
    // The answers, counted once flushed to the sender's side: what a reset destroys before that is lost.
    upstream.on('data', (chunk: Buffer) => {
      if (socket.destroyed) return;
      if (this.#mode === 'lose-answers') {
        connection.cut = true;
        this.counts.reset++;
        socket.destroy();
        return;
      }
      socket.write(chunk, (err) => {
        if (!err) connection.answered += chunk.length;
      });
    });
    upstream.once('end', () => socket.end());
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
