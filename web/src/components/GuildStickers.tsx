/**
 * Guild stickers in the web client (Server Settings → Stickers is GuildStickerSettings.tsx, loaded with the settings):
 * - Server Settings → Stickers, for members with CREATE_GUILD_EXPRESSIONS or MANAGE_GUILD_EXPRESSIONS: upload a
 *   PNG, APNG, GIF or Lottie JSON file (up to 512 KB) with a name and a tag, rename, delete (your own with
 *   CREATE_GUILD_EXPRESSIONS, any with MANAGE_GUILD_EXPRESSIONS). Up to 5 per server (Discord's count without boosts).
 * - The sticker button of the composer (guild channels): the server's stickers in a dialog; picking one sends it.
 * - Stickers in messages, drawn from their sticker items (a Lottie sticker, which the client cannot play, as its name).
 */
import { useEffect, useState } from 'react';
import { StickerFormat, listGuildStickers, sendSticker, stickerUrl, type GuildSticker, type StickerItem } from '../guild-stickers.ts';
import { errorText } from '../session.ts';
import { Modal } from './Modal.tsx';

/** A sticker's picture (a Lottie sticker, which the client cannot play, as its name). */
export function StickerImage({ sticker, size }: { sticker: { id: string; name: string; format_type: number }; size: number }) {
  if (sticker.format_type === StickerFormat.LOTTIE) {
    return (
      <span className="sticker-lottie" style={{ width: size, height: size }} role="img" aria-label={`Sticker ${sticker.name}`}>
        {sticker.name}
      </span>
    );
  }
  return <img className="sticker-image" src={stickerUrl(sticker)} alt={`Sticker ${sticker.name}`} width={size} height={size} loading="lazy" />;
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
