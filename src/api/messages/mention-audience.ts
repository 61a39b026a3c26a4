/**
 * Which of the users a message mentions may read it, and so get its mention counted in their read state (and,
 * once the push role exists, a notification): in a guild, members who may VIEW_CHANNEL the channel, overwrites
 * included; in a DM, its recipients. Anyone else named in the content stays in the message's `mentions`, as on
 * Discord (the text names them), but is not told about a message they cannot open.
 */
import { Permissions, computeChannelPermissions, hasPermission } from '../../protocol/permissions.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { Store } from '../../store/types.ts';
import { THREAD_TYPES, permissionContext, type ChannelAccess } from '../access.ts';

/**
 * `userIds` that can see the channel `access` was computed for. The sender's access already holds the guild and
 * its roles, so this costs two reads at most (the members and the channel's overwrites), and none without mentions.
 */
export async function mentionAudience(store: Store, access: ChannelAccess, userIds: readonly Snowflake[], now: number): Promise<Snowflake[]> {
  if (userIds.length === 0) return [];
  const { channel } = access;
  if (!channel.guildId || !access.guild) {
    const recipients = new Set(await store.channels.listRecipients(channel.id));
    return userIds.filter((id) => recipients.has(id));
  }
  const { guild, roles } = access.guild;
  const [members, overwrites] = await Promise.all([store.members.getMany(guild.id, userIds), store.overwrites.listByChannel(THREAD_TYPES.has(channel.type) && channel.parentId ? channel.parentId : channel.id)]);
  const channelOverwrites = overwrites.map((o) => ({ id: o.id, type: o.type, allow: BigInt(o.allow), deny: BigInt(o.deny) }));
  const viewers = new Set(
    members
      .filter((m) => hasPermission(computeChannelPermissions(permissionContext(guild, m, roles, now), channelOverwrites), Permissions.VIEW_CHANNEL))
      .map((m) => m.userId),
  );
  return userIds.filter((id) => viewers.has(id));
}

/**
 * Members a role or @everyone/@here mention reaches are counted like direct mentions, as Discord does, in guilds
 * of up to this many members. Beyond, listing every member on the send path costs too much: such mentions still
 * highlight in clients, and the push role (#16) will carry them off the send path.
 */
export const GROUP_MENTION_MAX_MEMBERS = 1000;

/**
 * Everyone a message's mentions reach, the sender excepted: the users it names, the holders of the roles it
 * mentions, and with @everyone/@here every member (@here is not narrowed to online members: counts are kept for
 * people who come back later too) — then only those who may read the channel (mentionAudience).
 */
export async function mentionRecipients(
  store: Store,
  access: ChannelAccess,
  mentions: { users: readonly Snowflake[]; roles: readonly Snowflake[]; everyone: boolean },
  senderId: Snowflake,
  now: number,
): Promise<Snowflake[]> {
  const named = new Set(mentions.users);
  const guildId = access.channel.guildId;
  if (guildId && (mentions.everyone || mentions.roles.length) && (await store.members.count(guildId)) <= GROUP_MENTION_MAX_MEMBERS) {
    const roles = new Set(mentions.roles);
    for (const m of await store.members.list(guildId, { limit: GROUP_MENTION_MAX_MEMBERS })) {
      if (mentions.everyone || m.roles.some((r) => roles.has(r))) named.add(m.userId);
    }
  }
  named.delete(senderId);
  return mentionAudience(store, access, [...named], now);
}

