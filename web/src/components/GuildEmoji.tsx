/**
 * Server Settings' Emoji tab, for members with CREATE_GUILD_EXPRESSIONS or MANAGE_GUILD_EXPRESSIONS: upload an
 * image (PNG, JPEG, GIF or WebP up to 256 KiB) with a name, and the guild's emoji listed with their image, each
 * renamed in place or deleted (your own with CREATE_GUILD_EXPRESSIONS, any with MANAGE_GUILD_EXPRESSIONS).
 */
import { useEffect, useMemo, useState } from 'react';
import {
  EMOJI_NAME, canManageAllEmoji, canUseEmojiManager, createGuildEmoji, deleteGuildEmoji, emojiNameFrom, emojiUrl, listGuildEmoji,
  renameGuildEmoji, type GuildEmoji,
} from '../guild-emoji.ts';
import { errorText } from '../session.ts';
import { useStore } from '../store.ts';

const MAX_BYTES = 256 * 1024;

/** The settings tabs, with Emoji for those who may upload or manage emoji. */
export function useEmojiTabs<T extends string>(guildId: string, tabs: ReadonlyArray<[T, string]>): Array<[T | 'emoji', string]> {
  const allowed = useStore((s) => canUseEmojiManager(s, guildId));
  return useMemo(() => (allowed ? [...tabs, ['emoji', 'Emoji']] : [...tabs]), [allowed, tabs]);
}

function readDataUri(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('The file could not be read.'));
    reader.readAsDataURL(file);
  });
}

export function EmojiTab({ guildId }: { guildId: string }) {
  const manageAll = useStore((s) => canManageAllEmoji(s, guildId));
  const meId = useStore((s) => s.me?.id);
  const [emojis, setEmojis] = useState<GuildEmoji[] | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState<Record<string, string>>({});

  const load = async () => {
    try {
      setEmojis(await listGuildEmoji(guildId));
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
    if (!['image/png', 'image/jpeg', 'image/gif', 'image/webp'].includes(file.type)) return setError('Pick a PNG, JPEG, GIF or WebP image.');
    if (file.size > MAX_BYTES) return setError('Emoji images can be at most 256 KB.');
    if (!EMOJI_NAME.test(name)) return setError('Names are 2–32 letters, digits or underscores.');
    setBusy(true);
    try {
      await createGuildEmoji(guildId, name, await readDataUri(file));
      setFile(null);
      setName('');
      const input = document.getElementById(`emoji-file-${guildId}`) as HTMLInputElement | null;
      if (input) input.value = '';
      await load();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const rename = async (emoji: GuildEmoji) => {
    const next = editing[emoji.id];
    if (next === undefined || next === emoji.name) return;
    setError('');
    try {
      await renameGuildEmoji(guildId, emoji.id, next);
      setEditing(({ [emoji.id]: _, ...rest }) => rest);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const remove = async (emoji: GuildEmoji) => {
    setError('');
    try {
      await deleteGuildEmoji(guildId, emoji.id);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const static_ = emojis?.filter((e) => !e.animated).length ?? 0;
  const animated = emojis?.filter((e) => e.animated).length ?? 0;

  return (
    <section className="emoji-manager" aria-label="Emoji">
      <h3>Emoji</h3>
      <p className="muted small">
        Add up to 50 emoji and 50 animated emoji. Use them in messages as :name: or react with them. {static_}/50 static, {animated}/50 animated.
      </p>
      <form className="emoji-upload" onSubmit={upload}>
        <label>
          Image
          <input
            id={`emoji-file-${guildId}`}
            type="file"
            accept="image/png,image/jpeg,image/gif,image/webp"
            onChange={(e) => {
              const f = (e.currentTarget as HTMLInputElement).files?.[0] ?? null;
              setFile(f);
              if (f && !name) setName(emojiNameFrom(f.name));
            }}
          />
        </label>
        <label>
          Name
          <input value={name} maxLength={32} aria-label="Emoji name" onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <button type="submit" disabled={busy || !file}>Upload Emoji</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {emojis && emojis.length === 0 && <p className="muted">No emoji yet.</p>}
      {emojis && emojis.length > 0 && (
        <ul className="emoji-list">
          {emojis.map((e) => {
            const mayEdit = manageAll || e.user?.id === meId;
            return (
              <li key={e.id} className="emoji-row" data-emoji-id={e.id}>
                <img src={emojiUrl(e.id, e.animated, 32)} alt={`:${e.name}:`} width={32} height={32} />
                {mayEdit ? (
                  <input
                    aria-label={`Name of :${e.name}:`}
                    value={editing[e.id] ?? e.name}
                    maxLength={32}
                    onInput={(ev) => {
                      const value = (ev.currentTarget as HTMLInputElement).value;
                      setEditing((m) => ({ ...m, [e.id]: value }));
                    }}
                    onBlur={() => void rename(e)}
                    onKeyDown={(ev) => ev.key === 'Enter' && void rename(e)}
                  />
                ) : (
                  <span>:{e.name}:</span>
                )}
                {e.user && <span className="muted small">by {e.user.global_name ?? e.user.username}</span>}
                {mayEdit && (
                  <button type="button" className="danger" aria-label={`Delete :${e.name}:`} onClick={() => void remove(e)}>
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
