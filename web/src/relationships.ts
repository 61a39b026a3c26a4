/**
 * Friends, blocks and friend requests (Discord's relationships): kept from READY's `relationships` and the live
 * RELATIONSHIP_ADD / UPDATE / REMOVE events, changed through /users/@me/relationships.
 */
import { ApiError, rest } from './api.ts';
import { useStore, withUser, type State } from './store.ts';
import type { Relationship } from './types.ts';

export const RelationshipType = { FRIEND: 1, BLOCKED: 2, INCOMING: 3, OUTGOING: 4 } as const;

type Patch = Partial<State> | void;

/** READY → the state's relationships (and their users). */
export function relationshipsFromReady(s: State, d: any): Partial<State> {
  const relationships: Record<string, Relationship> = {};
  let users = s.users;
  for (const r of Array.isArray(d.relationships) ? (d.relationships as Relationship[]) : []) {
    if (!r?.id) continue;
    relationships[r.id] = r;
    users = withUser(users, r.user);
  }
  return { relationships, users };
}

export const relationshipHandlers: Record<string, (s: State, d: any) => Patch> = {
  RELATIONSHIP_ADD(s, d: Relationship) {
    return { relationships: { ...s.relationships, [d.id]: { ...s.relationships[d.id], ...d } }, users: withUser(s.users, d.user) };
  },
  RELATIONSHIP_UPDATE(s, d: Partial<Relationship> & { id: string }) {
    const prev = s.relationships[d.id];
    if (!prev) return;
    return { relationships: { ...s.relationships, [d.id]: { ...prev, ...d, user: d.user ?? prev.user } } };
  },
  RELATIONSHIP_REMOVE(s, d: { id: string; type?: number }) {
    if (!s.relationships[d.id]) return;
    const relationships = { ...s.relationships };
    delete relationships[d.id];
    return { relationships };
  },
};

/** The relationship type we have with a user (0: none). */
export function useRelationshipType(userId: string | undefined): number {
  return useStore((s) => (userId ? (s.relationships[userId]?.type ?? 0) : 0));
}

/** Whether we block this user (for collapsing their messages). */
export function isBlocked(s: State, userId: string | undefined): boolean {
  return Boolean(userId && s.relationships[userId]?.type === RelationshipType.BLOCKED);
}

// The server answers each change with RELATIONSHIP_ADD / REMOVE on our sessions; the state follows those.
export const sendFriendRequest = (userId: string) => rest.put(`/users/@me/relationships/${userId}`, {});
export const acceptFriendRequest = (userId: string) => rest.put(`/users/@me/relationships/${userId}`, { type: RelationshipType.FRIEND });
export const addFriendByUsername = (username: string) => rest.post('/users/@me/relationships', { username: username.trim(), discriminator: null });
/** Removes a friend, cancels or declines a request, or unblocks. */
export const removeRelationship = (userId: string) => rest.delete(`/users/@me/relationships/${userId}`);
export const blockUser = (userId: string) => rest.put(`/users/@me/relationships/${userId}`, { type: RelationshipType.BLOCKED });

/** Discord's friend-request errors in the words its client uses. */
export function friendErrorText(code: number, fallback: string): string {
  switch (code) {
    case 80004:
      return 'Hm, didn’t work. Double check that the username is correct.';
    case 80003:
      return 'You can’t send a friend request to yourself.';
    case 80007:
      return 'You’re already friends with that user!';
    case 80002:
      return 'Bots can’t be your friends.';
    case 80001:
    case 80000:
      return 'That user isn’t accepting friend requests from you.';
    default:
      return fallback;
  }
}

/** Everyone we have a relationship of `type` with, by name. */
export function relationshipsOf(s: State, type: number): Relationship[] {
  return Object.values(s.relationships)
    .filter((r) => r.type === type)
    .sort((a, b) => (a.user.global_name || a.user.username).localeCompare(b.user.global_name || b.user.username));
}


/** A run of consecutive messages by users we block: collapsed into one row until shown. */
export interface BlockedRun {
  /** Index of the run's first message in the list. */
  start: number;
  /** The first message's id: what "Show" remembers. */
  firstId: string;
  count: number;
}

/** For each message index, the blocked run it belongs to (undefined for messages of everyone else). */
export function blockedRunsOf<M extends { id: string; author: { id: string } }>(
  list: readonly M[], relationships: State['relationships'], isSystem: (m: M) => boolean,
): Array<BlockedRun | undefined> {
  const out: Array<BlockedRun | undefined> = [];
  let run: BlockedRun | undefined;
  list.forEach((m, i) => {
    // System messages (a join, a pin) stay in view, as on Discord.
    if (relationships[m.author.id]?.type !== RelationshipType.BLOCKED || isSystem(m)) {
      run = undefined;
      out.push(undefined);
      return;
    }
    if (!run) run = { start: i, firstId: m.id, count: 0 };
    run.count++;
    out.push(run);
  });
  return out;
}

/** The current user's private note on `userId` ('' when there is none: the server answers 404). */
export async function fetchNote(userId: string): Promise<string> {
  try {
    return (await rest.get<{ note: string }>(`/users/@me/notes/${userId}`)).note;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return '';
    throw err;
  }
}

/** Sets the note ('' deletes it). */
export const saveNote = (userId: string, note: string) => rest.put(`/users/@me/notes/${userId}`, { note });

