/**
 * Server Settings → Soundboard (for those who may upload or manage expressions, the emoji manager's rule): upload
 * an MP3 or Ogg sound of up to 512 KB and 5.2 seconds with a name, a volume and an emoji; play, rename and delete
 * (your own with Create Expressions, any with Manage Expressions). Up to 8 a server. Loaded with Server Settings.
 */
import { useState } from 'react';
import { createGuildSound, deleteGuildSound, editGuildSound, listGuildSounds, playSound, soundNameFrom, SOUND_MAX_BYTES, SOUNDBOARD_SLOTS, type GuildSound } from '../guild-soundboard.ts';
import { ExpressionList, ExpressionUploadForm, useExpressionManager, useExpressionTab } from './ExpressionManager.tsx';

/** The settings tabs, with Soundboard for those who may upload or manage expressions. */
export function useSoundboardTabs<T extends string>(guildId: string, tabs: ReadonlyArray<[T, string]>): Array<[T | 'soundboard', string]> {
  return useExpressionTab(guildId, tabs, 'soundboard', 'Soundboard');
}

export function SoundboardTab({ guildId }: { guildId: string }) {
  const [volume, setVolume] = useState(100);
  const [emojiName, setEmojiName] = useState('');
  const [playError, setPlayError] = useState('');
  const manager = useExpressionManager<GuildSound>(guildId, {
    nameMaxLength: 32,
    list: () => listGuildSounds(guildId),
    check: (file, name) => {
      if (file.size > SOUND_MAX_BYTES) return 'Sounds can be at most 512 KB.';
      if (!/\.(mp3|ogg|oga)$/i.test(file.name) && !/^audio\/(mpeg|mp3|ogg)$/.test(file.type)) return 'Pick an MP3 or Ogg file.';
      if (name.trim().length < 2 || name.trim().length > 32) return 'Names are 2–32 characters.';
      return '';
    },
    create: async (file, name) => {
      await createGuildSound(guildId, { name: name.trim(), volume: volume / 100, emojiName: emojiName.trim() }, file);
      setEmojiName('');
    },
    rename: (sound, name) => editGuildSound(guildId, sound.id, { name }),
    remove: (sound) => deleteGuildSound(guildId, sound.id),
    nameFrom: soundNameFrom,
  });

  return (
    <section className="emoji-manager soundboard-manager" aria-label="Soundboard">
      <h3>Soundboard</h3>
      <p className="muted small">
        Upload up to {SOUNDBOARD_SLOTS} sounds: MP3 or Ogg, up to 512 KB and 5.2 seconds. {manager.items?.length ?? 0}/{SOUNDBOARD_SLOTS} used.
      </p>
      <ExpressionUploadForm manager={manager} fileId={`sound-file-${guildId}`} fileLabel="Sound file" accept="audio/mpeg,audio/ogg,.mp3,.ogg,.oga" nameLabel="Sound name" submitLabel="Upload Sound">
        <label>
          Volume
          <input type="range" min={0} max={100} value={volume} aria-label="Sound volume" aria-valuetext={`${volume}%`} onInput={(e) => setVolume(Number(e.currentTarget.value))} />
          <span className="muted small"> {volume}%</span>
        </label>
        <label>
          Emoji
          <input value={emojiName} maxLength={16} aria-label="Sound emoji" placeholder="e.g. 🎺" onInput={(e) => setEmojiName(e.currentTarget.value)} />
        </label>
      </ExpressionUploadForm>
      {playError && <p className="form-error" role="alert">{playError}</p>}
      <ExpressionList
        manager={manager}
        empty="No sounds yet."
        rowClass="sound-row"
        idAttribute="data-sound-id"
        row={(s) => ({
          image: (
            <button
              type="button"
              className="icon-button sound-play"
              aria-label={`Play sound ${s.name}`}
              title="Play"
              onClick={() => {
                setPlayError('');
                playSound(s).catch(() => setPlayError(`"${s.name}" could not be played in this browser.`));
              }}
            >
              {s.emoji_name ?? '▶'}
            </button>
          ),
          shownName: s.name,
          nameLabel: `Name of sound ${s.name}`,
          deleteLabel: `Delete sound ${s.name}`,
          details: <span className="muted small">Volume {Math.round(s.volume * 100)}%</span>,
        })}
      />
    </section>
  );
}
