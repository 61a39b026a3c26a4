/** Discord's relationship object: `{id, type, user, nickname, since}` as the user `userId` sees `targetId`. */
import type { RelationshipRecord, Store, UserRecord } from '../store/types.ts';
import { publicUser } from './serialize.ts';

export function relationshipJson(r: RelationshipRecord, target: UserRecord) {
  return { id: r.targetId, type: r.type, user: publicUser(target), nickname: r.nickname, since: new Date(r.since).toISOString() };
}

/** READY's `relationships`: the user's relationship objects (bots have none). */
export async function readyRelationships(store: Store, user: UserRecord) {
  if (user.bot) return [];
  const list = await store.relationships.listForUser(user.id);
  const users = new Map((await store.users.getMany(list.map((r) => r.targetId))).map((u) => [u.id, u]));
  return list.flatMap((r) => (users.has(r.targetId) ? [relationshipJson(r, users.get(r.targetId)!)] : []));
}
