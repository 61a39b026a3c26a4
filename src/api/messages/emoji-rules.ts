/**
 * Who may use a custom emoji, as Discord decides it:
 *
 * - only members of the emoji's guild (bots too: of any guild they are in);
 * - when the emoji names roles, only members holding one of them (the owner included, as on Discord);
 * - an emoji of another guild than the channel's (or any custom emoji in a DM) needs USE_EXTERNAL_EMOJIS in the
 *   channel (DMs grant it);
 * - an application's emoji only by that application's bot, in any channel, without USE_EXTERNAL_EMOJIS (an
 *   application's id is its bot user's, as on Discord).
 *
 * A reaction with an emoji the user may not use is refused as an unknown emoji (400 / 10014, what Discord answers).
 * In message content, `<:name:id>` / `<a:name:id>` the author may not use becomes the text `:name:`, as Discord's
 * clients send it; markup of an emoji Accord does not know is left as it is.
 */
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { Permissions, hasPermission } from '../../protocol/permissions.ts';
import type { ApplicationEmojiRecord, GuildEmojiRecord, MemberRecord, Store } from '../../store/types.ts';

const EMOJI_MARKUP = /<(a?):([\w~-]{1,64}):(\d{1,20})>/g;

type MemberIn = (guildId: string) => Promise<MemberRecord | null>;

/** Whether `userId` may use `emoji` in a channel of `channelGuildId` (null: a DM) with `permissions` there. */
export function mayUseEmoji(store: Store, userId: string, emoji: GuildEmojiRecord, channelGuildId: string | null, permissions: bigint): Promise<boolean> {
  return usable(emoji, channelGuildId, permissions, (guildId) => store.members.get(guildId, userId));
}

/** mayUseEmoji with the user's membership read through `memberIn`, only when the channel does not decide. */
async function usable(emoji: GuildEmojiRecord, channelGuildId: string | null, permissions: bigint, memberIn: MemberIn): Promise<boolean> {
  if (emoji.guildId !== channelGuildId && !hasPermission(permissions, Permissions.USE_EXTERNAL_EMOJIS)) return false;
  const member = await memberIn(emoji.guildId);
  if (!member) return false;
  return emoji.roles.length === 0 || emoji.roles.some((r) => member.roles.includes(r));
}

/** Whether `userId` may use an application's emoji: only that application's bot may. */
const appEmojiUsable = (emoji: ApplicationEmojiRecord, userId: string) => emoji.applicationId === userId;

/** The custom emoji `id` names: a guild's, else an application's; null when neither knows it. */
export async function findCustomEmoji(store: Store, id: string): Promise<{ guild: GuildEmojiRecord } | { app: ApplicationEmojiRecord } | null> {
  const guild = await store.guildEmojis.get(id);
  if (guild) return { guild };
  const app = await store.applicationEmojis.get(id);
  return app ? { app } : null;
}

/** Throws 400 / 10014 unless the user may react with this custom emoji (as findCustomEmoji found it). */
export async function requireUsableReaction(store: Store, userId: string, found: Awaited<ReturnType<typeof findCustomEmoji>>, channelGuildId: string | null, permissions: bigint): Promise<void> {
  const usable = !found ? false : 'app' in found ? appEmojiUsable(found.app, userId) : await mayUseEmoji(store, userId, found.guild, channelGuildId, permissions);
  if (!usable) throw new ApiError(ErrorCodes.UNKNOWN_EMOJI, { status: 400 });
}

/**
 * `content` with the custom emoji the author may not use written as `:name:`. The emoji are read in one store call
 * and the author's membership once per guild they come from, however many emoji the content names.
 */
export async function usableEmojiContent(store: Store, userId: string, content: string, channelGuildId: string | null, permissions: bigint): Promise<string> {
  const ids = [...new Set([...content.matchAll(EMOJI_MARKUP)].map((m) => m[3]!))].slice(0, 200);
  if (!ids.length) return content;
  const members = new Map<string, Promise<MemberRecord | null>>();
  const memberIn: MemberIn = (guildId) => {
    let m = members.get(guildId);
    if (!m) members.set(guildId, (m = store.members.get(guildId, userId)));
    return m;
  };
  const unusable = new Set<string>();
  const guildEmojis = await store.guildEmojis.getMany(ids);
  for (const emoji of guildEmojis) {
    if (!(await usable(emoji, channelGuildId, permissions, memberIn))) unusable.add(emoji.id);
  }
  // The rest may be applications' emoji (read only when some id is no guild's).
  const known = new Set(guildEmojis.map((e) => e.id));
  const rest = ids.filter((id) => !known.has(BigInt(id).toString()));
  for (const emoji of rest.length ? await store.applicationEmojis.getMany(rest) : []) {
    if (!appEmojiUsable(emoji, userId)) unusable.add(emoji.id);
  }
  if (!unusable.size) return content;
  // The store answers ids in canonical form; markup may write one with leading zeros.
  return content.replace(EMOJI_MARKUP, (all, _a, name: string, id: string) => (unusable.has(BigInt(id).toString()) ? `:${name}:` : all));
}
