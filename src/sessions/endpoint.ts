/**
 * The WebSocket endpoint: upgrade requests on /gateway, /gateway/ and / of the HTTP(S) server become
 * connections. Query: `v` 10 or 9 (absent means 10; anything else → close 4012), `encoding` json (absent means
 * json; etf → close 4002, Accord speaks JSON only), `compress` zlib-stream or absent. zstd-stream (and any
 * other compress value) is refused before the upgrade with HTTP 400 and a JSON body: Node 20 has no zstd.
 *
 * The `ws` library's own payload limit is set above the gateway's 4096 bytes so that the connection can close
 * with Discord's 4002 itself; a message above WS_MAX_PAYLOAD is cut off by `ws` with 1009 before it is buffered.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../config/schema.ts';
import { CloseCodes } from './codec.ts';
import { createZlibStreamEncoder, PlainEncoder } from './compression.ts';
import { Connection } from './connection.ts';
import { syncDeflateSupported } from './zlib-sync.ts';
import type { Gateway } from './gateway.ts';

export const GATEWAY_PATHS = new Set(['/gateway', '/gateway/', '/']);
export const SUPPORTED_VERSIONS = new Set(['9', '10']);
/** Hard cap for one inbound WebSocket message (the gateway limit, 4096, is enforced with close 4002). */
export const WS_MAX_PAYLOAD = 16 * 1024;

function refuse(socket: Duplex, status: number, statusText: string, body?: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\n` +
      (text ? `Content-Type: application/json\r\n` : '') +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}

/** ws(s)://<this node>/gateway: ACCORD_PUBLIC_URL when set, else the Host the client connected to. */
export function resumeGatewayUrl(config: Config, req: IncomingMessage): string {
  if (config.publicUrl) return `${config.publicUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}/gateway`;
  const proto = config.tlsCert ? 'wss' : 'ws';
  return `${proto}://${req.headers.host ?? `127.0.0.1:${config.port}`}/gateway`;
}

export class GatewayEndpoint {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD, perMessageDeflate: false, clientTracking: false });
  #closed = false;
  #nextId = 0;
  readonly #onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head);

  constructor(
    private readonly server: HttpServer,
    private readonly gw: Gateway,
  ) {
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
    const compress = url.searchParams.get('compress');
    if (compress && compress !== 'zlib-stream') {
      return refuse(socket, 400, 'Bad Request', {
        code: 0,
        message: compress === 'zstd-stream' ? 'zstd-stream is not supported on this server (Node has no zstd); use compress=zlib-stream or none' : `unknown compress value: ${compress}`,
      });
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, req, url, compress === 'zlib-stream'));
  }

  #accept(ws: WebSocket, req: IncomingMessage, url: URL, zlibStream: boolean): void {
    const version = url.searchParams.get('v');
    if (version !== null && !SUPPORTED_VERSIONS.has(version)) return ws.close(CloseCodes.INVALID_API_VERSION, 'invalid API version');
    const encoding = url.searchParams.get('encoding');
    if (encoding !== null && encoding !== 'json') return ws.close(CloseCodes.DECODE_ERROR, `${encoding} encoding is not supported; use encoding=json`);
    const conn = new Connection(
      { ws, encoder: zlibStream ? createZlibStreamEncoder() : new PlainEncoder(), resumeUrl: resumeGatewayUrl(this.gw.deps.config, req), log: this.gw.log.child({ conn: ++this.#nextId }) },
      this.gw,
    );
    this.gw.connections.add(conn);
    conn.start();
  }
}
