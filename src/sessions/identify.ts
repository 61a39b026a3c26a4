/**
 * IDENTIFY, RESUME and presence payload validation, and the READY payload. Validation is pure and returns the
 * close code a bad payload earns; READY reads the store (private channels, read states, application).
 */
import type { Platform, Status } from '../contracts/presence.ts';
import { botActivity, keepCreatedAt, parseActivities, type Activity } from '../protocol/activity.ts';
import { ALL_INTENTS, allowedPrivilegedIntents, PRIVILEGED_INTENTS } from '../protocol/intents.ts';
import { channelJson, privateUser } from '../shapes/serialize.ts';
import { readyUserGuildSettings } from '../shapes/user-guild-settings.ts';
import { readyRelationships } from '../shapes/relationship.ts';
import type { Store, UserRecord } from '../store/types.ts';
import { CloseCodes, isObject, type CloseCode } from './codec.ts';
import type { PresenceState } from './session.ts';

export type Invalid = { close: CloseCode; reason: string };
const invalid = (close: CloseCode, reason: string): Invalid => ({ close, reason });

export interface IdentifyPayload {
  token: string;
  properties: Record<string, unknown>;
  /** null when absent (allowed for user tokens only; checked once the token is resolved). */
  intents: number | null;
  largeThreshold: number;
  shard: [number, number] | null;
  presence: ParsedPresence;
  compress: boolean;
}

/** A presence as a client sent it, its activities checked. */
export type ParsedPresence = PresenceState & { activities: Activity[] };

/** Strips a `Bot ` prefix: some libraries send their REST authorization string as the token. */
export const bareToken = (token: string) => token.replace(/^Bot\s+/i, '').trim();

/** `now` stamps the presence's activities (created_at). */
export function parseIdentify(d: unknown, now: number): IdentifyPayload | Invalid {
  if (!isObject(d)) return invalid(CloseCodes.DECODE_ERROR, 'identify payload must be an object');
  if (typeof d.token !== 'string' || !d.token) return invalid(CloseCodes.AUTHENTICATION_FAILED, 'authentication failed');
  let intents: number | null = null;
  if (d.intents !== undefined && d.intents !== null) {
    const n = typeof d.intents === 'string' && /^\d+$/.test(d.intents) ? Number(d.intents) : d.intents;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || (n & ~ALL_INTENTS) !== 0 || n > ALL_INTENTS) return invalid(CloseCodes.INVALID_INTENTS, 'invalid intent(s)');
    intents = n;
  }
  let shard: [number, number] | null = null;
  if (d.shard !== undefined && d.shard !== null) {
    const s = d.shard;
    if (!Array.isArray(s) || s.length !== 2 || !s.every((x) => Number.isInteger(x)) || s[1] < 1 || s[0] < 0 || s[0] >= s[1]) {
      return invalid(CloseCodes.INVALID_SHARD, 'invalid shard');
    }
    shard = [s[0], s[1]];
  }
  // Discord documents 50–250; out-of-range values are clamped rather than refused.
  const lt = typeof d.large_threshold === 'number' && Number.isFinite(d.large_threshold) ? Math.trunc(d.large_threshold) : 50;
  let presence: ParsedPresence = { status: 'online', activities: [], since: null, afk: false };
  if (d.presence !== undefined && d.presence !== null) {
    const p = parsePresence(d.presence, now);
    if ('close' in p) return p;
    presence = p;
  }
  return {
    token: bareToken(d.token),
    properties: isObject(d.properties) ? d.properties : {},
    intents,
    largeThreshold: Math.min(250, Math.max(50, lt)),
    shard,
    presence,
    compress: d.compress === true,
  };
}

/** Checks intents against the user: bots must send them, privileged ones need the application's flags. */
export function checkIntents(user: UserRecord, intents: number | null, appFlags: number): Invalid | number {
  if (!user.bot) return intents ?? ALL_INTENTS;
  if (intents === null) return invalid(CloseCodes.INVALID_INTENTS, 'intents are required');
  const privileged = intents & PRIVILEGED_INTENTS;
  if (privileged & ~allowedPrivilegedIntents(appFlags)) return invalid(CloseCodes.DISALLOWED_INTENTS, 'disallowed intent(s)');
  return intents;
}

const STATUSES: readonly Status[] = ['online', 'idle', 'dnd', 'invisible', 'offline'];

/** Activities are judged by protocol/activity.ts; an invalid one is an invalid payload for the opcode (4001). */
export function parsePresence(d: unknown, now: number): ParsedPresence | Invalid {
  if (!isObject(d)) return invalid(CloseCodes.UNKNOWN_OPCODE, 'invalid presence');
  const status = d.status ?? 'online';
  if (typeof status !== 'string' || !STATUSES.includes(status as Status)) return invalid(CloseCodes.UNKNOWN_OPCODE, 'invalid presence status');
  const activities = parseActivities(d.activities, { now });
  if (!activities.ok) return invalid(CloseCodes.UNKNOWN_OPCODE, activities.reason);
  const since = typeof d.since === 'number' && Number.isFinite(d.since) ? d.since : null;
  return { status: status as Status, activities: activities.activities, since, afk: d.afk === true };
}

/**
 * The presence a session holds: a bot's activities cut to what bots may set, and activities the session already
 * had keep their created_at.
 */
export function sessionPresence(p: ParsedPresence, bot: boolean, previous: readonly unknown[] = []): PresenceState {
  return { ...p, activities: keepCreatedAt(bot ? p.activities.map(botActivity) : p.activities, previous) };
}

export interface ResumePayload {
  token: string;
  sessionId: string;
  seq: number;
}

export function parseResume(d: unknown): ResumePayload | Invalid {
  if (!isObject(d) || typeof d.token !== 'string' || typeof d.session_id !== 'string') return invalid(CloseCodes.DECODE_ERROR, 'invalid resume payload');
  const seq = d.seq ?? 0;
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0) return invalid(CloseCodes.INVALID_SEQ, 'invalid seq');
  return { token: bareToken(d.token), sessionId: d.session_id, seq };
}

/** Client platform from IDENTIFY properties (`$os` / `$browser` are the deprecated spellings). */
export function platformOf(properties: Record<string, unknown>): Platform {
  // Strings only: String() of a client's object such as {"toString": 1} throws.
  const text = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : '');
  const os = text(properties.os ?? properties.$os);
  const browser = text(properties.browser ?? properties.$browser);
  if (os === 'android' || os === 'ios') return 'mobile';
  if (/web|chrome|firefox|safari|edge|opera|mozilla/.test(browser) && !browser.includes('discord client')) return 'web';
  return 'desktop';
}

export interface ReadyInput {
  store: Store;
  user: UserRecord;
  /** The public id of the token identified with; READY's auth_session_id_hash for user accounts. */
  tokenId: string;
  sessionId: string;
  resumeUrl: string;
  guildIds: string[];
  shard: [number, number] | null;
  application: { id: string; flags: number } | null;
  /** The gateway version of the connection (READY's `v`). */
  version: number;
}

export async function buildReady(input: ReadyInput): Promise<Record<string, unknown>> {
  const { store, user } = input;
  // The private channels with their recipients in one read and the recipients' users in one more, whatever the
  // number of DMs (a read per channel, two before, made identify cost grow with them).
  const channels = await store.channels.listPrivateWithRecipients(user.id);
  const others = channels.map((c) => c.recipients.filter((id) => id !== user.id));
  const users = new Map((await store.users.getMany([...new Set(others.flat())])).map((u) => [u.id, u]));
  const privateChannels = channels.map((c, i) => channelJson(c.channel, { recipients: others[i]!.flatMap((id) => users.get(id) ?? []) }));
  const ready: Record<string, unknown> = {
    v: input.version,
    user: privateUser(user),
    user_settings: {},
    guilds: input.guildIds.map((id) => ({ id, unavailable: true })),
    session_id: input.sessionId,
    session_type: 'normal',
    resume_gateway_url: input.resumeUrl,
    private_channels: privateChannels,
    relationships: await readyRelationships(store, user),
    presences: [],
    geo_ordered_rtc_regions: [],
    guild_join_requests: [],
  };
  if (input.shard) ready.shard = input.shard;
  if (input.application) ready.application = input.application;
  if (!user.bot) {
    // Discord's: the id_hash (GET /auth/sessions) of the token this session identified with, so a client knows which is its own.
    ready.auth_session_id_hash = input.tokenId;
    const states = await store.readStates.listForUser(user.id);
    ready.read_state = {
      entries: states.map((s) => ({
        id: s.channelId,
        last_message_id: s.lastMessageId ?? '0',
        mention_count: s.mentionCount,
        last_pin_timestamp: s.lastPinTimestamp ? new Date(s.lastPinTimestamp).toISOString() : null,
      })),
      partial: false,
      version: 0,
    };
    ready.user_guild_settings = await readyUserGuildSettings(store, user.id, input.guildIds);
  }
  return ready;
}
