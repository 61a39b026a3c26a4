/**
 * A minimal gateway client for the gateway tests: a real `ws` WebSocket that records every payload (inflating
 * zlib-stream with one inflate context per connection, as Discord clients do) and waits with timeouts.
 */
import zlib from 'node:zlib';
import { WebSocket } from 'ws';
import { ALL_INTENTS, PRIVILEGED_INTENTS } from '../../src/protocol/intents.ts';
import { waitFor } from '../helpers/services.ts';

export interface Payload {
  op: number;
  d: any;
  s: number | null;
  t: string | null;
}

export interface ConnectOptions {
  path?: string;
  query?: string;
  zlib?: boolean;
  /** Heartbeat every 0.8 × heartbeat_interval after HELLO, and when asked (op 1). Default true. */
  heartbeat?: boolean;
}

export class GatewayClient {
  readonly payloads: Payload[] = [];
  /** Raw binary messages (zlib-stream) as received. */
  readonly rawFrames: Buffer[] = [];
  closed: { code: number; reason: string } | null = null;
  #inflate: zlib.Inflate | null = null;
  #inflateChain: Promise<void> = Promise.resolve();
  #opened: Promise<void>;
  #heartbeatTimer: NodeJS.Timeout | null = null;

  constructor(readonly ws: WebSocket, useZlib: boolean, private readonly autoHeartbeat = true) {
    if (useZlib) this.#inflate = zlib.createInflate();
    this.#opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${res.statusCode}`)));
    });
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary));
    ws.on('close', (code, reason) => {
      if (this.#heartbeatTimer) clearInterval(this.#heartbeatTimer);
      this.closed = { code, reason: reason.toString() };
    });
  }

  static async connect(baseUrl: string, opts: ConnectOptions = {}): Promise<GatewayClient> {
    const query = opts.query ?? `v=10&encoding=json${opts.zlib ? '&compress=zlib-stream' : ''}`;
    const url = `${baseUrl.replace(/^http/, 'ws')}${opts.path ?? '/gateway'}?${query}`;
    const client = new GatewayClient(new WebSocket(url), Boolean(opts.zlib), opts.heartbeat ?? true);
    await client.#opened;
    return client;
  }

  #received(p: Payload): void {
    this.payloads.push(p);
    if (!this.autoHeartbeat) return;
    if (p.op === 10 && !this.#heartbeatTimer) {
      this.#heartbeatTimer = setInterval(() => this.#beat(), p.d.heartbeat_interval * 0.8);
    } else if (p.op === 1) this.#beat();
  }

  #beat(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.send(1, this.lastSeq);
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (!isBinary) {
      this.#received(JSON.parse(data.toString('utf8')));
      return;
    }
    this.rawFrames.push(data);
    const inflate = this.#inflate;
    if (!inflate) throw new Error('binary frame without zlib-stream');
    this.#inflateChain = this.#inflateChain.then(
      () =>
        new Promise<void>((resolve) => {
          const chunks: Buffer[] = [];
          const onData = (c: Buffer) => chunks.push(c);
          inflate.on('data', onData);
          inflate.write(data);
          inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
            inflate.off('data', onData);
            this.#received(JSON.parse(Buffer.concat(chunks).toString('utf8')));
            resolve();
          });
        }),
    );
  }

  send(op: number, d: unknown): void {
    this.ws.send(JSON.stringify({ op, d }));
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  dispatches(t?: string): Payload[] {
    return this.payloads.filter((p) => p.op === 0 && (t === undefined || p.t === t));
  }

  async waitFor(pred: (p: Payload) => boolean, what: string, timeoutMs = 5000, from = 0): Promise<Payload> {
    return waitFor(() => this.payloads.slice(from).find(pred), { timeoutMs, what });
  }

  waitForOp(op: number, timeoutMs = 5000): Promise<Payload> {
    return this.waitFor((p) => p.op === op, `op ${op}`, timeoutMs);
  }

  waitForDispatch(t: string, pred: (d: any) => boolean = () => true, timeoutMs = 5000, from = 0): Promise<Payload> {
    return this.waitFor((p) => p.op === 0 && p.t === t && pred(p.d), `dispatch ${t}`, timeoutMs, from);
  }

  async waitForClose(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    return waitFor(() => this.closed, { timeoutMs, what: 'close' });
  }

  /** IDENTIFY and wait for READY; returns READY's d. */
  async identify(token: string, extra: Record<string, unknown> = {}): Promise<any> {
    await this.waitForOp(10);
    this.send(2, { token, properties: { os: 'linux', browser: 'test', device: 'test' }, intents: ALL_INTENTS & ~PRIVILEGED_INTENTS, ...extra });
    const ready = await this.waitForDispatch('READY');
    return ready.d;
  }

  /** IDENTIFY, then wait for READY and every guild's GUILD_CREATE; returns READY's d. */
  async identifyAndLoad(token: string, extra: Record<string, unknown> = {}): Promise<any> {
    const ready = await this.identify(token, extra);
    for (const g of ready.guilds) await this.waitForDispatch('GUILD_CREATE', (d) => d.id === g.id);
    return ready;
  }

  get lastSeq(): number | null {
    let s: number | null = null;
    for (const p of this.payloads) if (p.s !== null && p.s !== undefined) s = p.s;
    return s;
  }

  async close(): Promise<void> {
    if (this.#heartbeatTimer) clearInterval(this.#heartbeatTimer);
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const done = new Promise<void>((r) => this.ws.once('close', () => r()));
    this.ws.terminate();
    await done;
  }
}

/**
 * The gateway sessions one suite opens, closed together in its `after`. `online` connects to the server `url()`
 * names (read at call time: suites start their server in `before`), identifies with `extra` in IDENTIFY, and by
 * default waits for READY and every guild's GUILD_CREATE.
 */
export class GatewaySessions {
  readonly #open: GatewayClient[] = [];
  constructor(private readonly url: () => string) {}

  async online(user: { token: string }, extra: Record<string, unknown> = {}, opts: { load?: boolean } = {}): Promise<GatewayClient> {
    const c = await GatewayClient.connect(this.url());
    this.#open.push(c);
    if (opts.load === false) await c.identify(user.token, extra);
    else await c.identifyAndLoad(user.token, extra);
    return c;
  }

  async closeAll(): Promise<void> {
    for (const c of this.#open.splice(0)) await c.close();
  }
}
