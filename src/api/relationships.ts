/**
 * What relationships change elsewhere in the API: blocks refuse 1:1 DM messages, friendship is what lets a user put
 * someone in a group DM. The relationship routes themselves are routes/relationships.ts.
 */
import { ApiError, ErrorCodes } from '../protocol/errors.ts';
import { ChannelType, RelationshipType, type ChannelRecord, type Store } from '../store/types.ts';

/** True when either user has blocked the other. */
export async function eitherBlocked(store: Store, a: string, b: string): Promise<boolean> {
  const [ab, ba] = await Promise.all([store.relationships.get(a, b), store.relationships.get(b, a)]);
  return ab?.type === RelationshipType.BLOCKED || ba?.type === RelationshipType.BLOCKED;
}

/** True when a and b are friends. */
export async function areFriends(store: Store, a: string, b: string): Promise<boolean> {
  return (await store.relationships.get(a, b))?.type === RelationshipType.FRIEND;
}

/**
 * A message in a 1:1 DM between users where one has blocked the other, or whose shared guilds have all paused DMs
 * (dmsPausedBetween), is refused with Discord's 50007 "Cannot send messages to this user" (both ways: the blocked user cannot reach the blocker, nor the blocker the user they
 * blocked until they unblock). Group DMs are not affected, as on Discord.
 */
export async function refuseUnwantedDm(store: Store, channel: ChannelRecord, authorId: string, now: number): Promise<void> {
  if (channel.type !== ChannelType.DM) return;
  const other = (await store.channels.listRecipients(channel.id)).find((id) => id !== authorId);
  if (!other) return;
  if (await eitherBlocked(store, authorId, other)) throw new ApiError(ErrorCodes.CANNOT_SEND_TO_USER);
  if (await dmsPausedBetween(store, authorId, other, now)) throw new ApiError(ErrorCodes.CANNOT_SEND_TO_USER);
}

/**
 * A guild's paused DMs (incident actions, routes/guild-community.ts): members who are not friends may not DM each
 * other through it. Two users who share guilds, every one of which has DMs paused, and are not friends, are refused
 * (50007); one shared guild without the pause lets them write, as Discord's "through the server" reads. Users who
 * share no guild are not concerned: their DM was opened as friends or while they shared one (routes/users.ts).
 * Decided: the pause applies to bots too (Discord documents no exception).
 */
export async function dmsPausedBetween(store: Store, a: string, b: string, now: number): Promise<boolean> {
  const [mine, theirs] = await Promise.all([store.guilds.listIdsForUser(a), store.guilds.listIdsForUser(b)]);
  const theirSet = new Set(theirs);
  const shared = mine.filter((id) => theirSet.has(id));
  if (!shared.length) return false;
  for (const id of shared) {
    const guild = await store.guilds.get(id);
    if (!guild || !((guild.dmsDisabledUntil ?? 0) > now)) return false;
  }
  return !(await areFriends(store, a, b));
}
