/**
 * Gateway fuzz cases: one client frame each, with the answers Discord documents for it. A case either ends its
 * socket with one of `closes` (4001 unknown opcode or invalid payload for one, 4002 decode error, 4003 not
 * authenticated, 4005 already authenticated …) or, when `open` allows it, leaves the socket working.
 */
import { POISON, mutateTemplate, randomString, randomValue, type IdPool } from './mutations.ts';
import type { Prng } from './prng.ts';

export type Phase = 'hello' | 'ready';

export interface GatewayCase {
  what: string;
  /** The state the socket must be in when the frame is sent. */
  phase: Phase;
  frame: string | Buffer;
  /** Sent as a binary WebSocket message. */
  binary?: boolean;
  /** Close codes this frame may earn. */
  closes: readonly number[];
  /** Whether the socket may stay open (the frame was valid, or is ignored). */
  open: boolean;
  /** IDENTIFY and RESUME are settled by their answer (READY, RESUMED, op 9) or a close, not by a heartbeat probe. */
  settle?: 'identify' | 'resume';
  /** The frame is a heartbeat the server will acknowledge. */
  heartbeat?: boolean;
}

/** Beyond this many bytes `ws` refuses a message itself, with 1009 (src/sessions/endpoint.ts WS_MAX_PAYLOAD). */
export const WS_MAX_PAYLOAD = 16 * 1024;

const UNKNOWN_OPS = [-1, 0, 5, 7, 9, 10, 11, 12, 13, 15, 32, 36, 38, 42, 44, 99, 255, 2 ** 31, 2 ** 53 - 1, -(2 ** 53 - 1)];

const IDENTIFY_CLOSES = [4001, 4002, 4004, 4010, 4013, 4014];

/** Gateway handlers read fields of `d` by hand, so poisoned values come often here. */
function gatewayValue(r: Prng, ids: IdPool): unknown {
  return r.chance(0.2) ? structuredClone(r.pick(POISON)) : randomValue(r, ids);
}

function payloadD(r: Prng, ids: IdPool, template?: Record<string, unknown>): unknown {
  if (template && r.chance(0.7)) return mutateTemplate(r, ids, template, (x) => gatewayValue(x, ids));
  return gatewayValue(r, ids);
}

function frame(op: unknown, d: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ op, d, ...extra });
}

/** The user the cases identify as, and a guild of theirs. */
export interface GatewayTarget {
  token: string;
  userId: string;
  guildId: string;
}

export function gatewayCases(r: Prng, ids: IdPool, target: GatewayTarget, count: number): GatewayCase[] {
  const ownerToken = target.token;
  const identifyTemplate = {
    token: ownerToken,
    properties: { os: 'linux', browser: 'fuzz', device: 'fuzz' },
    intents: 513,
    shard: [0, 1],
    large_threshold: 50,
    presence: { status: 'online', since: null, activities: [{ name: 'fuzzing', type: 0 }], afk: false },
  };
  const presenceTemplate = { status: 'idle', since: 1, afk: false, activities: [{ name: 'x', type: 1, url: 'https://twitch.tv/x', state: 's' }] };
  const membersTemplate = { guild_id: target.guildId, query: '', limit: 0, presences: false, user_ids: [target.userId], nonce: 'n' };
  const voiceTemplate = { guild_id: target.guildId, channel_id: null, self_mute: false, self_deaf: false };
  const subscribeTemplate = { guild_id: target.guildId, typing: true, activities: true, members: [target.userId], channels: { [target.guildId]: [[0, 99]] } };
  const bulkTemplate = { subscriptions: { [target.guildId]: { typing: true, members: [target.userId] } } };
  const soundsTemplate = { guild_ids: [target.guildId] };
  const channelInfoTemplate = { guild_id: target.guildId, fields: ['status', 'voice_start_time'] };
  const out: GatewayCase[] = [];
  for (let i = 0; i < count; i++) {
    const before = out.length;
    const phase: Phase = r.chance(0.5) ? 'ready' : 'hello';
    const roll = r.int(100);
    if (roll < 6) {
      // Anything but a JSON object with an integer op is undecodable, valid JSON of another type included.
      out.push({ what: 'text that is not a payload', phase, frame: r.pick(['', '{', 'op', '{"op":1', 'null,', '\u0000', '<xml/>', randomString(r).slice(0, 4000)]), closes: [4002], open: false });
    } else if (roll < 11) {
      out.push({ what: 'JSON that is not an object with an integer op', phase, frame: r.pick(['[]', '[1]', '1', '"op"', 'null', 'true', '{}', '{"d":null}', '{"op":"1"}', '{"op":1.5}', '{"op":null}', '{"op":[1]}', '{"op":{"valueOf":1}}', '{"op":1e400}', '{"op":"2","d":{}}']), closes: [4002], open: false });
    } else if (roll < 15) {
      const bytes = Buffer.alloc(1 + r.int(200));
      for (let j = 0; j < bytes.length; j++) bytes[j] = r.int(256);
      bytes[0] = 0x80 | bytes[0]!; // never a valid start of JSON
      out.push({ what: 'random binary frame', phase, frame: bytes, binary: true, closes: [4002], open: false });
    } else if (roll < 17) {
      out.push({ what: 'heartbeat as a binary frame', phase, frame: Buffer.from(frame(1, null)), binary: true, closes: [], open: true, heartbeat: true });
    } else if (roll < 21) {
      const size = 4097 + r.int(WS_MAX_PAYLOAD - 4097 - 64);
      out.push({ what: `payload of ${size} bytes`, phase, frame: frame(1, 'x'.repeat(size)), closes: [4002], open: false });
    } else if (roll < 22) {
      const size = WS_MAX_PAYLOAD + 1 + r.int(100_000);
      out.push({ what: `payload of ${size} bytes (beyond what ws buffers)`, phase, frame: frame(1, 'x'.repeat(size)), closes: [1009], open: false });
    } else if (roll < 30) {
      out.push({ what: 'unknown opcode', phase, frame: frame(r.pick(UNKNOWN_OPS), payloadD(r, ids, membersTemplate)), closes: [4001], open: false });
    } else if (roll < 36) {
      out.push({ what: 'heartbeat with any d', phase, frame: frame(1, payloadD(r, ids), r.chance(0.3) ? { s: 1, t: 'X' } : {}), closes: [], open: true, heartbeat: true });
    } else if (roll < 66) {
      const op = r.pick([3, 4, 8, 14, 31, 37, 43]);
      const template = { 3: presenceTemplate, 4: voiceTemplate, 8: membersTemplate, 14: subscribeTemplate, 31: soundsTemplate, 37: bulkTemplate, 43: channelInfoTemplate }[op]!;
      const d = payloadD(r, ids, template);
      if (phase === 'hello') out.push({ what: `op ${op} before IDENTIFY`, phase, frame: frame(op, d), closes: [4003], open: false });
      // Presence (3) with a bad payload is 4001; a bad op 8 is 4002 (or 4013 for a bot without intents); a bad
      // subscription (14, 37), soundboard (31) or channel info (43) request is 4002; op 4 is ignored.
      else out.push({ what: `op ${op} with a mutated d`, phase, frame: frame(op, d), closes: op === 3 ? [4001] : op === 8 ? [4002, 4013] : op === 4 ? [] : [4002], open: true });
    } else if (roll < 86) {
      if (phase === 'ready') {
        out.push({ what: 'IDENTIFY after READY', phase, frame: frame(2, r.chance(0.5) ? identifyTemplate : payloadD(r, ids)), closes: [4005], open: false });
      } else {
        const d = payloadD(r, ids, identifyTemplate);
        // Payload compression would make the answer binary zlib data, which this client does not read.
        if (d && typeof d === 'object' && !Array.isArray(d)) delete (d as Record<string, unknown>).compress;
        out.push({ what: 'IDENTIFY with a mutated d', phase, frame: frame(2, d), closes: IDENTIFY_CLOSES, open: true, settle: 'identify' });
      }
    } else {
      const resumeTemplate = { token: ownerToken, session_id: 'f'.repeat(32), seq: 1 };
      if (phase === 'ready') out.push({ what: 'RESUME after READY', phase, frame: frame(6, resumeTemplate), closes: [4005], open: false });
      else out.push({ what: 'RESUME with a mutated d', phase, frame: frame(6, payloadD(r, ids, resumeTemplate)), closes: [4002, 4004, 4007], open: true, settle: 'resume' });
    }
    for (const c of out.slice(before)) sizeRule(c);
  }
  return out;
}

/** A frame over 4096 bytes is a decode error whatever it holds; over WS_MAX_PAYLOAD, `ws` refuses it with 1009. */
function sizeRule(c: GatewayCase): void {
  const bytes = Buffer.byteLength(c.frame);
  if (bytes <= 4096) return;
  c.closes = bytes > WS_MAX_PAYLOAD ? [1009] : [4002];
  c.open = false;
  delete c.settle;
  delete c.heartbeat;
}
