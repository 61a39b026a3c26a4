/**
 * Guild stickers in the web client:
 * - Server Settings → Stickers, for members with CREATE_GUILD_EXPRESSIONS or MANAGE_GUILD_EXPRESSIONS: upload a
 *   PNG, APNG, GIF or Lottie JSON file (up to 512 KB) with a name and a tag, rename, delete (your own with
 *   CREATE_GUILD_EXPRESSIONS, any with MANAGE_GUILD_EXPRESSIONS). Up to 5 per server (Discord's count without boosts).
 * - The sticker button of the composer (guild channels): the server's stickers in a dialog; picking one sends it.
 * - Stickers in messages, drawn from their sticker items (a Lottie sticker, which the client cannot play, as its name).
 */
import { useEffect, useMemo, useState } from 'react';
import { canManageAllEmoji, canUseEmojiManager } from '../guild-emoji.ts';
import {
  StickerFormat, createGuildSticker, deleteGuildSticker, editGuildSticker, listGuildStickers, sendSticker, stickerNameFrom, stickerUrl,
  type GuildSticker, type StickerItem,
} from '../guild-stickers.ts';
import { errorText } from '../session.ts';
import { useStore } from '../store.ts';
import { Modal } from './Modal.tsx';

const MAX_BYTES = 512 * 1024;
const MAX_STICKERS = 5;

/** The settings tabs, with Stickers for those who may upload or manage them (the emoji manager's rule). */
export function useStickerTabs<T extends string>(guildId: string, tabs: ReadonlyArray<[T, string]>): Array<[T | 'stickers', string]> {
  const allowed = useStore((s) => canUseEmojiManager(s, guildId));
  return useMemo(() => (allowed ? [...tabs, ['stickers', 'Stickers']] : [...tabs]), [allowed, tabs]);
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
  const manageAll = useStore((s) => canManageAllEmoji(s, guildId));
  const meId = useStore((s) => s.me?.id);
  const [stickers, setStickers] = useState<GuildSticker[] | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [tags, setTags] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState<Record<string, string>>({});

  const load = async () => {
    try {
      setStickers(await listGuildStickers(guildId));
    } catch (err) {
      setError(errorText(err));
    }
  };
  useEffect(() => {
    void load();
  }, [guildId]);

  const upload = async (e: { preventDefault(): void }) => {
    e.preventDefault();
    if (!file) return;
    setError('');
    if (file.size > MAX_BYTES) return setError('Sticker files can be at most 512 KB.');
    if (name.trim().length < 2 || name.trim().length > 30) return setError('Names are 2–30 characters.');
    if (tags.trim().length < 2 || tags.trim().length > 200) return setError('Give a tag of 2–200 characters (a word or an emoji name).');
    if (description.trim().length === 1) return setError('Descriptions are empty or 2–100 characters.');
    setBusy(true);
    try {
      await createGuildSticker(guildId, { name: name.trim(), tags: tags.trim(), description: description.trim() }, file);
      setFile(null);
      setName('');
      setTags('');
      setDescription('');
      const input = document.getElementById(`sticker-file-${guildId}`) as HTMLInputElement | null;
      if (input) input.value = '';
      await load();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const rename = async (sticker: GuildSticker) => {
    const next = editing[sticker.id];
    if (next === undefined || next === sticker.name) return;
    setError('');
    try {
      await editGuildSticker(guildId, sticker.id, { name: next });
      setEditing(({ [sticker.id]: _, ...rest }) => rest);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const remove = async (sticker: GuildSticker) => {
    setError('');
    try {
      await deleteGuildSticker(guildId, sticker.id);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <section className="emoji-manager sticker-manager" aria-label="Stickers">
      <h3>Stickers</h3>
      <p className="muted small">
        Upload up to {MAX_STICKERS} stickers: PNG, APNG, GIF or Lottie JSON, up to 512 KB. Send them with the sticker button next to the message box.{' '}
        {stickers?.length ?? 0}/{MAX_STICKERS} used.
      </p>
      <form className="emoji-upload" onSubmit={upload}>
        <label>
          File
          <input
            id={`sticker-file-${guildId}`}
            type="file"
            accept="image/png,image/apng,image/gif,application/json,.json"
            onChange={(e) => {
              const f = (e.currentTarget as HTMLInputElement).files?.[0] ?? null;
              setFile(f);
              if (f && !name) setName(stickerNameFrom(f.name));
            }}
          />
        </label>
        <label>
          Name
          <input value={name} maxLength={30} aria-label="Sticker name" onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          Tag
          <input value={tags} maxLength={200} aria-label="Sticker tag" placeholder="e.g. smile" onInput={(e) => setTags((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          Description
          <input value={description} maxLength={100} aria-label="Sticker description" onInput={(e) => setDescription((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <button type="submit" disabled={busy || !file}>Upload Sticker</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {stickers && stickers.length === 0 && <p className="muted">No stickers yet.</p>}
      {stickers && stickers.length > 0 && (
        <ul className="emoji-list">
          {stickers.map((s) => {
            const mayEdit = manageAll || s.user?.id === meId;
            return (
              <li key={s.id} className="emoji-row sticker-row" data-sticker-id={s.id}>
                <StickerImage sticker={s} size={48} />
                {mayEdit ? (
                  <input
                    aria-label={`Name of sticker ${s.name}`}
                    value={editing[s.id] ?? s.name}
                    maxLength={30}
                    onInput={(ev) => {
                      const value = (ev.currentTarget as HTMLInputElement).value;
                      setEditing((m) => ({ ...m, [s.id]: value }));
                    }}
                    onBlur={() => void rename(s)}
                    onKeyDown={(ev) => ev.key === 'Enter' && void rename(s)}
                  />
                ) : (
                  <span>{s.name}</span>
                )}
                <span className="muted small">{s.tags}</span>
                {s.user && <span className="muted small">by {s.user.global_name ?? s.user.username}</span>}
                {mayEdit && (
                  <button type="button" className="danger" aria-label={`Delete sticker ${s.name}`} onClick={() => void remove(s)}>
                    Delete
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
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
