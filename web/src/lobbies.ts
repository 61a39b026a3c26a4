/**
 * Game lobbies (Discord's Social SDK lobbies) the user is in: listed from GET /users/@me/lobbies when the Game
 * Lobbies page opens, kept current by the LOBBY_* events; a lobby's messages are read when it opens and grow with
 * LOBBY_MESSAGE_CREATE. Lobbies are made and filled by the game (the application), so the app only reads, chats
 * and leaves.
 */
import { compareIds, rest } from './api.ts';
import { store, withUser, type State } from './store.ts';
import type { Lobby, LobbyMember, LobbyMessage, User } from './types.ts';

type Patch = Partial<State> | void;

/** How a lobby is named in the list: its `name` or `topic` metadata, else its number of members. */
export function lobbyTitle(l: Lobby): string {
  return l.metadata?.name || l.metadata?.topic || `Lobby of ${l.members.length} ${l.members.length === 1 ? 'player' : 'players'}`;
}

/** Players' names asked for at once (GET /users/{id} each), and at most per batch: the user's rate limit is shared. */
const NAMES_IN_FLIGHT = 4;
const NAMES_PER_BATCH = 50;
/** Ids asked for already (answered, failed or on the way): each is asked once per page load. */
const namesAsked = new Set<string>();

/**
 * Lists the lobbies when the page opens, and again after a READY (which resets them: the session may have missed
 * events). Until the list arrives, LOBBY_* events are not applied: the list is read after they happened.
 */
export async function loadLobbies(): Promise<void> {
  const list = await rest.get<Lobby[]>('/users/@me/lobbies');
  store.update(() => ({ lobbies: Object.fromEntries(list.map((l) => [l.id, l])) }));
  await loadPlayerNames(list);
}

/** Players the app has never seen (not in a shared server or DM) are shown by name: asked for once each, a few at a time. */
async function loadPlayerNames(lobbies: readonly Lobby[]): Promise<void> {
  const known = store.state.users;
  const unknown = [...new Set(lobbies.flatMap((l) => l.members.map((m) => m.id)))].filter((id) => !known[id] && !namesAsked.has(id)).slice(0, NAMES_PER_BATCH);
  for (const id of unknown) namesAsked.add(id);
  for (let i = 0; i < unknown.length; i += NAMES_IN_FLIGHT) {
    const users = await Promise.all(unknown.slice(i, i + NAMES_IN_FLIGHT).map((id) => rest.get<User>(`/users/${id}`).catch(() => null)));
    store.update((s) => {
      let next = s.users;
      for (const u of users) if (u) next = withUser(next, u);
      return { users: next };
    });
  }
}

export async function loadLobbyMessages(lobbyId: string): Promise<void> {
  const list = await rest.get<LobbyMessage[]>(`/lobbies/${lobbyId}/messages`, { limit: 100 });
  store.update((s) => {
    let users = s.users;
    for (const m of list) users = withUser(users, m.author);
    return { users, lobbyMessages: { ...s.lobbyMessages, [lobbyId]: withMessages(s.lobbyMessages[lobbyId] ?? [], list) } };
  });
}

export const sendLobbyMessage = (lobbyId: string, content: string) => rest.post<LobbyMessage>(`/lobbies/${lobbyId}/messages`, { content });
export const leaveLobby = (lobbyId: string) => rest.delete(`/lobbies/${lobbyId}/members/@me`);

/** Messages by id, oldest first: an event may arrive twice, or before the history it belongs in. */
function withMessages(prev: readonly LobbyMessage[], add: readonly LobbyMessage[]): LobbyMessage[] {
  const byId = new Map(prev.map((m) => [m.id, m]));
  for (const m of add) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => compareIds(a.id, b.id));
}

function withLobby(s: State, l: Lobby): Patch {
  if (!s.lobbies) return;
  // Names of players new to the app, asked for after this change is applied (not from inside the reducer).
  if (l.members.some((m) => !s.users[m.id] && !namesAsked.has(m.id))) queueMicrotask(() => void loadPlayerNames([l]).catch(() => {}));
  return { lobbies: { ...s.lobbies, [l.id]: l } };
}

function withMember(s: State, lobbyId: string, change: (members: LobbyMember[]) => LobbyMember[]): Patch {
  const l = s.lobbies?.[lobbyId];
  if (!l) return;
  return withLobby(s, { ...l, members: change(l.members) });
}

export const lobbyHandlers: Record<string, (s: State, d: any) => Patch> = {
  LOBBY_CREATE: withLobby,
  LOBBY_UPDATE: withLobby,
  LOBBY_DELETE(s, d: { id: string }) {
    if (!s.lobbies?.[d.id]) return;
    const lobbies = { ...s.lobbies };
    delete lobbies[d.id];
    const lobbyMessages = { ...s.lobbyMessages };
    delete lobbyMessages[d.id];
    return { lobbies, lobbyMessages };
  },
  LOBBY_MEMBER_ADD: (s, d: { lobby_id: string; member: LobbyMember }) => withMember(s, d.lobby_id, (ms) => [...ms.filter((m) => m.id !== d.member.id), d.member]),
  LOBBY_MEMBER_UPDATE: (s, d: { lobby_id: string; member: LobbyMember }) => withMember(s, d.lobby_id, (ms) => ms.map((m) => (m.id === d.member.id ? d.member : m))),
  LOBBY_MEMBER_REMOVE: (s, d: { lobby_id: string; member: { id: string } }) => withMember(s, d.lobby_id, (ms) => ms.filter((m) => m.id !== d.member.id)),
  LOBBY_MESSAGE_CREATE: lobbyMessage,
  LOBBY_MESSAGE_UPDATE: lobbyMessage,
};

function lobbyMessage(s: State, m: LobbyMessage): Patch {
  const prev = s.lobbyMessages[m.lobby_id];
  // Not opened yet: its history is read when it is.
  if (!prev) return;
  return { users: withUser(s.users, m.author), lobbyMessages: { ...s.lobbyMessages, [m.lobby_id]: withMessages(prev, [m]) } };
}
