/**
 * Gateway dispatches → state. Every handler is idempotent (Discord may deliver an event more than once, and a
 * resume replays what the session had not seen): messages and members are keyed by id, never appended blindly.
 */
import { compareIds } from './api.ts';
import { watchMembership } from './membership.ts';
import { clearMentions, countMention, mentionCountsFromReady } from './mentions.ts';
import { applyGuildSettingsUpdate, guildSettingsFromReady } from './mutes.ts';
import { lobbyHandlers } from './lobbies.ts';
import { relationshipHandlers, relationshipsFromReady } from './relationships.ts';
import { store, upsertMessage, withUser, withUsers, type GuildInfo, type State } from './store.ts';
import type { Channel, Guild, Member, Message, Poll, Presence, ReadStateEntry, Role, StageInstance, Status, User } from './types.ts';

type Patch = Partial<State> | void;
type Handler = (s: State, d: any) => Patch;

const TYPING_MS = 10_000;

function guildInfo(g: Guild, prev?: GuildInfo): GuildInfo {
  const roles: Record<string, Role> = {};
  for (const r of g.roles ?? Object.values(prev?.roles ?? {})) roles[r.id] = r;
  return {
    id: g.id,
    name: g.name ?? prev?.name ?? '',
    icon: g.icon ?? null,
    owner_id: g.owner_id ?? prev?.owner_id ?? '',
    roles,
    member_count: g.member_count ?? prev?.member_count ?? 0,
    unavailable: false,
    // A GUILD_UPDATE that sets it to null clears it: only an absent field keeps what was known.
    system_channel_id: 'system_channel_id' in g ? (g.system_channel_id ?? null) : (prev?.system_channel_id ?? null),
    system_channel_flags: g.system_channel_flags ?? prev?.system_channel_flags ?? 0,
    default_message_notifications: g.default_message_notifications ?? prev?.default_message_notifications ?? 0,
    features: g.features ?? prev?.features ?? [],
    mfa_level: g.mfa_level ?? prev?.mfa_level ?? 0,
  };
}

function applyGuildCreate(s: State, g: Guild): Partial<State> {
  if (g.unavailable && !g.channels) {
    const prev = s.guilds[g.id];
    return {
      guilds: { ...s.guilds, [g.id]: prev ? { ...prev, unavailable: true } : { ...guildInfo({ ...g, roles: [], name: '', owner_id: '' }), unavailable: true } },
      guildIds: s.guildIds.includes(g.id) ? s.guildIds : [...s.guildIds, g.id],
    };
  }
  const channels = { ...s.channels };
  for (const c of Object.values(channels)) if (c.guild_id === g.id) delete channels[c.id];
  for (const c of g.channels ?? []) channels[c.id] = { ...c, guild_id: g.id };
  // Active threads the user may see (opened from their channel's Threads panel).
  for (const c of (g as { threads?: Channel[] }).threads ?? []) channels[c.id] = { ...c, guild_id: g.id };
  const members: Record<string, Member> = { ...s.members[g.id] };
  let users = s.users;
  for (const m of g.members ?? []) {
    if (!m.user) continue;
    members[m.user.id] = m;
    users = withUser(users, m.user);
  }
  const presences = { ...s.presences };
  for (const p of g.presences ?? []) {
    presences[p.user.id] = p.status;
    if (p.user.username) users = withUser(users, p.user as User);
  }
  const stages = withoutGuildStages(s.stages, g.id);
  for (const st of (g as { stage_instances?: StageInstance[] }).stage_instances ?? []) stages[st.channel_id] = st;
  return {
    guilds: { ...s.guilds, [g.id]: guildInfo(g, s.guilds[g.id]) },
    guildIds: s.guildIds.includes(g.id) ? s.guildIds : [...s.guildIds, g.id],
    channels,
    members: { ...s.members, [g.id]: members },
    users,
    presences,
    stages,
  };
}

function withoutGuildStages(stages: State['stages'], guildId: string): State['stages'] {
  const out = { ...stages };
  for (const st of Object.values(out)) if (st.guild_id === guildId) delete out[st.channel_id];
  return out;
}

function removeGuild(s: State, id: string): Partial<State> {
  const guilds = { ...s.guilds };
  delete guilds[id];
  const channels = { ...s.channels };
  for (const c of Object.values(channels)) if (c.guild_id === id) delete channels[c.id];
  const members = { ...s.members };
  delete members[id];
  return { guilds, channels, members, guildIds: s.guildIds.filter((g) => g !== id), stages: withoutGuildStages(s.stages, id) };
}

function upsertChannel(s: State, c: Channel): Partial<State> {
  const patch: Partial<State> = { channels: { ...s.channels, [c.id]: { ...s.channels[c.id], ...c } } };
  if (!c.guild_id) {
    if (!s.privateChannelIds.includes(c.id)) patch.privateChannelIds = [c.id, ...s.privateChannelIds];
    patch.users = withUsers(s.users, c.recipients ?? []);
  }
  return patch;
}

function setMember(s: State, guildId: string, m: Member & { user: User }): Partial<State> {
  const prev = s.members[guildId]?.[m.user.id];
  return {
    members: { ...s.members, [guildId]: { ...s.members[guildId], [m.user.id]: { ...prev, ...m } } },
    users: withUser(s.users, m.user),
  };
}

function patchMessage(s: State, channelId: string, id: string, fn: (m: Message) => Message): Patch {
  const cm = s.messages[channelId];
  const i = cm?.list.findIndex((m) => m.id === id) ?? -1;
  if (!cm || i < 0) return;
  const list = cm.list.slice();
  list[i] = fn(list[i]);
  return { messages: { ...s.messages, [channelId]: { ...cm, list } } };
}

/** A vote event: the answer's count moves by `delta`; our own vote also moves `me_voted`. */
function pollVoteDelta(s: State, d: any, delta: 1 | -1): Patch {
  return patchMessage(s, d.channel_id, d.message_id, (m) => {
    if (!m.poll) return m;
    const results = m.poll.results ?? { is_finalized: false, answer_counts: [] };
    let counts = results.answer_counts;
    if (!counts.some((c) => c.id === d.answer_id)) counts = [...counts, { id: d.answer_id, count: 0, me_voted: false }];
    const mine = d.user_id === s.me?.id;
    counts = counts.map((c) => (c.id === d.answer_id ? { ...c, count: Math.max(0, c.count + delta), me_voted: mine ? delta > 0 : c.me_voted } : c));
    return { ...m, poll: { ...m.poll, results: { ...results, answer_counts: counts } } };
  });
}

/** A poll from an event (me_voted false for everyone) keeps what we know of our own votes. */
function keepMyVotes(known: Poll | undefined, next: Poll): Poll {
  if (!known?.results || !next.results) return next;
  const mine = new Set(known.results.answer_counts.filter((c) => c.me_voted).map((c) => c.id));
  return { ...next, results: { ...next.results, answer_counts: next.results.answer_counts.map((c) => ({ ...c, me_voted: c.me_voted || mine.has(c.id) })) } };
}

function sameEmoji(a: { id: string | null; name: string | null }, b: { id?: string | null; name?: string | null }) {
  return a.id ? a.id === b.id : a.name === b.name;
}

function reactionDelta(s: State, d: any, delta: 1 | -1): Patch {
  const mine = d.user_id === s.me?.id;
  return patchMessage(s, d.channel_id, d.message_id, (m) => {
    const reactions = [...(m.reactions ?? [])];
    const i = reactions.findIndex((r) => sameEmoji(r.emoji, d.emoji));
    if (i < 0) {
      if (delta < 0) return m;
      reactions.push({ emoji: { id: d.emoji.id ?? null, name: d.emoji.name ?? null }, count: 1, me: mine });
    } else {
      const r = reactions[i];
      // Our own reaction may already be counted by the optimistic update made when we clicked.
      if (mine && r.me === (delta > 0)) return m;
      const count = r.count + delta;
      if (count <= 0) reactions.splice(i, 1);
      else reactions[i] = { ...r, count, me: mine ? delta > 0 : r.me };
    }
    return { ...m, reactions };
  });
}

function presenceList(d: any): Presence[] {
  return Array.isArray(d) ? d : Array.isArray(d?.presences) ? d.presences : [];
}

const handlers: Record<string, Handler> = {
  READY(s, d) {
    const patch: Partial<State> = { me: d.user, authSessionId: d.auth_session_id_hash ?? null, users: withUser({}, d.user), ready: true, guildIds: [], guilds: {}, channels: {}, members: {}, presences: {}, privateChannelIds: [], memberRequests: {}, stages: {}, voiceStatuses: {}, lobbies: null, lobbyMessages: {} };
    let next: State = { ...s, ...patch };
    for (const g of d.guilds ?? []) next = { ...next, ...applyGuildCreate(next, g) };
    for (const c of d.private_channels ?? []) next = { ...next, ...upsertChannel(next, c) };
    for (const u of d.users ?? []) next = { ...next, users: withUser(next.users, u) };
    const presences: Record<string, Status> = { ...next.presences, [d.user.id]: s.myStatus };
    for (const p of presenceList(d.presences ?? d.merged_presences?.friends)) if (p?.user?.id) presences[p.user.id] = p.status;
    const entries: ReadStateEntry[] = Array.isArray(d.read_state) ? d.read_state : (d.read_state?.entries ?? []);
    const readStates: Record<string, string | null> = {};
    for (const e of entries) readStates[e.id] = e.last_message_id ?? null;
    const mentionCounts = mentionCountsFromReady(entries);
    // Private channels come most-recent first.
    const privateChannelIds = [...next.privateChannelIds].sort((a, b) => compareIds(next.channels[b]?.last_message_id ?? b, next.channels[a]?.last_message_id ?? a));
    return { ...next, presences, readStates, mentionCounts, privateChannelIds, guildSettings: guildSettingsFromReady(d), ...relationshipsFromReady(next, d) };
  },
  GUILD_CREATE: (s, d) => applyGuildCreate(s, d),
  GUILD_UPDATE(s, d) {
    const prev = s.guilds[d.id];
    if (!prev) return;
    return { guilds: { ...s.guilds, [d.id]: guildInfo({ ...d, roles: d.roles ?? Object.values(prev.roles) }, prev) } };
  },
  GUILD_DELETE(s, d) {
    if (d.unavailable) return applyGuildCreate(s, { id: d.id, unavailable: true } as Guild);
    return removeGuild(s, d.id);
  },
  CHANNEL_CREATE: (s, d) => upsertChannel(s, d),
  CHANNEL_UPDATE: (s, d) => upsertChannel(s, d),
  // Threads live beside channels (the sidebar leaves them out; the Threads panel lists them).
  THREAD_CREATE: (s, d) => upsertChannel(s, d),
  THREAD_UPDATE: (s, d) => upsertChannel(s, { ...s.channels[d.id], ...d }),
  // Access to a channel gained: its active threads (with guild_id added, as the payload's threads may leave it out).
  THREAD_LIST_SYNC(s, d) {
    const channels = { ...s.channels };
    for (const t of (d.threads ?? []) as Channel[]) channels[t.id] = { ...channels[t.id], ...t, guild_id: t.guild_id ?? d.guild_id };
    return { channels };
  },
  THREAD_DELETE(s, d) {
    const channels = { ...s.channels };
    delete channels[d.id];
    return { channels };
  },
  CHANNEL_DELETE(s, d) {
    const channels = { ...s.channels };
    delete channels[d.id];
    const stages = { ...s.stages };
    delete stages[d.id];
    const voiceStatuses = { ...s.voiceStatuses };
    delete voiceStatuses[d.id];
    return { channels, stages, voiceStatuses, privateChannelIds: s.privateChannelIds.filter((id) => id !== d.id) };
  },
  /** op 43's answer: the statuses of the guild's channels, those it does not list have none. */
  CHANNEL_INFO(s, d) {
    const voiceStatuses = { ...s.voiceStatuses };
    for (const id of Object.keys(voiceStatuses)) if (s.channels[id]?.guild_id === d.guild_id) delete voiceStatuses[id];
    for (const c of (d.channels ?? []) as Array<{ id: string; status?: string | null }>) if (c.status) voiceStatuses[c.id] = c.status;
    return { voiceStatuses };
  },
  VOICE_CHANNEL_STATUS_UPDATE(s, d) {
    const voiceStatuses = { ...s.voiceStatuses };
    if (d.status) voiceStatuses[d.id] = d.status;
    else delete voiceStatuses[d.id];
    return { voiceStatuses };
  },
  STAGE_INSTANCE_CREATE: (s, d) => ({ stages: { ...s.stages, [d.channel_id]: d } }),
  STAGE_INSTANCE_UPDATE: (s, d) => ({ stages: { ...s.stages, [d.channel_id]: d } }),
  STAGE_INSTANCE_DELETE(s, d) {
    if (s.stages[d.channel_id]?.id !== d.id) return;
    const stages = { ...s.stages };
    delete stages[d.channel_id];
    return { stages };
  },
  CHANNEL_PINS_UPDATE(s, d) {
    const c = s.channels[d.channel_id];
    const pinsVersion = { ...s.pinsVersion, [d.channel_id]: (s.pinsVersion[d.channel_id] ?? 0) + 1 };
    return c ? { pinsVersion, channels: { ...s.channels, [c.id]: { ...c, last_pin_timestamp: d.last_pin_timestamp ?? null } } } : { pinsVersion };
  },
  CHANNEL_RECIPIENT_ADD(s, d) {
    const c = s.channels[d.channel_id];
    if (!c) return;
    return upsertChannel(s, { ...c, recipients: [...(c.recipients ?? []).filter((u) => u.id !== d.user.id), d.user] });
  },
  CHANNEL_RECIPIENT_REMOVE(s, d) {
    const c = s.channels[d.channel_id];
    if (!c) return;
    return upsertChannel(s, { ...c, recipients: (c.recipients ?? []).filter((u) => u.id !== d.user.id) });
  },
  GUILD_MEMBER_ADD(s, d) {
    const g = s.guilds[d.guild_id];
    const patch = setMember(s, d.guild_id, d);
    if (g && !s.members[d.guild_id]?.[d.user.id]) patch.guilds = { ...s.guilds, [g.id]: { ...g, member_count: g.member_count + 1 } };
    return patch;
  },
  GUILD_MEMBER_UPDATE: (s, d) => setMember(s, d.guild_id, d),
  GUILD_MEMBER_REMOVE(s, d) {
    if (d.user.id === s.me?.id) return removeGuild(s, d.guild_id);
    const members = { ...s.members[d.guild_id] };
    const had = Boolean(members[d.user.id]);
    delete members[d.user.id];
    const g = s.guilds[d.guild_id];
    return {
      members: { ...s.members, [d.guild_id]: members },
      ...(g && had ? { guilds: { ...s.guilds, [g.id]: { ...g, member_count: Math.max(0, g.member_count - 1) } } } : {}),
    };
  },
  GUILD_MEMBERS_CHUNK(s, d) {
    const members = { ...s.members[d.guild_id] };
    let users = s.users;
    for (const m of d.members ?? []) {
      if (!m.user) continue;
      members[m.user.id] = m;
      users = withUser(users, m.user);
    }
    const presences = { ...s.presences };
    // Asked with presences, the chunk carries only those of members online: the others listed are offline.
    if (Array.isArray(d.presences)) for (const m of d.members ?? []) if (m.user && m.user.id !== s.me?.id) presences[m.user.id] = 'offline';
    for (const p of d.presences ?? []) presences[p.user.id] = p.status;
    return { members: { ...s.members, [d.guild_id]: members }, users, presences };
  },
  GUILD_ROLE_CREATE: (s, d) => roleUpsert(s, d.guild_id, d.role),
  GUILD_ROLE_UPDATE: (s, d) => roleUpsert(s, d.guild_id, d.role),
  GUILD_ROLE_DELETE(s, d) {
    const g = s.guilds[d.guild_id];
    if (!g) return;
    const roles = { ...g.roles };
    delete roles[d.role_id];
    return { guilds: { ...s.guilds, [g.id]: { ...g, roles } } };
  },
  MESSAGE_CREATE(s, d: Message) {
    // Counted against the state before this message moves the channel's last_message_id.
    // A webhook's author is the webhook with the name of this one message: no user to remember.
    // (An application's interaction reply has its id as webhook_id, the id of its bot user too: that one is kept.)
    const webhookAuthor = Boolean(d.webhook_id) && d.author.id === d.webhook_id && d.author.id !== d.application_id;
    const patch: Partial<State> = { users: webhookAuthor ? s.users : withUser(s.users, d.author), ...countMention(s, d) };
    const ch = s.channels[d.channel_id];
    if (ch && (!ch.last_message_id || compareIds(d.id, ch.last_message_id) > 0)) {
      patch.channels = { ...s.channels, [ch.id]: { ...ch, last_message_id: d.id } };
      if (!ch.guild_id && s.privateChannelIds[0] !== ch.id) patch.privateChannelIds = [ch.id, ...s.privateChannelIds.filter((id) => id !== ch.id)];
    }
    // Our own messages are read by definition (Discord acks them server-side).
    if (d.author.id === s.me?.id) patch.readStates = { ...s.readStates, [d.channel_id]: d.id };
    const cm = s.messages[d.channel_id];
    if (cm) patch.messages = { ...s.messages, [d.channel_id]: upsertMessage(cm, d) };
    const typing = s.typing[d.channel_id];
    if (typing?.[d.author.id]) {
      const t = { ...typing };
      delete t[d.author.id];
      patch.typing = { ...s.typing, [d.channel_id]: t };
    }
    return patch;
  },
  MESSAGE_UPDATE: (s, d) => patchMessage(s, d.channel_id, d.id, (m) => ({ ...m, ...d, author: d.author ?? m.author, ...(d.poll ? { poll: keepMyVotes(m.poll, d.poll) } : {}) })),
  MESSAGE_DELETE(s, d) {
    const cm = s.messages[d.channel_id];
    if (!cm) return;
    return { messages: { ...s.messages, [d.channel_id]: { ...cm, list: cm.list.filter((m) => m.id !== d.id) } } };
  },
  MESSAGE_DELETE_BULK(s, d) {
    const cm = s.messages[d.channel_id];
    if (!cm) return;
    const ids = new Set<string>(d.ids);
    return { messages: { ...s.messages, [d.channel_id]: { ...cm, list: cm.list.filter((m) => !ids.has(m.id)) } } };
  },
  MESSAGE_POLL_VOTE_ADD: (s, d) => pollVoteDelta(s, d, 1),
  MESSAGE_POLL_VOTE_REMOVE: (s, d) => pollVoteDelta(s, d, -1),
  MESSAGE_REACTION_ADD: (s, d) => reactionDelta(s, d, 1),
  MESSAGE_REACTION_REMOVE: (s, d) => reactionDelta(s, d, -1),
  MESSAGE_REACTION_REMOVE_ALL: (s, d) => patchMessage(s, d.channel_id, d.message_id, (m) => ({ ...m, reactions: [] })),
  MESSAGE_REACTION_REMOVE_EMOJI: (s, d) =>
    patchMessage(s, d.channel_id, d.message_id, (m) => ({ ...m, reactions: (m.reactions ?? []).filter((r) => !sameEmoji(r.emoji, d.emoji)) })),
  MESSAGE_ACK(s, d) {
    const prev = s.readStates[d.channel_id];
    // Any ack resets the server's mention count, even one our own read state is already past.
    const mentions = clearMentions(s, d.channel_id, typeof d.mention_count === 'number' ? d.mention_count : 0);
    if (prev && compareIds(prev, d.message_id) >= 0) return mentions;
    return { ...mentions, readStates: { ...s.readStates, [d.channel_id]: d.message_id } };
  },
  TYPING_START(s, d) {
    if (d.user_id === s.me?.id) return;
    const patch: Partial<State> = { typing: { ...s.typing, [d.channel_id]: { ...s.typing[d.channel_id], [d.user_id]: Date.now() + TYPING_MS } } };
    if (d.member?.user && d.guild_id) Object.assign(patch, setMember({ ...s, ...patch }, d.guild_id, d.member));
    return patch;
  },
  PRESENCE_UPDATE(s, d: Presence) {
    const patch: Partial<State> = {};
    if (s.presences[d.user.id] !== d.status) patch.presences = { ...s.presences, [d.user.id]: d.status };
    // The user object may be partial (only `id` is sure): changed fields, such as a new avatar, go to users we know.
    const known = s.users[d.user.id];
    if (d.user.username) patch.users = withUser(s.users, d.user as User);
    else if (known && ('avatar' in d.user || 'global_name' in d.user)) patch.users = withUser(s.users, { ...known, ...d.user });
    return patch;
  },
  PRESENCES_REPLACE(s, d) {
    const presences: Record<string, Status> = {};
    for (const p of presenceList(d)) if (p?.user?.id) presences[p.user.id] = p.status;
    if (s.me) presences[s.me.id] = s.myStatus;
    return { presences };
  },
  USER_GUILD_SETTINGS_UPDATE: (s, d) => applyGuildSettingsUpdate(s, d),
  ...relationshipHandlers,
  ...lobbyHandlers,
  USER_UPDATE(s, d: User) {
    return { me: s.me && s.me.id === d.id ? { ...s.me, ...d } : s.me, users: withUser(s.users, d) };
  },
};

function roleUpsert(s: State, guildId: string, role: Role): Patch {
  const g = s.guilds[guildId];
  if (!g) return;
  return { guilds: { ...s.guilds, [g.id]: { ...g, roles: { ...g.roles, [role.id]: role } } } };
}

export function applyDispatch(t: string, d: unknown) {
  watchMembership(store.state, t, d);
  const h = handlers[t];
  if (h) store.update((s) => h(s, d));
}

/** Drops typing indicators older than 10 s; runs on a timer while any are shown. */
export function expireTyping() {
  const now = Date.now();
  store.update((s) => {
    let changed = false;
    const typing: State['typing'] = {};
    for (const [cid, users] of Object.entries(s.typing)) {
      const kept: Record<string, number> = {};
      for (const [uid, until] of Object.entries(users)) {
        if (until > now) kept[uid] = until;
        else changed = true;
      }
      if (Object.keys(kept).length) typing[cid] = kept;
    }
    return changed ? { typing } : undefined;
  });
}
