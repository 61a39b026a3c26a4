/**
 * One gateway connection per tab, as an explicit state machine with a single teardown path (#teardown) that
 * clears every timer and detaches the socket. Resumes (op 6 to resume_gateway_url with session_id + last seq)
 * after drops, op 7 and INVALID_SESSION d:true; identifies afresh after INVALID_SESSION d:false or 4007/4009.
 */
import { rest } from './api.ts';
import { ZlibStreamDecoder } from './inflate.ts';

export const Op = {
  DISPATCH: 0, HEARTBEAT: 1, IDENTIFY: 2, PRESENCE_UPDATE: 3, RESUME: 6, RECONNECT: 7,
  REQUEST_GUILD_MEMBERS: 8, INVALID_SESSION: 9, HELLO: 10, HEARTBEAT_ACK: 11, GUILD_SUBSCRIPTIONS_BULK: 37,
  REQUEST_CHANNEL_INFO: 43,
} as const;

/**
 * IDENTIFY's large_threshold. Above it a guild's GUILD_CREATE lists only this user (the members come from op 8), and
 * the server sends this session only the presences of members it subscribed to (op 37), its friends and its DM
 * recipients.
 */
export const LARGE_THRESHOLD = 250;

/** The largest payload the gateway takes from a client (Discord's bound; a larger one closes the socket with 4002). */
export const MAX_PAYLOAD_BYTES = 4096;

/** Close codes after which reconnecting cannot help (docs/protocol.md "Gateway close codes"). */
const FATAL_CLOSE = new Set([4004, 4010, 4011, 4012, 4013, 4014]);
/** Close codes that end the session: connect again with IDENTIFY. */
const NEW_SESSION_CLOSE = new Set([4007, 4009]);
/** Our own close code for a drop we want to resume from; 1000/1001 would invalidate the session. */
const RESUMABLE_CLOSE = 4000;

const INTENTS = {
  GUILDS: 1 << 0, GUILD_MEMBERS: 1 << 1, GUILD_PRESENCES: 1 << 8, GUILD_MESSAGES: 1 << 9,
  GUILD_MESSAGE_REACTIONS: 1 << 10, GUILD_MESSAGE_TYPING: 1 << 11, DIRECT_MESSAGES: 1 << 12,
  DIRECT_MESSAGE_REACTIONS: 1 << 13, DIRECT_MESSAGE_TYPING: 1 << 14, MESSAGE_CONTENT: 1 << 15,
};
const PRIVILEGED = INTENTS.GUILD_MEMBERS | INTENTS.GUILD_PRESENCES | INTENTS.MESSAGE_CONTENT;
const ALL_INTENTS = Object.values(INTENTS).reduce((a, b) => a | b, 0);

const DEFAULTS = {
  backoffBaseMs: 500,
  backoffMaxMs: 15_000,
  /** How long to wait for HELLO after the socket opens before treating the connection as dead. */
  helloTimeoutMs: 20_000,
};

export type GatewayState = 'connecting' | 'ready' | 'reconnecting' | 'closed';

export interface GatewayHandlers {
  dispatch(t: string, d: any, info: { resumed: boolean }): void;
  state(state: GatewayState): void;
  /** The session was replaced by a new one: events may have been missed (refetch what is on screen). */
  newSession(): void;
  fatal(code: number): void;
}

export interface GatewayOptions {
  token: string;
  status: string;
  handlers: GatewayHandlers;
  /** Set false to connect without transport compression (plain JSON text frames). */
  compress?: boolean;
}

export class GatewayClient {
  #ws: WebSocket | null = null;
  #decoder: ZlibStreamDecoder | null = null;
  #state: GatewayState = 'connecting';
  #seq: number | null = null;
  #sessionId: string | null = null;
  #resumeUrl: string | null = null;
  #gatewayUrl: string | null = null;
  #intents = ALL_INTENTS;
  #hadSession = false;
  #heartbeatTimer: ReturnType<typeof setTimeout> | null = null;
  #helloTimer: ReturnType<typeof setTimeout> | null = null;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #awaitingAck = false;
  #attempt = 0;
  #destroyed = false;
  #compress: boolean;
  #status: string;
  #replaying = false;
  readonly #onOnline = () => this.#reconnectNow();
  readonly #onOffline = () => {
    // The browser knows the network is gone: drop the socket now so the banner shows and we resume on 'online'.
    if (this.#ws) this.#drop('browser offline');
  };

  constructor(private readonly opts: GatewayOptions) {
    this.#compress = opts.compress ?? ZlibStreamDecoder.supported();
    this.#status = opts.status;
    window.addEventListener('online', this.#onOnline);
    window.addEventListener('offline', this.#onOffline);
  }

  get state() {
    return this.#state;
  }
  /** READY's session_id (interactions name the session that made them); null before READY. */
  get sessionId() {
    return this.#sessionId;
  }
  get compressed() {
    return this.#compress;
  }
  /** Counters for diagnostics (and the browser tests): how sessions were started and resumed. */
  readonly stats = { identifies: 0, resumes: 0, resumed: 0 };

  start() {
    void this.#open();
  }

  /** Logs out / closes the tab's session: close 1000 invalidates it on the server, as intended. */
  destroy() {
    this.#destroyed = true;
    window.removeEventListener('online', this.#onOnline);
    window.removeEventListener('offline', this.#onOffline);
    this.#teardown(1000, 'client destroyed');
    this.#setState('closed');
  }

  send(op: number, d: unknown): boolean {
    if (!this.#ws || this.#ws.readyState !== WebSocket.OPEN) return false;
    this.#ws.send(JSON.stringify({ op, d }));
    return true;
  }

  updatePresence(status: string) {
    this.#status = status;
    this.send(Op.PRESENCE_UPDATE, { since: status === 'idle' ? Date.now() : null, activities: [], status, afk: false });
  }

  /** Every member of the guild, or just `userIds` (at most 100); with their presences either way. */
  requestGuildMembers(guildId: string, userIds?: string[]) {
    this.send(Op.REQUEST_GUILD_MEMBERS, userIds ? { guild_id: guildId, user_ids: userIds, presences: true } : { guild_id: guildId, query: '', limit: 0, presences: true });
  }

  /** The guild's voice channel statuses (op 43): the answer is one CHANNEL_INFO. False when it could not be sent. */
  requestChannelInfo(guildId: string): boolean {
    return this.send(Op.REQUEST_CHANNEL_INFO, { guild_id: guildId, fields: ['status'] });
  }

  /** Replaces this session's member subscription in the guild (`[]` ends it): whose presences a large guild sends. */
  subscribeGuildMembers(guildId: string, members: string[]) {
    this.send(Op.GUILD_SUBSCRIPTIONS_BULK, { subscriptions: { [guildId]: { members } } });
  }

  #setState(state: GatewayState) {
    if (this.#state === state) return;
    this.#state = state;
    this.opts.handlers.state(state);
  }

  async #open() {
    if (this.#destroyed) return;
    const resuming = Boolean(this.#sessionId && this.#resumeUrl);
    let base = resuming ? this.#resumeUrl! : this.#gatewayUrl;
    if (!base) {
      try {
        base = this.#gatewayUrl = (await rest.get<{ url: string }>('/gateway')).url;
      } catch {
        this.#scheduleReconnect();
        return;
      }
    }
    if (this.#destroyed) return;
    const url = new URL(base, location.href);
    url.searchParams.set('v', '10');
    url.searchParams.set('encoding', 'json');
    if (this.#compress) url.searchParams.set('compress', 'zlib-stream');
    let ws: WebSocket;
    try {
      ws = new WebSocket(url.toString());
    } catch {
      this.#scheduleReconnect();
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    if (this.#compress) {
      this.#decoder = new ZlibStreamDecoder(
        (json) => this.#onPayload(ws, json),
        () => {
          // A corrupt or unsupported stream: fall back to plain JSON for the rest of this tab's life.
          if (ws !== this.#ws) return;
          this.#compress = false;
          this.#drop('inflate failed');
        },
      );
    }
    this.#helloTimer = setTimeout(() => ws === this.#ws && this.#drop('no hello'), DEFAULTS.helloTimeoutMs);
    ws.onmessage = (ev) => {
      if (ws !== this.#ws) return;
      if (typeof ev.data === 'string') this.#onPayload(ws, ev.data);
      else this.#decoder?.push(ev.data as ArrayBuffer);
    };
    ws.onclose = (ev) => {
      if (ws !== this.#ws) return;
      this.#onClose(ev.code);
    };
    ws.onerror = () => {
      /* onclose follows and decides */
    };
  }

  #onPayload(ws: WebSocket, json: string) {
    if (ws !== this.#ws) return;
    let p: { op: number; d: any; s: number | null; t: string | null };
    try {
      p = JSON.parse(json);
    } catch {
      this.#drop('bad json');
      return;
    }
    switch (p.op) {
      case Op.HELLO:
        if (this.#helloTimer) clearTimeout(this.#helloTimer);
        this.#startHeartbeat(Number(p.d?.heartbeat_interval ?? 41250));
        if (this.#sessionId) {
          this.#replaying = true;
          this.stats.resumes++;
          this.send(Op.RESUME, { token: this.opts.token, session_id: this.#sessionId, seq: this.#seq });
        } else this.#identify();
        break;
      case Op.HEARTBEAT:
        this.#heartbeat();
        break;
      case Op.HEARTBEAT_ACK:
        this.#awaitingAck = false;
        break;
      case Op.RECONNECT:
        this.#drop('op 7 reconnect');
        break;
      case Op.INVALID_SESSION:
        if (!p.d) this.#forgetSession();
        // Discord asks for a 1–5 s wait before the next identify/resume.
        this.#teardown(RESUMABLE_CLOSE, 'invalid session');
        this.#setState('reconnecting');
        this.#reconnectTimer = setTimeout(() => void this.#open(), 1000 + Math.random() * 4000);
        break;
      case Op.DISPATCH:
        if (typeof p.s === 'number') this.#seq = p.s;
        this.#onDispatch(p.t!, p.d);
        break;
    }
  }

  #onDispatch(t: string, d: any) {
    if (t === 'READY') {
      this.#sessionId = d.session_id;
      this.#resumeUrl = d.resume_gateway_url ?? this.#gatewayUrl;
      this.#attempt = 0;
      this.#replaying = false;
      this.opts.handlers.dispatch(t, d, { resumed: false });
      if (this.#hadSession) this.opts.handlers.newSession();
      this.#hadSession = true;
      this.#setState('ready');
      return;
    }
    if (t === 'RESUMED') {
      this.stats.resumed++;
      this.#attempt = 0;
      this.#replaying = false;
      this.#setState('ready');
      return;
    }
    this.opts.handlers.dispatch(t, d, { resumed: this.#replaying });
  }

  #identify() {
    this.stats.identifies++;
    this.send(Op.IDENTIFY, {
      token: this.opts.token,
      properties: { os: platformName(), browser: 'Accord Web', device: '' },
      intents: this.#intents,
      large_threshold: LARGE_THRESHOLD,
      presence: { since: null, activities: [], status: this.#status, afk: false },
    });
  }

  #startHeartbeat(interval: number) {
    this.#awaitingAck = false;
    const beat = () => {
      if (this.#awaitingAck) {
        // No ACK since the last beat: a zombie connection. Close (not 1000) and resume.
        this.#drop('heartbeat ack missed');
        return;
      }
      this.#heartbeat();
      this.#heartbeatTimer = setTimeout(beat, interval);
    };
    this.#heartbeatTimer = setTimeout(beat, interval * Math.random());
  }

  #heartbeat() {
    this.#awaitingAck = true;
    this.send(Op.HEARTBEAT, this.#seq);
  }

  #forgetSession() {
    this.#sessionId = null;
    this.#resumeUrl = null;
    this.#seq = null;
  }

  /** Close the current socket as resumable and come back. */
  #drop(reason: string) {
    this.#teardown(RESUMABLE_CLOSE, reason);
    this.#scheduleReconnect();
  }

  #onClose(code: number) {
    this.#teardown(null, 'closed by server');
    if (FATAL_CLOSE.has(code)) {
      if ((code === 4013 || code === 4014) && this.#intents !== (ALL_INTENTS & ~PRIVILEGED)) {
        // The server refuses privileged intents for this account: carry on without members/presences/content.
        this.#intents = ALL_INTENTS & ~PRIVILEGED;
        this.#forgetSession();
        this.#scheduleReconnect();
        return;
      }
      this.#setState('closed');
      this.opts.handlers.fatal(code);
      return;
    }
    if (NEW_SESSION_CLOSE.has(code)) this.#forgetSession();
    this.#scheduleReconnect();
  }

  #teardown(code: number | null, reason: string) {
    for (const t of [this.#heartbeatTimer, this.#helloTimer, this.#reconnectTimer]) if (t) clearTimeout(t);
    this.#heartbeatTimer = this.#helloTimer = this.#reconnectTimer = null;
    this.#decoder?.close();
    this.#decoder = null;
    const ws = this.#ws;
    this.#ws = null;
    if (ws) {
      ws.onmessage = ws.onclose = ws.onerror = null;
      if (code !== null && ws.readyState <= WebSocket.OPEN) {
        try {
          ws.close(code, reason.slice(0, 120));
        } catch {
          ws.close();
        }
      }
    }
  }

  #scheduleReconnect() {
    if (this.#destroyed) return;
    this.#setState('reconnecting');
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    // While the browser reports no network, wait for the 'online' event instead of spinning.
    if (typeof navigator !== 'undefined' && navigator.onLine === false) return;
    const delay = Math.min(DEFAULTS.backoffMaxMs, DEFAULTS.backoffBaseMs * 2 ** this.#attempt) * (0.5 + Math.random() / 2);
    this.#attempt++;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      void this.#open();
    }, this.#attempt === 1 ? Math.min(delay, 250) : delay);
  }

  #reconnectNow() {
    if (this.#destroyed || this.#state === 'ready') return;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    this.#teardown(RESUMABLE_CLOSE, 'network back');
    this.#attempt = 0;
    void this.#open();
  }
}

function platformName(): string {
  const ua = navigator.userAgent;
  if (/Android/i.test(ua)) return 'Android';
  if (/iPhone|iPad/i.test(ua)) return 'iOS';
  if (/Mac OS X/i.test(ua)) return 'Mac OS X';
  if (/Windows/i.test(ua)) return 'Windows';
  return 'Linux';
}
