/**
 * Who may use a custom emoji, as Discord decides it:
 *
 * - only members of the emoji's guild (bots too: of any guild they are in);
 * - when the emoji names roles, only members holding one of them (the owner included, as on Discord);
 * - an emoji of another guild than the channel's (or any custom emoji in a DM) needs USE_EXTERNAL_EMOJIS in the
 *   channel (DMs grant it).
 *
 * A reaction with an emoji the user may not use is refused as an unknown emoji (400 / 10014, what Discord answers).
 * In message content, `<:name:id>` / `<a:name:id>` the author may not use becomes the text `:name:`, as Discord's
 * clients send it; markup of an emoji Accord does not know is left as it is.
 */
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { Permissions, hasPermission } from '../../protocol/permissions.ts';
import type { GuildEmojiRecord, Store } from '../../store/types.ts';

const EMOJI_MARKUP = /<(a?):([\w~-]{1,64}):(\d{1,20})>/g;

/** Whether `userId` may use `emoji` in a channel of `channelGuildId` (null: a DM) with `permissions` there. */
export async function mayUseEmoji(store: Store, userId: string, emoji: GuildEmojiRecord, channelGuildId: string | null, permissions: bigint): Promise<boolean> {
  if (emoji.guildId !== channelGuildId && !hasPermission(permissions, Permissions.USE_EXTERNAL_EMOJIS)) return false;
  const member = await store.members.get(emoji.guildId, userId);
  if (!member) return false;
  return emoji.roles.length === 0 || emoji.roles.some((r) => member.roles.includes(r));
}

/** Throws 400 / 10014 unless the user may react with this custom emoji. */
export async function requireUsableReaction(store: Store, userId: string, emojiId: string, channelGuildId: string | null, permissions: bigint): Promise<void> {
  const emoji = await store.guildEmojis.get(emojiId);
  if (!emoji || !(await mayUseEmoji(store, userId, emoji, channelGuildId, permissions))) throw new ApiError(ErrorCodes.UNKNOWN_EMOJI, { status: 400 });
}

/** `content` with the custom emoji the author may not use written as `:name:`. */
export async function usableEmojiContent(store: Store, userId: string, content: string, channelGuildId: string | null, permissions: bigint): Promise<string> {
  const ids = [...new Set([...content.matchAll(EMOJI_MARKUP)].map((m) => m[3]!))].slice(0, 200);
  if (!ids.length) return content;
  const unusable = new Set<string>();
  for (const id of ids) {
    const emoji = await store.guildEmojis.get(id);
    if (emoji && !(await mayUseEmoji(store, userId, emoji, channelGuildId, permissions))) unusable.add(id);
  }
  if (!unusable.size) return content;
  return content.replace(EMOJI_MARKUP, (all, _a, name: string, id: string) => (unusable.has(id) ? `:${name}:` : all));
}
