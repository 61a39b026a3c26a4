/** Server Settings → Stickers (the rules are in GuildStickers.tsx's header); loaded with Server Settings. */
import { useState } from 'react';
import { createGuildSticker, deleteGuildSticker, editGuildSticker, listGuildStickers, stickerNameFrom, type GuildSticker } from '../guild-stickers.ts';
import { ExpressionList, ExpressionUploadForm, useExpressionManager, useExpressionTab } from './ExpressionManager.tsx';
import { StickerImage } from './GuildStickers.tsx';

const MAX_BYTES = 512 * 1024;
const MAX_STICKERS = 5;

/** The settings tabs, with Stickers for those who may upload or manage them (the emoji manager's rule). */
export function useStickerTabs<T extends string>(guildId: string, tabs: ReadonlyArray<[T, string]>): Array<[T | 'stickers', string]> {
  return useExpressionTab(guildId, tabs, 'stickers', 'Stickers');
}

export function StickerTab({ guildId }: { guildId: string }) {
  const [tags, setTags] = useState('');
  const [description, setDescription] = useState('');
  const manager = useExpressionManager<GuildSticker>(guildId, {
    nameMaxLength: 30,
    list: () => listGuildStickers(guildId),
    check: (file, name) => {
      if (file.size > MAX_BYTES) return 'Sticker files can be at most 512 KB.';
      if (name.trim().length < 2 || name.trim().length > 30) return 'Names are 2–30 characters.';
      if (tags.trim().length < 2 || tags.trim().length > 200) return 'Give a tag of 2–200 characters (a word or an emoji name).';
      if (description.trim().length === 1) return 'Descriptions are empty or 2–100 characters.';
      return '';
    },
    create: async (file, name) => {
      await createGuildSticker(guildId, { name: name.trim(), tags: tags.trim(), description: description.trim() }, file);
      setTags('');
      setDescription('');
    },
    rename: (sticker, name) => editGuildSticker(guildId, sticker.id, { name }),
    remove: (sticker) => deleteGuildSticker(guildId, sticker.id),
    nameFrom: stickerNameFrom,
  });

  return (
    <section className="emoji-manager sticker-manager" aria-label="Stickers">
      <h3>Stickers</h3>
      <p className="muted small">
        Upload up to {MAX_STICKERS} stickers: PNG, APNG, GIF or Lottie JSON, up to 512 KB. Send them with the sticker button next to the message box.{' '}
        {manager.items?.length ?? 0}/{MAX_STICKERS} used.
      </p>
      <ExpressionUploadForm
        manager={manager}
        fileId={`sticker-file-${guildId}`}
        fileLabel="File"
        accept="image/png,image/apng,image/gif,application/json,.json"
        nameLabel="Sticker name"
        submitLabel="Upload Sticker"
      >
        <label>
          Tag
          <input value={tags} maxLength={200} aria-label="Sticker tag" placeholder="e.g. smile" onInput={(e) => setTags(e.currentTarget.value)} />
        </label>
        <label>
          Description
          <input value={description} maxLength={100} aria-label="Sticker description" onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
      </ExpressionUploadForm>
      <ExpressionList
        manager={manager}
        empty="No stickers yet."
        rowClass="sticker-row"
        idAttribute="data-sticker-id"
        row={(s) => ({
          image: <StickerImage sticker={s} size={48} />,
          shownName: s.name,
          nameLabel: `Name of sticker ${s.name}`,
          deleteLabel: `Delete sticker ${s.name}`,
          details: <span className="muted small">{s.tags}</span>,
        })}
      />
    </section>
  );
}
