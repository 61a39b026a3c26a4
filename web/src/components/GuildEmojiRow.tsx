/** The emoji picker's section of the current guild's custom emoji (fetched when the picker opens). */
import { useEffect, useState } from 'react';
import { emojiUrl, listGuildEmoji, type GuildEmoji } from '../guild-emoji.ts';

export function GuildEmojiRow({ guildId, onPick }: { guildId: string; onPick(emoji: GuildEmoji, keepOpen: boolean): void }) {
  const [emojis, setEmojis] = useState<GuildEmoji[]>([]);
  useEffect(() => {
    let live = true;
    listGuildEmoji(guildId).then((list) => live && setEmojis(list), () => {});
    return () => {
      live = false;
    };
  }, [guildId]);
  if (emojis.length === 0) return null;
  return (
    <div className="emoji-picker-guild" role="group" aria-label="Server emoji">
      {emojis.map((e) => (
        <button key={e.id} type="button" title={`:${e.name}:`} aria-label={`:${e.name}:`} data-emoji-id={e.id} onClick={(ev) => onPick(e, ev.shiftKey)}>
          <img src={emojiUrl(e.id, e.animated, 28)} alt="" />
        </button>
      ))}
    </div>
  );
}
