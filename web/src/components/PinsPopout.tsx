/**
 * The pinned-messages popout (GET /channels/{id}/pins, newest pin first): jump to a pin, unpin it. Reloaded on
 * every CHANNEL_PINS_UPDATE of the channel; edits (MESSAGE_UPDATE) of pins in the loaded history show at once.
 * Escape closes it (focus back on the header button); so does a click outside.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { arrowNavigate } from '../focus.ts';
import { jumpToMessage } from '../jump.ts';
import { Markdown } from '../markdown.tsx';
import { canPin, fetchPins, unpinMessage } from '../moderation.ts';
import { errorText } from '../session.ts';
import { displayName, useStore } from '../store.ts';
import { formatTimestamp } from '../time.ts';
import type { Message } from '../types.ts';
import { Avatar } from './Avatar.tsx';
import { useResolver } from './Chat.tsx';

export function PinsPopout({ channelId, onClose }: { channelId: string; onClose: (returnFocus: boolean) => void }) {
  const version = useStore((s) => s.pinsVersion[channelId] ?? 0);
  const loaded = useStore((s) => s.messages[channelId]?.list);
  const guildId = useStore((s) => s.channels[channelId]?.guild_id ?? null);
  const mayUnpin = useStore((s) => canPin(s, s.channels[channelId]));
  const names = useStore((s) => s);
  const resolver = useResolver(guildId);
  const [pins, setPins] = useState<Message[] | null>(null);
  const [error, setError] = useState('');
  const ref = useRef<HTMLDivElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    let live = true;
    fetchPins(channelId).then(
      (list) => live && setPins(list),
      (err) => live && setError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, [channelId, version]);

  useEffect(() => {
    ref.current?.focus();
    const onDoc = (e: MouseEvent) => {
      const el = e.target as Element;
      if (!ref.current?.contains(el) && !el.closest?.('[aria-haspopup="dialog"][aria-expanded="true"]')) closeRef.current(false);
    };
    document.addEventListener('mousedown', onDoc);
    return () => document.removeEventListener('mousedown', onDoc);
  }, []);

  // The loaded copy is newer when an edit or unpin arrived since the list was fetched.
  const shown = useMemo(() => {
    const byId = new Map((loaded ?? []).map((m) => [m.id, m]));
    return (pins ?? []).flatMap((p) => {
      const live = byId.get(p.id);
      if (!live) return [p];
      return live.pinned === false ? [] : [{ ...p, content: live.content, embeds: live.embeds, edited_timestamp: live.edited_timestamp }];
    });
  }, [pins, loaded]);

  return (
    <div
      ref={ref}
      className="pins-popout"
      role="dialog"
      aria-label="Pinned messages"
      tabIndex={-1}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          closeRef.current(true);
        } else arrowNavigate(e, { items: '.pin-item > .pin-actions > button', orientation: 'vertical' });
      }}
    >
      <header className="pins-header">
        <h2>Pinned Messages</h2>
      </header>
      {error && <p className="form-error small pad" role="alert">{error}</p>}
      {pins === null && !error && <p className="muted pad" role="status">Loading…</p>}
      {pins !== null && shown.length === 0 && (
        <p className="muted pad pins-empty">This channel doesn't have any pinned messages... yet.</p>
      )}
      <ol className="pins-list">
        {shown.map((m) => {
          const name = displayName(names, m.author.id, guildId) === 'Unknown user' ? m.author.global_name || m.author.username : displayName(names, m.author.id, guildId);
          return (
            <li key={m.id} className="pin-item" data-pin-id={m.id} aria-label={`Pinned message by ${name}`}>
              <div className="pin-head">
                <Avatar user={m.author} size={24} guildId={guildId} />
                <strong className="ellipsis">{name}</strong>
                <time className="timestamp" dateTime={m.timestamp}>
                  {formatTimestamp(m.timestamp)}
                </time>
              </div>
              <div className="pin-content">
                <Markdown content={m.content} resolver={resolver} />
                {!m.content && m.attachments?.length ? (
                  <em className="muted">{m.attachments.map((f) => f.filename).join(', ')}</em>
                ) : !m.content && m.embeds?.length ? (
                  <em className="muted">Embed</em>
                ) : null}
              </div>
              <div className="pin-actions">
                <button
                  type="button"
                  className="button small secondary"
                  aria-label={`Jump to message by ${name}`}
                  onClick={() => {
                    closeRef.current(false);
                    void jumpToMessage(channelId, m.id);
                  }}
                >
                  Jump
                </button>
                {mayUnpin && (
                  <button
                    type="button"
                    className="button small secondary"
                    aria-label={`Unpin message by ${name}`}
                    onClick={() =>
                      unpinMessage(m).then(
                        () => setPins((list) => list?.filter((x) => x.id !== m.id) ?? null),
                        (err) => setError(errorText(err)),
                      )
                    }
                  >
                    Unpin
                  </button>
                )}
              </div>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
