/**
 * What the guild role answers: GUILD_CREATE payloads (READY, joins) and member lists (op 8), built from the
 * cached guild state, a few store reads for members, and presences asked of the presence role. A presence role
 * that is down or slow costs at most one short timeout (then the breaker fails fast) and the answer goes out
 * without presences — never without the guild.
 *
 * A storm of identifies asks for the same guild over and over: the guild object, channels and permission state
 * are built once per change of the guild, and member objects once per member (state-cache.ts says when they are
 * dropped); only the caller's own fields (joined_at, their member object) are looked up per snapshot.
 */
import { channelJson, guildJson, iso, memberJson } from '../shapes/serialize.ts';
import { emojiJson } from '../shapes/emoji.ts';
import { stickerJson } from '../shapes/sticker.ts';
import { soundJson } from '../shapes/soundboard.ts';
import { stageInstanceJson } from '../shapes/stage-instance.ts';
import { scheduledEventJson } from '../shapes/scheduled-event.ts';
import { channelPermissionsOf, forumExtra, forumSettingsOf, visibleActiveThreads } from './threads.ts';
import { EventStatus, isUpcoming } from '../protocol/scheduled-events.ts';
import { Permissions, hasPermission } from '../protocol/permissions.ts';
import type { Logger } from '../lib/log.ts';
import { isRoleDown, type RoleClient } from '../contracts/role-client.ts';
import { PresenceSubjects, type PresenceJson, type PresenceQuery } from '../contracts/presence.ts';
import type { ForumSettingsRecord, MemberRecord, Store, UserRecord } from '../store/types.ts';
import { byPositionThenId, MEMBER_JSON_TTL_MS, type GuildStateCache, type GuildState } from './state-cache.ts';
import type { GuildMembersReply, GuildMembersRequest, GuildPermissionState, GuildSnapshotReply, GuildSnapshotRequest, SnapshotPiece } from '../contracts/guild.ts';
import { keyedPiece, ListRuns } from './snapshot-pieces.ts';

export const GUILD_LIMITS = {
  /** Members one GuildMembersReply carries (op 8 with limit 0 pages through `after`); also the store's page size. */
  membersPerReply: 1000,
  /** Discord's cap for a prefix query and for user_ids. */
  membersQueryMax: 100,
  /** Online members of a large guild put in one GUILD_CREATE; beyond, clients request members (op 8). */
  snapshotOnlineMembersMax: 1000,
  /** Above this member count a GUILD_CREATE lists only the session's own member (Discord's "over 75k members"). */
  snapshotMembersListedMax: 75_000,
} as const;

/**
 * Text the memo of member and presence runs may hold (chars): ~600 runs of 16 members. In one process the sessions
 * node holds the same runs again as bytes, so the bound is kept small; a run evicted while still in use costs one
 * rebuild and one hash.
 */
const LIST_RUNS_MAX_CHARS = 4 * 1024 * 1024;
/** Guilds whose last presence list GuildSnapshots keeps (to reuse it when the next snapshot lists the same). */
const LAST_PRESENCE_LISTS = 256;

export class GuildSnapshots {
  /** Runs of member and presence objects shared by successive snapshots (snapshot-pieces.ts). */
  private readonly runs = new ListRuns(LIST_RUNS_MAX_CHARS);
  /** Per guild, the last presences listed and what they gave (inGuild); bounded by LAST_PRESENCE_LISTS guilds. */
  private readonly lastPresences = new Map<string, { from: PresenceJson[]; entries: PresenceInGuild[]; json: Array<Record<string, unknown>> }>();

  constructor(
    private readonly store: Store,
    private readonly cache: GuildStateCache,
    private readonly presence: RoleClient,
    private readonly log: Logger,
  ) {}

  async snapshot(req: GuildSnapshotRequest): Promise<GuildSnapshotReply> {
    const state = await this.cache.get(req.guildId);
    if (!state) return { guild: null };
    const me = await this.store.members.get(req.guildId, req.userId);
    if (!me) return { guild: null };
    // Sessions ask for a new member's GUILD_CREATE when they see GUILD_MEMBER_ADD, which may be before this node
    // has handled that event: a membership newer than the cached count means the count is stale.
    if (me.joinedAt >= state.countedAt) await this.cache.recount(state);
    const large = state.memberCount > req.largeThreshold;
    const now = Date.now();

    let members: Array<Record<string, unknown>>;
    let presences: PresenceJson[] = [];
    const mine = (await this.memberObjects(state, [req.userId], now, [me]))[0];
    if (!mine) return { guild: null };
    if ((req.bot && !req.presences) || state.memberCount > GUILD_LIMITS.snapshotMembersListedMax || (!req.bot && large)) {
      // Discord's GUILD_CREATE for a bot without the GUILD_PRESENCES intent, or in a guild of over 75k members:
      // "members and presences ... will only contain your bot and users in voice channels" (Accord has no voice);
      // op 8's "if the guild is over 75k members, it will only send members who are in voice, plus the member for
      // you (the connecting user)" says the same of every session. Other members come from op 8 or REST.
      // A user session in a guild above its large_threshold gets the same (a lazy guild, as Discord's own client
      // does): it is sent the presences of the members it subscribes to (op 37) and no others
      // (sessions/member-subscriptions.ts), so online members listed here would go stale; it asks op 8 for the
      // members it shows.
      members = [mine];
      if (req.presences) presences = await this.presences({ userIds: [req.userId] });
    } else if (!large) {
      members = await this.allMembers(state, now);
      if (req.presences) presences = await this.presences({ userIds: members.map(userIdOf) });
    } else {
      // Offline members are left out of large guilds: ask who is online, then keep those who really are members.
      // The list keeps the presence role's order, the caller in their place: every caller's list is then the same
      // list, and shares every run of it (snapshot-pieces.ts). Moving the caller's own member to the end made each
      // user's lists differ in two runs, which the memo then held per user, evicted, rebuilt and hashed again.
      const online = await this.presences({ guildId: req.guildId });
      const ids: string[] = [];
      const listed: PresenceJson[] = [];
      let callerListed = false;
      for (const p of online) {
        const id = p.user.id;
        if (id === req.userId) callerListed = true;
        else if (ids.length >= GUILD_LIMITS.snapshotOnlineMembersMax) continue;
        ids.push(id);
        listed.push(p);
      }
      if (!callerListed) ids.push(req.userId);
      members = await this.memberObjects(state, ids, now, undefined, mine);
      if (req.presences) {
        // The members are the listed users who are members, in the same order: one pass keeps their presences.
        let next = 0;
        for (const p of listed) {
          if (next < members.length && userIdOf(members[next]!) === p.user.id) {
            presences.push(p);
            next++;
          }
        }
      }
    }

    // The guild's custom emoji and stickers, read once per state of the parts (an update resets them). The parts
    // object is taken before the reads: one replaced meanwhile (an update came) never receives what was read before.
    const cached = state.parts;
    const emojis = cached.emojis ?? (cached.emojis = (await this.store.guildEmojis.listByGuild(req.guildId)).map((e) => emojiJson(e)));
    const stickers = cached.stickers ?? (cached.stickers = (await this.store.guildStickers.listByGuild(req.guildId)).map((s) => stickerJson(s)));
    const sounds = cached.sounds ?? (cached.sounds = (await this.store.guildSounds.listByGuild(req.guildId)).map((s) => soundJson(s)));
    // Its open stages, one per stage channel; like the events, only those in channels the member can view.
    const stages = cached.stages ?? (cached.stages = (await this.store.stageInstances.listByGuild(req.guildId)).map((s) => stageInstanceJson(s)));
    // Events still to come or running: at most 100 a guild (api/routes/scheduled-events.ts). One in a channel the
    // member cannot view is left out, as Discord hides it. A live stage event names its stage (entity_id).
    const upcoming = cached.scheduledEvents ?? (cached.scheduledEvents = await this.upcomingEvents(req.guildId, stages));
    const viewable = upcoming.some((e) => e.channel_id) || stages.length ? channelPermissionsOf(state, me) : null;
    const scheduledEvents = viewable ? upcoming.filter((e) => !e.channel_id || hasPermission(viewable(e.channel_id as string), Permissions.VIEW_CHANNEL)) : upcoming;
    const stageInstances = viewable ? stages.filter((s) => hasPermission(viewable(s.channel_id as string), Permissions.VIEW_CHANNEL)) : stages;
    // Its active threads the member may see (guild/threads.ts).
    const threads = await visibleActiveThreads(this.store, state, me);

    // Forum and media channels' own fields (guild/threads.ts), read only when the channel list is to be built.
    let forums: Map<string, ForumSettingsRecord | null> | null = null;
    while (!state.parts.channels && !forums) forums = await forumSettingsOf(this.store, state);
    // Synchronous from here: the parts are built from the state as it is now.
    const parts = state.parts;
    parts.base ??= guildJson(state.guild, sortedRoles(state));
    parts.channels ??= sortedChannels(state).map((c) => ({ ...channelJson(c, { overwrites: state.overwrites.get(c.id) ?? [] }), ...forumExtra(c, forums) }));
    parts.permission ??= permissionState(state);
    const inGuild = this.inGuild(req.guildId, presences);
    const joinedAt = iso(me.joinedAt);
    const guild = req.piecesOnly ? { id: state.guild.id } : {
      ...parts.base,
      emojis,
      stickers,
      joined_at: joinedAt,
      large,
      unavailable: false,
      lazy: true,
      member_count: state.memberCount,
      members,
      // Every channel: clients filter by permission themselves, and sessions filter the events.
      channels: parts.channels,
      threads,
      presences: inGuild.json,
      voice_states: [],
      stage_instances: stageInstances,
      guild_scheduled_events: scheduledEvents,
      soundboard_sounds: sounds,
      embedded_activities: [],
    };
    // The same payload as pieces of memoised JSON (snapshot-pieces.ts): the sessions node sends them as they are.
    // The base piece holds the emoji and stickers read from `cached`: memoised only on that same parts object.
    let basePiece = cached === parts ? parts.basePiece : undefined;
    if (!basePiece) {
      parts.baseText ??= JSON.stringify(parts.base);
      // The base's `"emojis":[]` (the first: any in a name or description is escaped) with the guild's emoji.
      let baseText = emojis.length ? parts.baseText.replace('"emojis":[]', `"emojis":${JSON.stringify(emojis)}`) : parts.baseText;
      // Likewise its `"stickers":[]`.
      if (stickers.length) baseText = baseText.replace('"stickers":[]', `"stickers":${JSON.stringify(stickers)}`);
      basePiece = keyedPiece(baseText.slice(0, -1));
      if (cached === parts) parts.basePiece = basePiece;
    }
    const pieces: SnapshotPiece[] = [
      basePiece,
      `,"joined_at":${JSON.stringify(joinedAt)},"large":${large},"unavailable":false,"lazy":true,"member_count":${state.memberCount},"members":[`,
    ];
    this.runs.push(pieces, members, userIdOf, textOf);
    pieces.push('],"channels":', (parts.channelsPiece ??= keyedPiece(JSON.stringify(parts.channels))), `,"threads":${JSON.stringify(threads)},"presences":[`);
    this.runs.push(pieces, inGuild.entries, presenceUserId, presenceText);
    pieces.push(`],"voice_states":[],"stage_instances":${JSON.stringify(stageInstances)},"guild_scheduled_events":${JSON.stringify(scheduledEvents)},"soundboard_sounds":${JSON.stringify(sounds)},"embedded_activities":[]}`);
    // The member count is read at each snapshot (the cached permission part does not change with it).
    return { guild, guildPieces: pieces, member: mine, state: { ...parts.permission, memberCount: state.memberCount } };
  }

  /**
   * The presences as this guild's GUILD_CREATE lists them. In a storm the presence role answers every snapshot with
   * the same objects: the previous answer's entries are reused after comparing identities, instead of two map
   * lookups per presence (presenceInGuild).
   */
  /** The events still to come or running, each live stage event with its stage's id (`stages` as GUILD_CREATE has them). */
  private async upcomingEvents(guildId: string, stages: ReadonlyArray<Record<string, unknown>>): Promise<Array<Record<string, unknown>>> {
    const live = new Map(stages.flatMap((s) => (s.guild_scheduled_event_id ? [[s.guild_scheduled_event_id as string, s.id as string] as [string, string]] : [])));
    const events = (await this.store.scheduledEvents.listByGuild(guildId)).filter((e) => isUpcoming(e.status));
    return events.map((e) => scheduledEventJson(e, { entityId: e.status === EventStatus.ACTIVE ? (live.get(e.id) ?? null) : null }));
  }

  private inGuild(guildId: string, presences: PresenceJson[]): { entries: PresenceInGuild[]; json: Array<Record<string, unknown>> } {
    const last = this.lastPresences.get(guildId);
    if (last && last.from.length === presences.length && last.from.every((p, i) => p === presences[i])) return last;
    const entries = presences.map((p) => presenceInGuild(p, guildId));
    const made = { from: presences, entries, json: entries.map((e) => e.json) };
    this.lastPresences.delete(guildId);
    this.lastPresences.set(guildId, made);
    if (this.lastPresences.size > LAST_PRESENCE_LISTS) this.lastPresences.delete(this.lastPresences.keys().next().value!);
    return made;
  }

  /** Every member object of a small guild (at most one store page), shared until a member changes. */
  private async allMembers(state: GuildState, now: number): Promise<Array<Record<string, unknown>>> {
    const parts = state.parts;
    const cached = parts.allMembers;
    if (cached && cached.expiresAt > now) return cached.members;
    const gen = state.memberJsonGen;
    const records = await this.store.members.list(state.guild.id, { limit: GUILD_LIMITS.membersPerReply });
    const users = await this.users(records);
    let expiresAt = now + MEMBER_JSON_TTL_MS;
    const members: Array<Record<string, unknown>> = [];
    for (const m of records) {
      const user = users.get(m.userId);
      if (!user) continue;
      members.push(memberJson(m, user));
      expiresAt = Math.min(expiresAt, memberExpiry(m, now));
    }
    // Not cached when a member changed meanwhile (parts replaced, or an entry dropped).
    if (state.parts === parts && state.memberJsonGen === gen) parts.allMembers = { members, expiresAt };
    return members;
  }

  /**
   * Member objects of the listed users who are members, in the order given; cached ones first, the rest read
   * from the store (or taken from `known` records) and cached. `mine`: the caller's member object, already built.
   */
  private async memberObjects(state: GuildState, ids: readonly string[], now: number, known?: MemberRecord[], mine?: Record<string, unknown>): Promise<Array<Record<string, unknown>>> {
    // All cached (an identify storm): the list in one pass, no map.
    const cached: Array<Record<string, unknown>> = [];
    for (const id of ids) {
      const hit = this.cache.getMemberJson(state, id, now);
      if (!hit) break;
      cached.push(hit.json);
    }
    if (cached.length === ids.length) return cached;
    const found = new Map<string, Record<string, unknown>>();
    // The caller's own object, just built, when the cache did not keep it (full, or a member changed meanwhile).
    if (mine) found.set(userIdOf(mine), mine);
    const missing: string[] = [];
    for (const id of ids) {
      const hit = found.get(id) ?? this.cache.getMemberJson(state, id, now)?.json;
      if (hit) found.set(id, hit);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const gen = state.memberJsonGen;
      const records = known ?? (await this.store.members.getMany(state.guild.id, missing));
      const users = await this.users(records);
      for (const m of records) {
        const user = users.get(m.userId);
        if (!user) continue;
        const json = memberJson(m, user);
        found.set(m.userId, json);
        this.cache.putMemberJson(state, m.userId, { json, joinedAt: m.joinedAt, expiresAt: memberExpiry(m, now) }, gen);
      }
    }
    const out: Array<Record<string, unknown>> = [];
    for (const id of ids) {
      const json = found.get(id);
      if (json) out.push(json);
    }
    return out;
  }

  async members(req: GuildMembersRequest): Promise<GuildMembersReply> {
    let members: MemberRecord[];
    let notFound: string[] | undefined;
    if (Array.isArray(req.userIds) && req.userIds.length > 0) {
      const wanted = [...new Set(req.userIds.map(String))].slice(0, GUILD_LIMITS.membersQueryMax);
      members = await this.store.members.getMany(req.guildId, wanted);
      const found = new Set(members.map((m) => m.userId));
      notFound = wanted.filter((id) => !found.has(id));
    } else {
      const query = typeof req.query === 'string' ? req.query : '';
      const limit = Number.isInteger(req.limit) && req.limit > 0 ? req.limit : 0;
      if (query === '') {
        // limit 0 with no query means every member: one page per reply, continued with `after`.
        const pageLimit = limit === 0 ? GUILD_LIMITS.membersPerReply : Math.min(limit, GUILD_LIMITS.membersPerReply);
        members = await this.store.members.list(req.guildId, { after: req.after, limit: pageLimit });
      } else {
        members = await this.store.members.search(req.guildId, query, Math.min(limit || GUILD_LIMITS.membersQueryMax, GUILD_LIMITS.membersQueryMax));
      }
    }
    const users = await this.users(members);
    const reply: GuildMembersReply = {
      members: members.flatMap((m) => (users.has(m.userId) ? [memberJson(m, users.get(m.userId))] : [])),
    };
    if (notFound) reply.notFound = notFound;
    if (req.presences) {
      reply.presences = (await this.presences({ userIds: members.map((m) => m.userId) })).map((p) => presenceInGuild(p, req.guildId).json);
    }
    // Every member (`limit` 0), or more than one page of them (`limit` above 1000): the caller continues with `after`.
    const isEveryMember = !req.userIds?.length && !req.query;
    const morePages = !(req.limit > 0) || req.limit > GUILD_LIMITS.membersPerReply;
    if (isEveryMember && morePages && members.length === GUILD_LIMITS.membersPerReply) reply.next = members[members.length - 1].userId;
    return reply;
  }

  /** Presences from the presence role, or none when it is down. */
  private async presences(query: PresenceQuery): Promise<PresenceJson[]> {
    if (query.userIds && query.userIds.length === 0 && !query.guildId) return [];
    try {
      const reply = await this.presence.request(PresenceSubjects.query, query);
      return Array.isArray(reply?.presences) ? reply.presences : [];
    } catch (err) {
      if (isRoleDown(err)) this.log.debug({ err: (err as Error).message }, 'presence role unavailable; answering without presences');
      else this.log.warn({ err }, 'presence query failed; answering without presences');
      return [];
    }
  }

  private async users(members: readonly MemberRecord[]): Promise<Map<string, UserRecord>> {
    if (members.length === 0) return new Map();
    const users = await this.store.users.getMany(members.map((m) => m.userId));
    return new Map(users.map((u) => [u.id, u]));
  }
}

const userIdOf = (m: Record<string, unknown>): string => (m.user as { id: string }).id;
const presenceUserId = (p: { json: Record<string, unknown> }): string => (p.json.user as { id: string }).id;
const presenceText = (p: { text: string }): string => p.text;

/**
 * A presence as one guild's GUILD_CREATE lists it (`guild_id` added) and its JSON, made once per presence object
 * and guild: the presence role hands out the same object until the user's presence changes, so an identify storm
 * re-lists unchanged presences without copying or serialising them again (it did both, per identify, for every
 * online member of a large guild).
 */
type PresenceInGuild = { json: Record<string, unknown>; text: string };
const presencesInGuilds = new WeakMap<PresenceJson, Map<string, PresenceInGuild>>();
function presenceInGuild(p: PresenceJson, guildId: string): PresenceInGuild {
  let byGuild = presencesInGuilds.get(p);
  if (!byGuild) presencesInGuilds.set(p, (byGuild = new Map()));
  let entry = byGuild.get(guildId);
  if (!entry) {
    const json = { ...p, guild_id: guildId };
    byGuild.set(guildId, (entry = { json, text: JSON.stringify(json) }));
  }
  return entry;
}

/** JSON of member and presence objects, memoised by identity: cached members and unchanged presences are reused. */
const texts = new WeakMap<object, string>();
function textOf(o: object): string {
  let text = texts.get(o);
  if (text === undefined) texts.set(o, (text = JSON.stringify(o)));
  return text;
}

/** A cached member object shows communication_disabled_until only while the timeout lasts. */
function memberExpiry(m: MemberRecord, now: number): number {
  const until = m.communicationDisabledUntil;
  return until && until > now ? Math.min(until, now + MEMBER_JSON_TTL_MS) : now + MEMBER_JSON_TTL_MS;
}

function sortedRoles(state: GuildState) {
  return [...state.roles.values()].sort(byPositionThenId);
}

function sortedChannels(state: GuildState) {
  return [...state.channels.values()].sort(byPositionThenId);
}

export function permissionState(state: GuildState): GuildPermissionState {
  return {
    guildId: state.guild.id,
    ownerId: state.guild.ownerId,
    roles: sortedRoles(state).map((r) => ({ id: r.id, permissions: r.permissions, position: r.position })),
    channels: sortedChannels(state).map((c) => ({
      id: c.id,
      type: c.type,
      parentId: c.parentId,
      overwrites: (state.overwrites.get(c.id) ?? []).map((o) => ({ id: o.id, type: o.type, allow: o.allow, deny: o.deny })),
    })),
  };
}
