/**
 * Server Settings' Emoji tab, for members with CREATE_GUILD_EXPRESSIONS or MANAGE_GUILD_EXPRESSIONS: upload an
 * image (PNG, JPEG, GIF or WebP up to 256 KiB) with a name, and the guild's emoji listed with their image, each
 * renamed in place or deleted (your own with CREATE_GUILD_EXPRESSIONS, any with MANAGE_GUILD_EXPRESSIONS).
 */
import {
  EMOJI_NAME, createGuildEmoji, deleteGuildEmoji, emojiNameFrom, emojiUrl, listGuildEmoji, renameGuildEmoji, type GuildEmoji,
} from '../guild-emoji.ts';
import { IMAGE_ACCEPT } from './ImagePickButton.tsx';
import type { ReactNode } from 'react';
import { ExpressionList, ExpressionUploadForm, useExpressionManager, useExpressionTab, type ExpressionManager } from './ExpressionManager.tsx';

const MAX_BYTES = 256 * 1024;

/** The settings tabs, with Emoji for those who may upload or manage emoji. */
export function useEmojiTabs<T extends string>(guildId: string, tabs: ReadonlyArray<[T, string]>): Array<[T | 'emoji', string]> {
  return useExpressionTab(guildId, tabs, 'emoji', 'Emoji');
}

/**
 * What every emoji manager shares (a server's, an application's): the upload's checks and name rules, the image read
 * as data; `create` sends it.
 */
export function emojiUploads(create: (name: string, image: string) => Promise<unknown>) {
  return {
    nameMaxLength: 32,
    check: (file: File, name: string) => {
      if (!IMAGE_ACCEPT.split(',').includes(file.type)) return 'Pick a PNG, JPEG, GIF or WebP image.';
      if (file.size > MAX_BYTES) return 'Emoji images can be at most 256 KB.';
      if (!EMOJI_NAME.test(name)) return 'Names are 2–32 letters, digits or underscores.';
      return '';
    },
    create: async (file: File, name: string) => {
      const { readAsDataUri } = await import('../image-data.ts');
      return create(name, await readAsDataUri(file));
    },
    nameFrom: emojiNameFrom,
  };
}

/** The upload form and the emoji list, each row with its image (and `details`, when given). */
export function EmojiUploadAndList<T extends { id: string; name: string; animated: boolean; user?: { id: string; username: string; global_name?: string | null } }>(
  { manager, fileId, details }: { manager: ExpressionManager<T>; fileId: string; details?: (e: T) => ReactNode },
) {
  return (
    <>
      <ExpressionUploadForm manager={manager} fileId={fileId} fileLabel="Image" accept={IMAGE_ACCEPT} nameLabel="Emoji name" submitLabel="Upload Emoji" />
      <ExpressionList
        manager={manager}
        empty="No emoji yet."
        idAttribute="data-emoji-id"
        row={(e) => ({
          image: <img src={emojiUrl(e.id, e.animated, 32)} alt={`:${e.name}:`} width={32} height={32} />,
          shownName: `:${e.name}:`,
          nameLabel: `Name of :${e.name}:`,
          deleteLabel: `Delete :${e.name}:`,
          ...(details ? { details: details(e) } : {}),
        })}
      />
    </>
  );
}

export function EmojiTab({ guildId }: { guildId: string }) {
  const manager = useExpressionManager<GuildEmoji>(guildId, {
    ...emojiUploads((name, image) => createGuildEmoji(guildId, name, image)),
    list: () => listGuildEmoji(guildId),
    rename: (emoji, name) => renameGuildEmoji(guildId, emoji.id, name),
    remove: (emoji) => deleteGuildEmoji(guildId, emoji.id),
  });
  const emojis = manager.items;
  const static_ = emojis?.filter((e) => !e.animated).length ?? 0;
  const animated = emojis?.filter((e) => e.animated).length ?? 0;

  return (
    <section className="emoji-manager" aria-label="Emoji">
      <h3>Emoji</h3>
      <p className="muted small">
        Add up to 50 emoji and 50 animated emoji. Use them in messages as :name: or react with them. {static_}/50 static, {animated}/50 animated.
      </p>
      <EmojiUploadAndList manager={manager} fileId={`emoji-file-${guildId}`} />
    </section>
  );
}
