/**
 * The whole guild object, with its emojis and stickers, as GET /guilds/{id}, PATCH /guilds/{id} and GUILD_UPDATE
 * carry it. Clients take the lists as the guild's current ones: discord.js replaces its emoji and sticker caches
 * with what a GUILD_UPDATE or a PATCH answer holds, so an empty list there deletes every cached one.
 */
import type { GuildRecord, RoleRecord, Store } from '../../store/types.ts';
import { guildJson } from '../../shapes/serialize.ts';
import { guildEmojisJson } from './emojis.ts';
import { guildStickersJson } from './stickers.ts';

export async function guildObjectJson(
  store: Store, guild: GuildRecord, roles: RoleRecord[], counts: { approximateMemberCount?: number; approximatePresenceCount?: number } = {},
) {
  return guildJson(guild, roles, { ...counts, ...(await guildExpressionsJson(store, guild.id)) });
}

/** The guild's emojis and stickers as its guild object (and its preview) list them. */
export async function guildExpressionsJson(store: Store, guildId: string): Promise<{ emojis: unknown[]; stickers: unknown[] }> {
  const [emojis, stickers] = await Promise.all([guildEmojisJson(store, guildId), guildStickersJson(store, guildId)]);
  return { emojis, stickers };
}

/** Whether two feature lists hold the same features (order aside): a feature change that changed nothing sends no GUILD_UPDATE. */
export function sameFeatures(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((f) => b.includes(f));
}
