/**
 * The gateway wire format (JSON encoding): opcodes, close codes, decoding client payloads and building
 * server frames. A dispatch frame is built by string concatenation around a payload that was serialised once
 * per event and is shared by every session it goes to; only `s` differs between sessions.
 */
import { snapshotPieceKey, type SnapshotPiece } from '../contracts/guild.ts';

export const Op = {
  DISPATCH: 0,
  HEARTBEAT: 1,
  IDENTIFY: 2,
  PRESENCE_UPDATE: 3,
  VOICE_STATE_UPDATE: 4,
  RESUME: 6,
  RECONNECT: 7,
  REQUEST_GUILD_MEMBERS: 8,
  INVALID_SESSION: 9,
  HELLO: 10,
  HEARTBEAT_ACK: 11,
  /** User clients' ops (member-subscriptions.ts): one guild (deprecated by Discord), several guilds. */
  GUILD_SUBSCRIPTIONS: 14,
  GUILD_SUBSCRIPTIONS_BULK: 37,
  /** Discord's Request Soundboard Sounds and Request Channel Info (gateway-requests.ts). */
  REQUEST_SOUNDBOARD_SOUNDS: 31,
  REQUEST_CHANNEL_INFO: 43,
} as const;

export const CloseCodes = {
  UNKNOWN_ERROR: 4000,
  UNKNOWN_OPCODE: 4001,
  DECODE_ERROR: 4002,
  NOT_AUTHENTICATED: 4003,
  AUTHENTICATION_FAILED: 4004,
  ALREADY_AUTHENTICATED: 4005,
  INVALID_SEQ: 4007,
  RATE_LIMITED: 4008,
  SESSION_TIMED_OUT: 4009,
  INVALID_SHARD: 4010,
  SHARDING_REQUIRED: 4011,
  INVALID_API_VERSION: 4012,
  INVALID_INTENTS: 4013,
  DISALLOWED_INTENTS: 4014,
  /** Discord's user-account code; Accord uses it for every account at ACCORD_MAX_SESSIONS_PER_USER. */
  TOO_MANY_SESSIONS: 4015,
} as const;
export type CloseCode = (typeof CloseCodes)[keyof typeof CloseCodes];

/**
 * Whether the session behind a socket closed by the server with this code stays resumable for resumeGraceMs.
 * Discord documents 4007 as "start a new session" and 4004/4010–4014 as "do not reconnect": those end the
 * session at once (its presence goes). The others are transient (a slow or buggy client) and keep it.
 */
export const CLOSE_KEEPS_SESSION: Record<CloseCode, boolean> = {
  4000: true,
  4001: true,
  4002: true,
  4003: true,
  4004: false,
  4005: true,
  4007: false,
  4008: true,
  4009: true,
  4010: false,
  4011: false,
  4012: false,
  4013: false,
  4014: false,
  4015: false,
};

/** Largest payload a client may send (Discord: 4096 bytes, else 4002). */
export const MAX_INBOUND_BYTES = 4096;

export interface InboundPayload {
  op: number;
  d: unknown;
}

/** Parses one client message; null when it is not a JSON object with an integer `op` (→ 4002). */
export function decodeInbound(text: string): InboundPayload | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const op = (value as { op?: unknown }).op;
  if (typeof op !== 'number' || !Number.isInteger(op)) return null;
  return { op, d: (value as { d?: unknown }).d ?? null };
}

/** `{"op":0,"t":…,"s":seq,"d":payloadJson}` without re-serialising the payload. */
export function dispatchFrame(t: string, seq: number, payloadJson: string): string {
  return '{"op":0,"t":' + JSON.stringify(t) + ',"s":' + seq + ',"d":' + payloadJson + '}';
}

/** `{"op":0,"t":"…","s":` per event name; the set of names is small, so this stays small (capped anyway). */
const HEADS = new Map<string, Buffer>();
const HEADS_MAX = 512;

function headFor(t: string): Buffer {
  let head = HEADS.get(t);
  if (!head) {
    head = Buffer.from('{"op":0,"t":' + JSON.stringify(t) + ',"s":', 'utf8');
    if (HEADS.size < HEADS_MAX) HEADS.set(t, head);
  }
  return head;
}

/** Decimal digits of a sequence number (a positive integer). */
export function seqDigits(seq: number): number {
  let n = 1;
  while (seq >= 10) {
    seq = Math.floor(seq / 10);
    n++;
  }
  return n;
}

/**
 * Where a GUILD_CREATE payload (src/guild/snapshot.ts) is cut into segments: before its member list, its channels,
 * its presences and the empty lists after them; joined_at and the counts before them are the caller's own. Inside
 * the lists it is also cut before some elements (ELEMENT_ANCHOR, chosen by the element's user id, so the same
 * elements give the same cuts whatever precedes them): a large guild's member list is the online members without
 * the caller, then the caller, so each user's list differs from the next one's in a chunk or two, not throughout.
 * A cut only decides what may be shared: the segments always concatenate to the payload.
 */
export const GUILD_CREATE_CUTS: readonly string[] = [',"members":', ',"channels":', ',"presences":', ',"voice_states":'];
/** Member and presence objects start with their user's id. */
const ELEMENT_ANCHOR = '{"user":{"id":"';
/** About one element in 16 (top 4 bits of the id's hash zero) starts a chunk, at least SHARED_SEGMENT_MIN apart. */
const ANCHOR_SHIFT = 28;
/** Segments shorter than this (chars) stay the dispatch's own; longer ones are shared by content. */
export const SHARED_SEGMENT_MIN = 1024;

const D_OPEN = ',"d":';
/**
 * Long payload segments by content (sha-256 of the text), held weakly: every dispatch whose payload contains the
 * same segment holds the same Buffer, and the entry goes when the last of them does.
 */
const SEGMENTS = new Map<string, WeakRef<Buffer>>();
const SEGMENTS_GONE = new FinalizationRegistry<string>((key) => {
  if (!SEGMENTS.get(key)?.deref()) SEGMENTS.delete(key);
});

function sharedSegment(text: string, key = snapshotPieceKey(text)): Buffer {
  const hit = SEGMENTS.get(key)?.deref();
  if (hit) return hit;
  const buf = unpooled([text])[0]!;
  SEGMENTS.set(key, new WeakRef(buf));
  SEGMENTS_GONE.register(buf, key);
  return buf;
}

/** Offsets to cut the payload at: before each of `cuts` (in order), and before anchored list elements. */
function cutPoints(json: string, cuts: readonly string[]): number[] {
  const points: number[] = [];
  let from = 0;
  for (const cut of cuts) {
    const at = json.indexOf(cut, from);
    if (at > from) points.push((from = at));
  }
  let last = -SHARED_SEGMENT_MIN;
  for (let at = json.indexOf(ELEMENT_ANCHOR); at >= 0; at = json.indexOf(ELEMENT_ANCHOR, at + ELEMENT_ANCHOR.length)) {
    if (at - last < SHARED_SEGMENT_MIN) continue;
    let h = 0x811c9dc5; // FNV-1a of the user id
    for (let i = at + ELEMENT_ANCHOR.length; i < json.length; i++) {
      const c = json.charCodeAt(i);
      if (c === 34) break;
      h = Math.imul(h ^ c, 0x01000193);
    }
    if ((h >>> ANCHOR_SHIFT) === 0) points.push((last = at));
  }
  return points.sort((a, b) => a - b);
}

/** `,"d":<payload>}` as buffers: the payload cut at cutPoints, long segments shared. */
function segmentTail(payloadJson: string, cuts: readonly string[]): Buffer[] {
  const pieces: string[] = [];
  let from = 0;
  for (const at of [...cutPoints(payloadJson, cuts), payloadJson.length]) {
    if (at <= from) continue;
    pieces.push(payloadJson.slice(from, at));
    from = at;
  }
  return piecesTail(pieces);
}

/**
 * `,"d":<payload>}` as buffers from the payload's pieces: keyed pieces shared by their key, other pieces of at least
 * SHARED_SEGMENT_MIN chars shared by the hash of their text, the rest this dispatch's own.
 */
function piecesTail(pieces: readonly SnapshotPiece[]): Buffer[] {
  // Texts of this dispatch's own parts by index, filled into one buffer at the end; shared segments as they are.
  const parts: Array<Buffer | string> = [];
  let own = D_OPEN;
  for (const piece of pieces) {
    const text = typeof piece === 'string' ? piece : piece.text;
    if (typeof piece === 'string' && text.length < SHARED_SEGMENT_MIN) {
      own += text;
      continue;
    }
    if (own) parts.push(own);
    own = '';
    parts.push(typeof piece === 'string' ? sharedSegment(text) : sharedSegment(text, piece.key));
  }
  parts.push(own + '}');
  const owned = unpooled(parts.filter((p): p is string => typeof p === 'string'));
  let next = 0;
  return parts.map((p) => (typeof p === 'string' ? owned[next++]! : p));
}

/**
 * The texts as views of one buffer of their exact size, outside Node's 8 KB allocation pool. A GUILD_CREATE's
 * own parts live as long as its session's deque; as pooled Buffers, each of them kept a whole pool slab alive
 * (the rest of the slab long freed): 527 slabs, 4.2 MB, for 1,000 idle sessions (heap snapshot, `connect`).
 */
function unpooled(texts: string[]): Buffer[] {
  let total = 0;
  const sizes = texts.map((t) => {
    const n = Buffer.byteLength(t, 'utf8');
    total += n;
    return n;
  });
  const block = Buffer.allocUnsafeSlow(total);
  let off = 0;
  return texts.map((t, i) => {
    const view = block.subarray(off, off + sizes[i]!);
    view.write(t, 'utf8');
    off += sizes[i]!;
    return view;
  });
}

/**
 * One dispatch encoded once, shared by every session it goes to: the bytes before `s` (from the event name)
 * and after it (`,"d":<payload>}`). Replay deques and outbound queues hold this object and a seq, never a
 * per-session copy of the payload; frame(seq) builds the bytes for one socket write and is dropped after it.
 * (Incident: holding `head + seq + payload` strings made V8 flatten one copy per session when the frame was
 * written, and the replay deque kept them all: 1.2 GB for 1,000 sessions.)
 *
 * A payload built per session but mostly the same for all (GUILD_CREATE: ~110 KB for a guild of 250, of which
 * joined_at and a few counts differ) comes as pieces from the guild role (src/guild/snapshot-pieces.ts), or is given
 * `cuts` to be cut here: the part after `s` is then kept as segments, and segments of at least SHARED_SEGMENT_MIN
 * chars (and keyed pieces) are shared by content with every other dispatch holding the same text.
 */
/** A dispatch that is a bus event: its dedupe key, the subject it came on, and whether it was sent without content. */
export interface EventRef {
  key: string;
  subject: string;
  stripped: boolean;
  /** Which content variant a bot without MESSAGE_CONTENT got, when not the whole or the fully stripped one (router.ts ContentVariant). */
  variant?: 2 | 3;
}

export class EncodedDispatch {
  readonly t: string;
  readonly #head: Buffer;
  readonly #tail: Buffer | null;
  readonly #parts: Buffer[] | null;
  /** Bytes of a frame without the seq digits; computed once per event. */
  readonly size: number;
  /** Set on a bus event's encoding: how the resume journal refers to it instead of copying it (resume-journal.ts). */
  ref?: EventRef;

  /** payload: its JSON, or its pieces as the guild role hands them over (contracts/guild.ts SnapshotPiece). */
  constructor(t: string, payload: string | readonly SnapshotPiece[], cuts?: readonly string[]) {
    this.t = t;
    this.#head = headFor(t);
    if (typeof payload !== 'string' || (cuts && payload.length >= SHARED_SEGMENT_MIN)) {
      this.#tail = null;
      this.#parts = typeof payload === 'string' ? segmentTail(payload, cuts!) : piecesTail(payload);
      let size = this.#head.length;
      for (const p of this.#parts) size += p.length;
      this.size = size;
    } else {
      // Exact size, outside the allocation pool: the deques keep a dispatch for as long as 2,000 events, and a
      // pooled tail kept the whole 8 KB slab it shared with the short-lived frame heads alive.
      this.#tail = unpooled([D_OPEN + payload + '}'])[0]!;
      this.#parts = null;
      this.size = this.#head.length + this.#tail.length;
    }
  }

  /** The `d` JSON back (the resume journal stores dispatches that are not bus events inline). */
  payloadJson(): string {
    const text = Buffer.concat(this.segments).toString('utf8');
    return text.slice(D_OPEN.length, -1);
  }

  /** The bytes after `s`, in order (one buffer unless the payload was cut). */
  get segments(): readonly Buffer[] {
    return this.#parts ?? [this.#tail!];
  }

  /** Bytes of the frame carrying `seq`. */
  frameBytes(seq: number): number {
    return this.size + seqDigits(seq);
  }

  /**
   * The frame's bytes up to and including `seq`'s digits, behind `reserve` leading bytes left for the caller (a
   * WebSocket header), in one small buffer; the rest of the frame is `segments`, shared and never copied.
   */
  headWithSeq(seq: number, reserve: number): Buffer {
    return this.#build(seq, reserve, false);
  }

  /** The complete frame for one write (a fresh buffer the socket owns until written). */
  frame(seq: number): Buffer {
    return this.#build(seq, 0, true);
  }

  #build(seq: number, reserve: number, whole: boolean): Buffer {
    const digits = seqDigits(seq);
    const out = Buffer.allocUnsafe(reserve + this.#head.length + digits + (whole ? this.size - this.#head.length : 0));
    let off = reserve + this.#head.copy(out, reserve);
    off += out.write(String(seq), off, digits, 'latin1');
    if (!whole) return out;
    if (this.#tail) this.#tail.copy(out, off);
    else for (const p of this.#parts!) off += p.copy(out, off);
    return out;
  }
}

/** Any non-dispatch frame (s and t are null unless op is 0). */
export function opFrame(op: number, d: unknown): string {
  return JSON.stringify({ op, d, s: null, t: null });
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
