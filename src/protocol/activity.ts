/**
 * Presence activities as Discord takes them from a client (IDENTIFY's `presence`, op 3 PRESENCE_UPDATE) and
 * relays them in PRESENCE_UPDATE. One judge for every path: the sessions role parses what clients send, the
 * presence role checks again what arrives over the bus, so nothing invalid is ever relayed.
 *
 * What Discord documents (gateway events, "Activity Object") and Accord does:
 * - `type` 0–5 (Playing, Streaming, Listening, Watching, Custom, Competing); `name` a string of 1–128
 *   characters; `state` and `details` strings of at most 128. Anything else there is an invalid payload for the
 *   opcode, which Discord answers with close 4001 (the caller picks the code).
 * - `url` is kept only on Streaming and only for Twitch or YouTube over http(s) ("only https://twitch.tv/ and
 *   https://youtube.com/ urls will work"); any other url (`javascript:` included) is dropped, the activity kept.
 * - `timestamps` {start, end} (Unix ms), and `emoji` {name, id, animated} on a Custom status only.
 * - `created_at` is when the activity was added to the session: the server sets it, a client cannot.
 * - Every other field (assets, party, secrets, buttons, application_id, flags …) is dropped: those belong to
 *   Rich Presence over RPC, which Accord does not have. Bots keep only name, state, type and url, as on Discord.
 */

export const ActivityType = { PLAYING: 0, STREAMING: 1, LISTENING: 2, WATCHING: 3, CUSTOM: 4, COMPETING: 5 } as const;

export const ACTIVITY_LIMITS = {
  /** Activities in one presence. */
  activities: 16,
  name: 128,
  state: 128,
  details: 128,
  url: 512,
  emojiName: 64,
} as const;

/** The hosts a Streaming url may point at (Discord: Twitch and YouTube only). */
const STREAM_HOSTS = new Set(['twitch.tv', 'www.twitch.tv', 'm.twitch.tv', 'youtube.com', 'www.youtube.com', 'm.youtube.com']);

export interface ActivityTimestamps {
  start?: number;
  end?: number;
}

export interface ActivityEmoji {
  name: string;
  id?: string;
  animated?: boolean;
}

/** An activity as Accord relays it: only these fields, each checked. */
export interface Activity {
  name: string;
  type: number;
  url?: string;
  created_at?: number;
  state?: string;
  details?: string;
  timestamps?: ActivityTimestamps;
  emoji?: ActivityEmoji;
}

export type ActivitiesResult = { ok: true; activities: Activity[] } | { ok: false; reason: string };

export interface ParseActivitiesOptions {
  /**
   * From a client: every activity gets `created_at` = now (a client's own value is ignored). Without it (an
   * activity relayed over the bus) a valid `created_at` is kept as it is.
   */
  now?: number;
}

/** Parses a presence's `activities` (absent or null means none). */
export function parseActivities(raw: unknown, opts: ParseActivitiesOptions = {}): ActivitiesResult {
  if (raw === undefined || raw === null) return { ok: true, activities: [] };
  if (!Array.isArray(raw)) return { ok: false, reason: 'activities must be an array' };
  if (raw.length > ACTIVITY_LIMITS.activities) return { ok: false, reason: `at most ${ACTIVITY_LIMITS.activities} activities` };
  const activities: Activity[] = [];
  for (const item of raw) {
    const a = parseActivity(item, opts);
    if (typeof a === 'string') return { ok: false, reason: a };
    activities.push(a);
  }
  return { ok: true, activities };
}

/** One activity, or the reason it is invalid. */
export function parseActivity(raw: unknown, opts: ParseActivitiesOptions = {}): Activity | string {
  if (!isRecord(raw)) return 'activity must be an object';
  const type = raw.type;
  if (typeof type !== 'number' || !Number.isInteger(type) || type < ActivityType.PLAYING || type > ActivityType.COMPETING) return 'invalid activity type';
  const name = raw.name;
  if (typeof name !== 'string' || charLength(name) < 1 || charLength(name) > ACTIVITY_LIMITS.name) return `activity name must be 1–${ACTIVITY_LIMITS.name} characters`;
  const out: Activity = { name, type };

  if (raw.url !== undefined && raw.url !== null) {
    if (typeof raw.url !== 'string') return 'activity url must be a string';
    if (type === ActivityType.STREAMING && isStreamUrl(raw.url)) out.url = raw.url;
  }
  if (opts.now !== undefined) out.created_at = opts.now;
  else if (isTime(raw.created_at)) out.created_at = raw.created_at;
  for (const field of ['state', 'details'] as const) {
    const v = raw[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || charLength(v) > ACTIVITY_LIMITS[field]) return `activity ${field} must be a string of at most ${ACTIVITY_LIMITS[field]} characters`;
    out[field] = v;
  }
  if (raw.timestamps !== undefined && raw.timestamps !== null) {
    const t = raw.timestamps;
    if (!isRecord(t)) return 'activity timestamps must be an object';
    const timestamps: ActivityTimestamps = {};
    for (const edge of ['start', 'end'] as const) {
      if (t[edge] === undefined || t[edge] === null) continue;
      if (!isTime(t[edge])) return `activity timestamps.${edge} must be a Unix time in milliseconds`;
      timestamps[edge] = t[edge];
    }
    if (timestamps.start !== undefined || timestamps.end !== undefined) out.timestamps = timestamps;
  }
  if (raw.emoji !== undefined && raw.emoji !== null) {
    const emoji = parseEmoji(raw.emoji);
    if (typeof emoji === 'string') return emoji;
    if (type === ActivityType.CUSTOM) out.emoji = emoji;
  }
  return out;
}

/** What a bot may set (Discord: "Bot users are only able to set name, state, type, and url"). */
export function botActivity(a: Activity): Activity {
  const out: Activity = { name: a.name, type: a.type };
  if (a.url !== undefined) out.url = a.url;
  if (a.created_at !== undefined) out.created_at = a.created_at;
  if (a.state !== undefined) out.state = a.state;
  return out;
}

/**
 * An activity the session already had (same type and name) keeps its `created_at`: it was added then, and a
 * client repeating its presence does not make everyone receive a "new" activity.
 */
export function keepCreatedAt(next: Activity[], previous: readonly unknown[]): Activity[] {
  if (previous.length === 0) return next;
  return next.map((a) => {
    const before = previous.find((p): p is Activity => isRecord(p) && p.type === a.type && p.name === a.name);
    return before?.created_at !== undefined ? { ...a, created_at: before.created_at } : a;
  });
}

/** A Streaming url Discord would show: http(s) to Twitch or YouTube, no credentials in it. */
export function isStreamUrl(url: string): boolean {
  if (url.length > ACTIVITY_LIMITS.url) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && !parsed.username && !parsed.password && STREAM_HOSTS.has(parsed.hostname);
}

function parseEmoji(raw: unknown): ActivityEmoji | string {
  if (!isRecord(raw)) return 'activity emoji must be an object';
  if (typeof raw.name !== 'string' || charLength(raw.name) < 1 || charLength(raw.name) > ACTIVITY_LIMITS.emojiName) return 'activity emoji name must be a short string';
  const emoji: ActivityEmoji = { name: raw.name };
  if (raw.id !== undefined && raw.id !== null) {
    if (typeof raw.id !== 'string' || !/^[1-9]\d{0,19}$/.test(raw.id)) return 'activity emoji id must be a snowflake';
    emoji.id = raw.id;
  }
  if (raw.animated !== undefined && raw.animated !== null) {
    if (typeof raw.animated !== 'boolean') return 'activity emoji animated must be a boolean';
    emoji.animated = raw.animated;
  }
  return emoji;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Length in characters (code points), as Discord counts them, not UTF-16 units. */
function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
