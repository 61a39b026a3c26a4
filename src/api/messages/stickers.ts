/**
 * `sticker_ids` of a message create (at most 3): each must name a sticker the author may send here — one of the
 * channel's guild, or of another guild the author is a member of when they have USE_EXTERNAL_STICKERS in the
 * channel (in DMs: of any guild they are in). Anything else is Discord's 50081 "Invalid sticker sent". The message
 * keeps `sticker_items` `[{id, name, format_type}]`, fixed when it is sent.
 */
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { Permissions, hasPermission } from '../../protocol/permissions.ts';
import { stickerItemJson } from '../../shapes/sticker.ts';
import type { Store } from '../../store/types.ts';
import type { ChannelAccess } from '../access.ts';

export type StickerItem = ReturnType<typeof stickerItemJson>;

export async function stickerItemsFor(store: Store, access: ChannelAccess, userId: string, stickerIds: readonly string[]): Promise<StickerItem[]> {
  if (stickerIds.length === 0) return [];
  const unique = [...new Set(stickerIds)];
  const found = new Map((await store.guildStickers.getMany(unique)).map((s) => [s.id, s]));
  const guildId = access.channel.guildId;
  const external = guildId === null || hasPermission(access.permissions, Permissions.USE_EXTERNAL_STICKERS);
  const items: StickerItem[] = [];
  for (const id of unique) {
    const sticker = found.get(id);
    if (!sticker) throw new ApiError(ErrorCodes.INVALID_STICKER);
    if (sticker.guildId !== guildId) {
      if (!external || !(await store.members.get(sticker.guildId, userId))) throw new ApiError(ErrorCodes.INVALID_STICKER);
    }
    items.push(stickerItemJson(sticker));
  }
  return items;
}
