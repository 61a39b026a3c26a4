/**
 * Guild stickers in the web client:
 * - Server Settings → Stickers, for members with CREATE_GUILD_EXPRESSIONS or MANAGE_GUILD_EXPRESSIONS: upload a
 *   PNG, APNG, GIF or Lottie JSON file (up to 512 KB) with a name and a tag, rename, delete (your own with
 *   CREATE_GUILD_EXPRESSIONS, any with MANAGE_GUILD_EXPRESSIONS). Up to 5 per server (Discord's count without boosts).
 * - The sticker button of the composer (guild channels): the server's stickers in a dialog; picking one sends it.
 * - Stickers in messages, drawn from their sticker items (a Lottie sticker, which the client cannot play, as its name).
 */
import { useEffect, useState } from 'react';
import {
  StickerFormat, createGuildSticker, deleteGuildSticker, editGuildSticker, listGuildStickers, sendSticker, stickerNameFrom, stickerUrl,
  type GuildSticker, type StickerItem,
} from '../guild-stickers.ts';
import { errorText } from '../session.ts';
import { ExpressionList, ExpressionUploadForm, useExpressionManager, useExpressionTab } from './ExpressionManager.tsx';
import { Modal } from './Modal.tsx';

const MAX_BYTES = 512 * 1024;
const MAX_STICKERS = 5;

/** The settings tabs, with Stickers for those who may upload or manage them (the emoji manager's rule). */
export function useStickerTabs<T extends string>(guildId: string, tabs: ReadonlyArray<[T, string]>): Array<[T | 'stickers', string]> {
  return useExpressionTab(guildId, tabs, 'stickers', 'Stickers');
}

function StickerImage({ sticker, size }: { sticker: { id: string; name: string; format_type: number }; size: number }) {
  if (sticker.format_type === StickerFormat.LOTTIE) {
    return (
      <span className="sticker-lottie" style={{ width: size, height: size }} role="img" aria-label={`Sticker ${sticker.name}`}>
        {sticker.name}
      </span>
    );
  }
  return <img className="sticker-image" src={stickerUrl(sticker)} alt={`Sticker ${sticker.name}`} width={size} height={size} loading="lazy" />;
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

/** The composer's sticker button: the server's stickers in a dialog; a click sends one. */
export function StickerPickerButton({ guildId, channelId, disabled }: { guildId: string; channelId: string; disabled?: boolean }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="icon-button composer-sticker" aria-label="Send a sticker" title="Send a sticker" disabled={disabled} onClick={() => setOpen(true)}>
        <svg width={22} height={22} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
          <path d="M15 3H6a3 3 0 0 0-3 3v12a3 3 0 0 0 3 3h6l9-9V6a3 3 0 0 0-3-3zM21 12h-6a3 3 0 0 0-3 3v6M8.5 10h.01M14.5 10h.01" />
        </svg>
      </button>
      {open && <StickerPicker guildId={guildId} channelId={channelId} onClose={() => setOpen(false)} />}
    </>
  );
}

function StickerPicker({ guildId, channelId, onClose }: { guildId: string; channelId: string; onClose(): void }) {
  const [stickers, setStickers] = useState<GuildSticker[] | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    listGuildStickers(guildId).then(setStickers, (err) => setError(errorText(err)));
  }, [guildId]);
  const send = async (s: GuildSticker) => {
    if (busy) return;
    setBusy(true);
    setError('');
    try {
      await sendSticker(channelId, s.id);
      onClose();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <Modal title="Stickers" onClose={onClose}>
      {error && <p className="error" role="alert">{error}</p>}
      {stickers === null && !error && <p className="muted">Loading…</p>}
      {stickers && stickers.length === 0 && <p className="muted">This server has no stickers yet. Add some in Server Settings → Stickers.</p>}
      {stickers && stickers.length > 0 && (
        <ul className="sticker-grid" aria-label="Server stickers">
          {stickers.map((s) => (
            <li key={s.id}>
              <button type="button" className="sticker-choice" aria-label={`Send sticker ${s.name}`} title={s.name} disabled={busy} onClick={() => void send(s)}>
                <StickerImage sticker={s} size={96} />
              </button>
            </li>
          ))}
        </ul>
      )}
    </Modal>
  );
}

/** The stickers of a message. */
export function MessageStickers({ items }: { items: StickerItem[] }) {
  return (
    <div className="message-stickers">
      {items.map((s) => (
        <div key={s.id} className="message-sticker" title={s.name} data-sticker-id={s.id}>
          <StickerImage sticker={s} size={160} />
        </div>
      ))}
    </div>
  );
}
