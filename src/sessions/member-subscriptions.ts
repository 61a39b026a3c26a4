/**
 * Whose presences a user session gets in a large guild. Discord's user clients do not get every PRESENCE_UPDATE
 * of a guild above their IDENTIFY `large_threshold`: only those of the members they subscribed to (op 37 Guild
 * Subscriptions Bulk, or the older op 14 for one guild), plus their friends and the people they have DMs with,
 * who are subscribed in every guild. Bots are unchanged: the GUILD_PRESENCES intent decides for them.
 *
 * Without this, a user coming online in a guild of N connected members is N PRESENCE_UPDATEs: 250 users coming
 * online among 1,000 sessions were bursts of up to 21,550 a second, the tail of READY at 100 identifies a second
 * (docs/performance.md). A client shows presence for the rows of its member list that are on screen, and
 * subscribes to those (web/src: the member list).
 *
 * Decisions where Discord's documentation is silent (its user-client ops are documented only by their users):
 * - `members` replaces the guild's member subscription (a client sends the whole list of who it shows; `[]`
 *   ends it). A request without `members` leaves it as it was. Ids that are not snowflakes are skipped, and guilds
 *   the session does not receive are ignored. The 4096-byte bound of a client payload (codec.ts) bounds one
 *   request to about 180 members, and a session holds at most MAX_SUBSCRIBED_MEMBERS over all its guilds (the
 *   first ids of a request that would pass it are kept).
 * - The other keys clients send (`typing`, `activities`, `threads`, `channels`, `member_updates`,
 *   `thread_member_lists`) are accepted and ignored: typing, threads and member events reach every session of the
 *   guild as before, and there is no GUILD_MEMBER_LIST_UPDATE (the member list is loaded with op 8).
 * - Subscribing sends nothing by itself: a client asks for the current presences of whom it subscribed to with
 *   op 8 (`user_ids`, `presences: true`).
 * - Friends and DM recipients come from READY's relationships and private channels and follow RELATIONSHIP_* and
 *   CHANNEL_CREATE / CHANNEL_RECIPIENT_ADD; a DM recipient stays subscribed until the next IDENTIFY.
 */
import { isSnowflake } from '../protocol/snowflake.ts';
import { CloseCodes, isObject } from './codec.ts';
import type { Invalid } from './identify.ts';

/** Members one session may subscribe to, over all its guilds. */
export const MAX_SUBSCRIBED_MEMBERS = 1000;

/** Discord's relationship type of a friend (RelationshipType.FRIEND, store/types.ts: a role does not import the store's values). */
const FRIEND = 1;

/** A session's subscriptions as its resume record carries them (resume-journal.ts). */
export interface SubscriptionsRecord {
  members: Array<[string, string[]]>;
  friends: string[];
  dmRecipients: string[];
}

export class MemberSubscriptions {
  readonly #members = new Map<string, Set<string>>();
  readonly #friends = new Set<string>();
  readonly #dmRecipients = new Set<string>();
  /** Bumped on every change: the resume journal writes the record again when it moves. */
  version = 0;

  /** Whether a user session in a large guild gets `userId`'s presence there. */
  follows(guildId: string, userId: string): boolean {
    return this.#friends.has(userId) || this.#dmRecipients.has(userId) || this.#members.get(guildId)?.has(userId) === true;
  }

  /** Replaces the guild's member subscription with `userIds` (distinct), within the session's bound. */
  subscribe(guildId: string, userIds: string[]): void {
    const held = this.subscribedCount - (this.#members.get(guildId)?.size ?? 0);
    const kept = userIds.slice(0, Math.max(0, MAX_SUBSCRIBED_MEMBERS - held));
    if (kept.length === 0) this.#members.delete(guildId);
    else this.#members.set(guildId, new Set(kept));
    this.version++;
  }

  /** Members subscribed to, over all guilds. */
  get subscribedCount(): number {
    let n = 0;
    for (const ids of this.#members.values()) n += ids.size;
    return n;
  }

  /** Friends and DM recipients: followed in every large guild they are in. */
  get contacts(): Set<string> {
    return new Set([...this.#friends, ...this.#dmRecipients]);
  }

  /** The members subscribed to in the guild. */
  membersIn(guildId: string): ReadonlySet<string> {
    return this.#members.get(guildId) ?? new Set();
  }

  /** The guild left the session (left, removed, deleted): its subscription goes with it. */
  dropGuild(guildId: string): void {
    if (this.#members.delete(guildId)) this.version++;
  }

  /** READY's relationships and private channels. */
  setContacts(ready: { relationships?: unknown; private_channels?: unknown }): void {
    if (Array.isArray(ready.relationships)) for (const r of ready.relationships) if (isObject(r) && r.type === FRIEND && typeof r.id === 'string') this.#friends.add(r.id);
    if (Array.isArray(ready.private_channels)) for (const c of ready.private_channels) if (isObject(c)) this.#addRecipients(c.recipients);
    this.version++;
  }

  /** Keeps friends and DM recipients current from the user's own events (any other event is left alone). */
  noteUserEvent(t: string, d: Record<string, unknown>, ownId: string): void {
    const before = this.#friends.size + this.#dmRecipients.size;
    switch (t) {
      case 'RELATIONSHIP_ADD':
      case 'RELATIONSHIP_UPDATE':
        if (typeof d.id !== 'string') return;
        if (d.type === FRIEND) this.#friends.add(d.id);
        else this.#friends.delete(d.id);
        break;
      case 'RELATIONSHIP_REMOVE':
        if (typeof d.id === 'string') this.#friends.delete(d.id);
        break;
      case 'CHANNEL_CREATE':
        if (d.guild_id === undefined || d.guild_id === null) this.#addRecipients(d.recipients, ownId);
        break;
      case 'CHANNEL_RECIPIENT_ADD':
        this.#addRecipients([d.user], ownId);
        break;
      default:
        return;
    }
    if (this.#friends.size + this.#dmRecipients.size !== before) this.version++;
  }

  #addRecipients(list: unknown, ownId?: string): void {
    if (!Array.isArray(list)) return;
    for (const u of list) if (isObject(u) && typeof u.id === 'string' && u.id !== ownId) this.#dmRecipients.add(u.id);
  }

  toRecord(): SubscriptionsRecord {
    return { members: [...this.#members].map(([g, ids]) => [g, [...ids]]), friends: [...this.#friends], dmRecipients: [...this.#dmRecipients] };
  }

  static fromRecord(r: SubscriptionsRecord | undefined): MemberSubscriptions {
    const subs = new MemberSubscriptions();
    if (!r) return subs;
    for (const [g, ids] of r.members ?? []) subs.#members.set(g, new Set(ids));
    for (const id of r.friends ?? []) subs.#friends.add(id);
    for (const id of r.dmRecipients ?? []) subs.#dmRecipients.add(id);
    return subs;
  }
}

/** One guild's member subscription as a client asked for it: `members` undefined leaves it unchanged. */
export interface GuildSubscriptionRequest {
  guildId: string;
  members?: string[];
}

/** op 14 `{guild_id, members?, ...}` or op 37 `{subscriptions: {guild_id: {members?, ...}}}`. */
export function parseGuildSubscriptions(op: 14 | 37, d: unknown): GuildSubscriptionRequest[] | Invalid {
  const bad = { close: CloseCodes.DECODE_ERROR, reason: 'invalid guild subscriptions payload' } as const;
  if (!isObject(d)) return bad;
  if (op === 37 && !isObject(d.subscriptions)) return bad;
  const entries: Array<[unknown, unknown]> = op === 14 ? [[d.guild_id, d]] : Object.entries(d.subscriptions as Record<string, unknown>);
  const out: GuildSubscriptionRequest[] = [];
  for (const [guildId, sub] of entries) {
    if (!isSnowflake(guildId) || !isObject(sub)) return bad;
    if (sub.members === undefined) {
      out.push({ guildId });
      continue;
    }
    if (!Array.isArray(sub.members)) return bad;
    out.push({ guildId, members: [...new Set(sub.members.filter(isSnowflake))] });
  }
  return out;
}
