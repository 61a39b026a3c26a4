/**
 * One WebSocket: an explicit state machine with a single close path.
 *
 *   hello ──IDENTIFY──▶ identifying ──READY──▶ ready ──▶ closed
 *     │  ▲                   │                   ▲
 *     │  └─INVALID_SESSION───┴─── resuming ──RESUMED┘
 *     └──RESUME──────────────────▶ ┘
 *
 * - HELLO on open; a heartbeat (op 1) is answered with op 11 in any state. A client late by a quarter
 *   interval past its deadline gets an op 1 asking for a heartbeat; at 1.5 × interval without one the socket
 *   is a zombie and closes with 4009 (the session stays resumable).
 * - Payloads: ≤ 4096 bytes and a JSON object with an integer op (else 4002), at most 120 per 60 s (else 4008),
 *   known opcodes only (else 4001), nothing but heartbeat/identify/resume before identifying (else 4003).
 * - After INVALID_SESSION the socket returns to `hello`, so a fresh IDENTIFY on the same socket is accepted
 *   (client libraries do that); otherwise a second IDENTIFY or RESUME closes with 4005.
 * - close() is the only way out, whoever initiates: it clears every timer, stops the outbound queue and tells
 *   the gateway whether the session survives (client close 1000/1001 and the non-resumable codes end it).
 */
import type { WebSocket, RawData } from 'ws';
import type { Logger } from '../lib/log.ts';
import { CLOSE_KEEPS_SESSION, CloseCodes, decodeInbound, MAX_INBOUND_BYTES, Op, opFrame, type CloseCode } from './codec.ts';
import type { FrameEncoder } from './compression.ts';
import { Outbound } from './outbound.ts';
import type { Session, SessionConnection } from './session.ts';

export type ConnectionState = 'hello' | 'identifying' | 'resuming' | 'ready' | 'closed';

/** Payloads per window before 4008 (Discord: 120 per 60 s). */
export const RATE_LIMIT = { payloads: 120, windowMs: 60_000 } as const;

/** What the connection asks of the node's gateway. */
export interface ConnectionHost {
  readonly heartbeatIntervalMs: number;
  /** How long a socket may sit in `hello` (after HELLO or op 9) before it is closed with 4003. */
  readonly identifyTimeoutMs: number;
  readonly outboundMaxBytes: number;
  readonly presenceHoldMs: number;
  now(): number;
  identify(conn: Connection, d: unknown): Promise<void>;
  resume(conn: Connection, d: unknown): Promise<void>;
  updatePresence(conn: Connection, session: Session, d: unknown): void;
  requestGuildMembers(conn: Connection, session: Session, d: unknown): void;
  subscribeGuilds(conn: Connection, session: Session, op: 14 | 37, d: unknown): void;
  /** op 31 and op 43 (gateway-requests.ts). */
  requestGuildInfo(conn: Connection, session: Session, op: 31 | 43, d: unknown): void;
  /** The socket is gone; keepSession says whether the session may still be resumed. */
  connectionClosed(conn: Connection, keepSession: boolean): void;
  presencesDrained(session: Session): void;
  countPresencesDropped(n: number): void;
  countBytesOut(n: number): void;
  countSlowClose(): void;
}

export interface ConnectionInit {
  ws: WebSocket;
  encoder: FrameEncoder;
  /** ws(s)://this-node/gateway, for READY's resume_gateway_url. */
  resumeUrl: string;
  /** The gateway version the client connected with (`v`, 10 when absent), which READY's `v` reports. */
  version?: number;
  log: Logger;
}

export class Connection implements SessionConnection {
  state: ConnectionState = 'hello';
  session: Session | null = null;
  readonly version: number;
  readonly outbound: Outbound;
  readonly resumeUrl: string;
  log: Logger;
  readonly #ws: WebSocket;
  readonly #host: ConnectionHost;
  #heartbeatTimer: NodeJS.Timeout | null = null;
  #identifyTimer: NodeJS.Timeout | null = null;
  #rateWindowStart = 0;
  #rateCount = 0;

  constructor(init: ConnectionInit, host: ConnectionHost) {
    this.#ws = init.ws;
    this.#host = host;
    this.resumeUrl = init.resumeUrl;
    this.version = init.version ?? 10;
    this.log = init.log;
    this.outbound = new Outbound(init.ws, init.encoder, {
      maxBytes: host.outboundMaxBytes,
      onOverflow: () => {
        host.countSlowClose();
        this.log.info({ bytes: this.outbound.bytes }, 'outbound queue full: closing (resumable)');
        // After the queue is closed; the deque keeps every dispatch for the resume.
        queueMicrotask(() => this.close(CloseCodes.UNKNOWN_ERROR, 'outbound queue full'));
      },
      onDrained: () => {
        if (this.session && this.state === 'ready') host.presencesDrained(this.session);
      },
      onPresencesDropped: (n) => {
        if (this.session) this.session.presencesStale = true;
        host.countPresencesDropped(n);
      },
      onError: (err) => {
        this.log.warn({ err }, 'encoding a frame failed');
        this.close(CloseCodes.UNKNOWN_ERROR, 'internal error');
      },
      onSent: (n) => host.countBytesOut(n),
      presenceHoldMs: host.presenceHoldMs,
    });
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Sends HELLO and starts listening. */
  start(): void {
    this.#ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    this.#ws.on('close', (code) => this.#finish(code, false));
    this.#ws.on('error', (err) => this.log.debug({ err }, 'socket error'));
    this.send(Op.HELLO, { heartbeat_interval: this.#host.heartbeatIntervalMs });
    this.#armHeartbeat();
    this.#armIdentifyDeadline();
  }

  /** A non-dispatch payload. */
  send(op: number, d: unknown, force = false): void {
    this.outbound.push(opFrame(op, d), force ? 'force' : 'normal');
  }

  /** Sends op 9; the socket may identify again afterwards. */
  invalidate(resumable: boolean): void {
    if (this.closed) return;
    this.session = null;
    this.state = 'hello';
    this.send(Op.INVALID_SESSION, resumable, true);
    this.#armIdentifyDeadline();
  }

  /** Server-side close with a gateway close code. */
  close(code: CloseCode | 1000 | 1001, reason: string): void {
    if (this.closed) return;
    try {
      this.#ws.close(code, reason);
    } catch (err) {
      this.log.debug({ err }, 'close failed; terminating');
      this.#ws.terminate();
    }
    this.#finish(code, true);
  }

  /** Drops the TCP connection without a close frame (tests, shutdown fallback). */
  terminate(): void {
    this.#ws.terminate();
    this.#finish(1006, false);
  }

  /** Shutdown: op 7 RECONNECT, let the queue drain (bounded wait), then close 4000 so clients resume. */
  async reconnect(maxWaitMs: number): Promise<void> {
    if (this.closed) return;
    this.send(Op.RECONNECT, null, true);
    const deadline = this.#host.now() + maxWaitMs;
    while (!this.outbound.idle && this.#host.now() < deadline && !this.closed) await new Promise((r) => setTimeout(r, 10));
    this.close(CloseCodes.UNKNOWN_ERROR, 'server restarting: reconnect and resume');
  }

  #finish(code: number, byServer: boolean): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.#heartbeatTimer) clearTimeout(this.#heartbeatTimer);
    this.#heartbeatTimer = null;
    this.#clearIdentifyDeadline();
    this.outbound.close();
    const keep = byServer ? (CLOSE_KEEPS_SESSION[code as CloseCode] ?? code !== 1000) : code !== 1000 && code !== 1001;
    this.log.debug({ code, byServer, keep }, 'connection closed');
    this.#host.connectionClosed(this, keep);
  }

  /** A socket that heartbeats but never identifies would otherwise hold its slot forever. */
  #armIdentifyDeadline(): void {
    this.#clearIdentifyDeadline();
    this.#identifyTimer = setTimeout(() => {
      if (this.state === 'hello') this.close(CloseCodes.NOT_AUTHENTICATED, 'no IDENTIFY or RESUME in time');
    }, this.#host.identifyTimeoutMs);
  }

  #clearIdentifyDeadline(): void {
    if (this.#identifyTimer) clearTimeout(this.#identifyTimer);
    this.#identifyTimer = null;
  }

  #armHeartbeat(): void {
    if (this.#heartbeatTimer) clearTimeout(this.#heartbeatTimer);
    const interval = this.#host.heartbeatIntervalMs;
    this.#heartbeatTimer = setTimeout(() => {
      // Late: ask for a heartbeat before giving up on the connection.
      this.send(Op.HEARTBEAT, null);
      this.#heartbeatTimer = setTimeout(() => this.close(CloseCodes.SESSION_TIMED_OUT, 'heartbeat timeout'), interval / 4);
    }, interval * 1.25);
  }

  #onMessage(data: RawData, _isBinary: boolean): void {
    if (this.closed) return;
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (buf.length > MAX_INBOUND_BYTES) return this.close(CloseCodes.DECODE_ERROR, `payload larger than ${MAX_INBOUND_BYTES} bytes`);
    const now = this.#host.now();
    if (now - this.#rateWindowStart >= RATE_LIMIT.windowMs) {
      this.#rateWindowStart = now;
      this.#rateCount = 0;
    }
    if (++this.#rateCount > RATE_LIMIT.payloads) return this.close(CloseCodes.RATE_LIMITED, 'rate limited');
    const payload = decodeInbound(buf.toString('utf8'));
    if (!payload) return this.close(CloseCodes.DECODE_ERROR, 'decode error');
    try {
      this.#handle(payload.op, payload.d);
    } catch (err) {
      // A handler that throws on a client's payload must cost that socket, not the process (a ws listener's throw is uncaught).
      this.log.error({ err, op: payload.op }, 'gateway handler failed');
      this.close(CloseCodes.UNKNOWN_ERROR, 'internal error');
    }
  }

  #handle(op: number, d: unknown): void {
    switch (op) {
      case Op.HEARTBEAT:
        // d should be the last seq or null; Discord tolerates anything here and so do we.
        this.send(Op.HEARTBEAT_ACK, null);
        this.#armHeartbeat();
        return;
      case Op.IDENTIFY:
        if (this.state !== 'hello') return this.close(CloseCodes.ALREADY_AUTHENTICATED, 'already authenticated');
        this.state = 'identifying';
        this.#clearIdentifyDeadline();
        this.#run(this.#host.identify(this, d));
        return;
      case Op.RESUME:
        if (this.state !== 'hello') return this.close(CloseCodes.ALREADY_AUTHENTICATED, 'already authenticated');
        this.state = 'resuming';
        this.#clearIdentifyDeadline();
        this.#run(this.#host.resume(this, d));
        return;
      case Op.PRESENCE_UPDATE:
      case Op.REQUEST_GUILD_MEMBERS:
      case Op.VOICE_STATE_UPDATE:
      case Op.GUILD_SUBSCRIPTIONS:
      case Op.GUILD_SUBSCRIPTIONS_BULK:
      case Op.REQUEST_SOUNDBOARD_SOUNDS:
      case Op.REQUEST_CHANNEL_INFO:
        if (this.state === 'hello') return this.close(CloseCodes.NOT_AUTHENTICATED, 'not authenticated');
        // Sent while READY is being built: dropped (the client sees no answer, as for an unavailable guild).
        if (this.state !== 'ready' || !this.session) return;
        if (op === Op.PRESENCE_UPDATE) this.#host.updatePresence(this, this.session, d);
        else if (op === Op.REQUEST_GUILD_MEMBERS) this.#host.requestGuildMembers(this, this.session, d);
        else if (op === Op.GUILD_SUBSCRIPTIONS || op === Op.GUILD_SUBSCRIPTIONS_BULK) this.#host.subscribeGuilds(this, this.session, op, d);
        else if (op === Op.REQUEST_SOUNDBOARD_SOUNDS || op === Op.REQUEST_CHANNEL_INFO) this.#host.requestGuildInfo(this, this.session, op, d);
        // op 4: Accord has no voice; accepted and ignored so voice-aware libraries keep working.
        return;
      default:
        return this.close(CloseCodes.UNKNOWN_OPCODE, 'unknown opcode');
    }
  }

  #run(p: Promise<void>): void {
    p.catch((err) => {
      this.log.error({ err }, 'gateway handler failed');
      this.close(CloseCodes.UNKNOWN_ERROR, 'internal error');
    });
  }
}
