/**
 * The client's state: one immutable snapshot replaced on every change, read by components through
 * useStore(selector). Selectors return slices of the snapshot (stable references), never new arrays; derived
 * lists are computed with useMemo in the component.
 */
import { useSyncExternalStore } from 'react';
import { compareIds } from './api.ts';
import type { GatewayState } from './gateway.ts';
import type { Channel, Lobby, LobbyMessage, Member, Message, Relationship, Role, Snowflake, StageInstance, Status, User } from './types.ts';
import type { UserGuildSettings } from './mutes.ts';

export interface GuildInfo {
  id: Snowflake;
  name: string;
  icon: string | null;
  owner_id: Snowflake;
  roles: Record<Snowflake, Role>;
  member_count: number;
  unavailable: boolean;
  system_channel_id: Snowflake | null;
  system_channel_flags: number;
  default_message_notifications: number;
  features: string[];
  /** 1 when moderator permissions need two-factor log-in here (perms.ts withholds them from an account without it). */
  mfa_level: number;
}

export interface ChannelMessages {
  /** Ascending by id; pending (unconfirmed) sends at the end. */
  list: Message[];
  /** Older history exists on the server. */
  hasMore: boolean;
  loadingOlder: boolean;
}

export interface State {
  conn: GatewayState | 'idle';
  /** READY has been received at least once for this login. */
  ready: boolean;
  me: User | null;
  /** READY's auth_session_id_hash: which entry of GET /auth/sessions is this tab's log-in. */
  authSessionId: string | null;
  myStatus: Status;
  guildIds: Snowflake[];
  guilds: Record<Snowflake, GuildInfo>;
  channels: Record<Snowflake, Channel>;
  privateChannelIds: Snowflake[];
  members: Record<Snowflake, Record<Snowflake, Member>>;
  users: Record<Snowflake, User>;
  presences: Record<Snowflake, Status>;
  messages: Record<Snowflake, ChannelMessages>;
  readStates: Record<Snowflake, Snowflake | null>;
  /** Unread mentions of us per channel (mentions.ts); channels without any are absent. */
  mentionCounts: Record<Snowflake, number>;
  typing: Record<Snowflake, Record<Snowflake, number>>;
  /** Requested member lists (op 8) so each guild is asked once per session. */
  memberRequests: Record<Snowflake, true>;
  /** Bumped on each CHANNEL_PINS_UPDATE: an open pins popout reloads its list. */
  pinsVersion: Record<Snowflake, number>;
  /** Notification settings per guild id ('@me' for direct messages), mutes.ts; absent = Discord's defaults. */
  guildSettings: Record<string, UserGuildSettings>;
  /** Friends, blocks and friend requests by the other user's id (relationships.ts). */
  relationships: Record<Snowflake, Relationship>;
  /** Live stages by their stage channel's id (GUILD_CREATE's stage_instances, STAGE_INSTANCE_*). */
  stages: Record<Snowflake, StageInstance>;
  /** Voice channel statuses by channel id (op 43's CHANNEL_INFO for a guild opened, then VOICE_CHANNEL_STATUS_UPDATE). */
  voiceStatuses: Record<Snowflake, string>;
  /** The lobbies the user is in (lobbies.ts), null until first listed; kept current by the LOBBY_* events. */
  lobbies: Record<Snowflake, Lobby> | null;
  /** Messages of the lobbies opened, oldest first. */
  lobbyMessages: Record<Snowflake, LobbyMessage[]>;
}

export const initialState = (): State => ({
  conn: 'idle',
  ready: false,
  me: null,
  authSessionId: null,
  // globalThis: the store is also imported by unit tests run outside a browser (through perms.ts).
  myStatus: (globalThis.localStorage?.getItem('accord.status') as Status | null) ?? 'online',
  guildIds: [],
  guilds: {},
  channels: {},
  privateChannelIds: [],
  members: {},
  users: {},
  presences: {},
  messages: {},
  readStates: {},
  mentionCounts: {},
  typing: {},
  memberRequests: {},
  pinsVersion: {},
  guildSettings: {},
  relationships: {},
  stages: {},
  voiceStatuses: {},
  lobbies: null,
  lobbyMessages: {},
});

type Listener = () => void;

class Store {
  state: State = initialState();
  #listeners = new Set<Listener>();
  #queued = false;

  subscribe = (fn: Listener) => {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  };

  /** Applies a change; listeners run once per microtask however many changes a burst of events makes. */
  update(fn: (s: State) => Partial<State> | void) {
    const patch = fn(this.state);
    if (!patch) return;
    this.state = { ...this.state, ...patch };
    if (this.#queued) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      for (const l of this.#listeners) l();
    });
  }

  reset() {
    this.state = initialState();
    for (const l of this.#listeners) l();
  }
}

export const store = new Store();

export function useStore<T>(selector: (s: State) => T): T {
  return useSyncExternalStore(store.subscribe, () => selector(store.state));
}

// ---- pure helpers used by the event reducer and actions ----

export function withUser(users: Record<string, User>, u: User | undefined): Record<string, User> {
  if (!u?.id) return users;
  const prev = users[u.id];
  if (prev && prev.username === u.username && prev.global_name === u.global_name && prev.avatar === u.avatar) return users;
  return { ...users, [u.id]: { ...prev, ...u } };
}

export function withUsers(users: Record<string, User>, list: Array<User | undefined>): Record<string, User> {
  let out = users;
  for (const u of list) out = withUser(out, u);
  return out;
}

/** Inserts or replaces a message (by id, or by nonce for our own pending send); keeps the list sorted. */
export function upsertMessage(cm: ChannelMessages, msg: Message): ChannelMessages {
  // The REST answer and the gateway event of our own send can come in either order: both carry the nonce.
  const list = msg.pending ? cm.list : cm.list.filter((m) => !(m.pending && msg.nonce != null && String(m.nonce) === String(msg.nonce)));
  const byId = list.findIndex((m) => m.id === msg.id);
  if (byId >= 0) {
    const next = list.slice();
    next[byId] = { ...list[byId], ...msg, pending: msg.pending };
    return { ...cm, list: next };
  }
  const real = list.filter((m) => !m.pending);
  const pending = list.filter((m) => m.pending);
  if (msg.pending) return { ...cm, list: [...real, ...pending, msg] };
  let i = real.length;
  while (i > 0 && compareIds(real[i - 1].id, msg.id) > 0) i--;
  real.splice(i, 0, msg);
  return { ...cm, list: [...real, ...pending] };
}

/** Merges a page of history (any order) into the list, deduplicated by id. */
export function mergeMessages(cm: ChannelMessages, page: Message[]): ChannelMessages {
  const map = new Map<string, Message>();
  for (const m of cm.list) if (!m.pending) map.set(m.id, m);
  for (const m of page) map.set(m.id, { ...map.get(m.id), ...m });
  const real = [...map.values()].sort((a, b) => compareIds(a.id, b.id));
  return { ...cm, list: [...real, ...cm.list.filter((m) => m.pending)] };
}

export function displayName(s: State, userId: string, guildId?: string | null): string {
  const member = guildId ? s.members[guildId]?.[userId] : undefined;
  const user = s.users[userId] ?? member?.user;
  return member?.nick || user?.global_name || user?.username || 'Unknown user';
}

export function channelLabel(s: State, ch: Channel | undefined): string {
  if (!ch) return '';
  if (ch.guild_id) return ch.name ?? '';
  if (ch.name) return ch.name;
  const others = (ch.recipients ?? []).filter((u) => u.id !== s.me?.id);
  return others.map((u) => u.global_name || u.username).join(', ') || 'Empty group';
}

export function isUnread(s: State, ch: Channel): boolean {
  if (!ch.last_message_id) return false;
  const read = s.readStates[ch.id];
  return !read || compareIds(ch.last_message_id, read) > 0;
}
