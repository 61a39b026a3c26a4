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
 * A message in a 1:1 DM between users where one has blocked the other is refused with Discord's 50007 "Cannot
 * send messages to this user" (both ways: the blocked user cannot reach the blocker, nor the blocker the user they
 * blocked until they unblock). Group DMs are not affected, as on Discord.
 */
export async function refuseBlockedDm(store: Store, channel: ChannelRecord, authorId: string): Promise<void> {
  if (channel.type !== ChannelType.DM) return;
  const other = (await store.channels.listRecipients(channel.id)).find((id) => id !== authorId);
  if (other && (await eitherBlocked(store, authorId, other))) throw new ApiError(ErrorCodes.CANNOT_SEND_TO_USER);
}
