/**
 * The WebSocket endpoint: upgrade requests on /gateway, /gateway/ and / of the HTTP(S) server become
 * connections. Query: `v` 10 or 9 (absent means 10; anything else → close 4012), `encoding` json (absent means
 * json; etf → close 4002, Accord speaks JSON only), `compress` zlib-stream or absent. zstd-stream (and any
 * other compress value) is refused before the upgrade with HTTP 400 and a JSON body: Node 20 has no zstd.
 *
 * Each client address (resolved through ACCORD_TRUSTED_PROXIES, as REST resolves it) may hold at most
 * ACCORD_GATEWAY_SOCKETS_PER_IP sockets on this node, handshakes in progress included; beyond, the upgrade is
 * refused with HTTP 429 before any WebSocket exists. Discord documents no close code for this (its edge answers
 * floods at the HTTP level too), and a refused upgrade costs the server nothing but a few bytes.
 *
 * The `ws` library's own payload limit is set above the gateway's 4096 bytes so that the connection can close
 * with Discord's 4002 itself; a message above WS_MAX_PAYLOAD is cut off by `ws` with 1009 before it is buffered.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../config/schema.ts';
import { clientIp, trustProxies, type TrustProxy } from '../lib/client-ip.ts';
import { BANNED_MESSAGE } from '../lib/invalid-requests.ts';
import type { ClientBans } from '../contracts/role.ts';
import { CloseCodes } from './codec.ts';
import { createZlibStreamEncoder, PlainEncoder } from './compression.ts';
import { Connection } from './connection.ts';
import { batchSocketWrites } from './write-batch.ts';
import { syncDeflateSupported } from './zlib-sync.ts';
import type { Gateway } from './gateway.ts';

export const GATEWAY_PATHS = new Set(['/gateway', '/gateway/', '/']);
export const SUPPORTED_VERSIONS = new Set(['9', '10']);
/** Hard cap for one inbound WebSocket message (the gateway limit, 4096, is enforced with close 4002). */
export const WS_MAX_PAYLOAD = 16 * 1024;

/** A minimal HTTP answer to an upgrade request; the socket is destroyed once it is written. */
function refuse(socket: Duplex, status: number, statusText: string, body?: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\n` +
      Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') +
      (text ? `Content-Type: application/json\r\n` : '') +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
    () => socket.destroy(),
  );
}

/**
 * ws(s)://<this node>/gateway: ACCORD_RESUME_GATEWAY_URL when set (a proxy path that reaches this node, so a
 * resume lands where the session is), else ACCORD_PUBLIC_URL, else the Host the client connected to.
 */
export function resumeGatewayUrl(config: Config, req: IncomingMessage): string {
  if (config.resumeGatewayUrl) return config.resumeGatewayUrl.replace(/\/+$/, '');
  if (config.publicUrl) return `${config.publicUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}/gateway`;
  const proto = config.tlsCert ? 'wss' : 'ws';
  return `${proto}://${req.headers.host ?? `127.0.0.1:${config.port}`}/gateway`;
}

export class GatewayEndpoint {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD, perMessageDeflate: false, clientTracking: false });
  #closed = false;
  #nextId = 0;
  readonly #trust: TrustProxy;
  /** Open sockets (and handshakes in progress) per client address; an address leaves with its last socket. */
  readonly #socketsPerIp = new Map<string, number>();
  readonly #onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head);

  constructor(
    private readonly server: HttpServer,
    private readonly gw: Gateway,
    private readonly bans?: ClientBans,
  ) {
    this.#trust = trustProxies(gw.deps.config.trustedProxies);
    server.on('upgrade', this.#onUpgrade);
    // Feature check once at startup: node:zlib internals for the synchronous zlib-stream encoder.
    if (!syncDeflateSupported()) gw.log.warn('node:zlib internals missing: zlib-stream uses the asynchronous encoder (slower)');
  }

  close(): void {
    this.#closed = true;
    this.server.off('upgrade', this.#onUpgrade);
    this.#wss.close();
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => this.gw.log.debug({ err }, 'upgrade socket error'));
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!GATEWAY_PATHS.has(url.pathname)) return refuse(socket, 404, 'Not Found');
    if (this.#closed) return refuse(socket, 503, 'Service Unavailable');
    const ip = clientIp(req, this.#trust);
    // An address the REST side banned for too many invalid requests (lib/invalid-requests.ts) is refused here too.
    const bannedMs = this.bans?.refuse(ip) ?? 0;
    if (bannedMs > 0) {
      this.gw.counters.upgradesRefused++;
      return refuse(socket, 429, 'Too Many Requests', { message: BANNED_MESSAGE, retry_after: Number((bannedMs / 1000).toFixed(3)), global: true, code: 0 }, { 'Retry-After': String(Math.ceil(bannedMs / 1000)) });
    }
    const open = this.#socketsPerIp.get(ip) ?? 0;
    if (open >= this.gw.deps.config.gatewaySocketsPerIp) {
      this.gw.counters.upgradesRefused++;
      return refuse(socket, 429, 'Too Many Requests', { code: 0, message: 'Too many gateway connections from this address' });
    }
    this.#socketsPerIp.set(ip, open + 1);
    this.#releaseOnClose(socket, ip);
    const compress = url.searchParams.get('compress');
    if (compress && compress !== 'zlib-stream') {
      return refuse(socket, 400, 'Bad Request', {
        code: 0,
        message: compress === 'zstd-stream' ? 'zstd-stream is not supported on this server (Node has no zstd); use compress=zlib-stream or none' : `unknown compress value: ${compress}`,
      });
    }
    // What the connection needs is read here, so nothing that lives as long as the socket holds the request.
    const params = { version: url.searchParams.get('v'), encoding: url.searchParams.get('encoding'), resumeUrl: resumeGatewayUrl(this.gw.deps.config, req), zlibStream: compress === 'zlib-stream' };
    // The 101 answer and HELLO leave in one write at the end of this turn, not one system call each.
    batchSocketWrites(socket as Socket, 'turn');
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, params));
  }

  /**
   * The raw socket closes whatever ends it (refused handshake, either side closing the WebSocket). Its own method
   * so the listener's closure holds only `ip`: a closure made in #upgrade shared that scope's context, which kept
   * each session's IncomingMessage and URL alive for as long as it was connected.
   */
  #releaseOnClose(socket: Duplex, ip: string): void {
    socket.once('close', () => this.#release(ip));
  }

  #release(ip: string): void {
    const n = (this.#socketsPerIp.get(ip) ?? 1) - 1;
    if (n > 0) this.#socketsPerIp.set(ip, n);
    else this.#socketsPerIp.delete(ip);
  }

  #accept(ws: WebSocket, { version, encoding, resumeUrl, zlibStream }: { version: string | null; encoding: string | null; resumeUrl: string; zlibStream: boolean }): void {
    if (version !== null && !SUPPORTED_VERSIONS.has(version)) return ws.close(CloseCodes.INVALID_API_VERSION, 'invalid API version');
    if (encoding !== null && encoding !== 'json') return ws.close(CloseCodes.DECODE_ERROR, `${encoding} encoding is not supported; use encoding=json`);
    const conn = new Connection(
      { ws, encoder: zlibStream ? createZlibStreamEncoder() : new PlainEncoder(), resumeUrl, version: version === null ? 10 : Number(version), log: this.gw.log.child({ conn: ++this.#nextId }) },
      this.gw,
    );
    this.gw.connections.add(conn);
    conn.start();
  }
}
