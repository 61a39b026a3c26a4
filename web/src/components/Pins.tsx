/**
 * Pins in the chat: the Pin / Unpin action of a message (PIN_MESSAGES; anyone in a DM), the
 * system line Discord posts for a pin (type 6, "X pinned a message to this channel."), and the header's button
 * that opens the pinned-messages popout (loaded on first use).
 */
import { Suspense, lazy, useEffect, useRef, useSyncExternalStore } from 'react';
import { jumpToMessage } from '../jump.ts';
import { canPin, pinMessage, unpinMessage } from '../moderation.ts';
import { useStore } from '../store.ts';
import type { Message } from '../types.ts';
import { ModIcon } from './ModIcons.tsx';

const PinsPopout = lazy(() => import('./PinsPopout.tsx').then((m) => ({ default: m.PinsPopout })));

/** The channel whose pins popout is open: the header button and the system line's link both open it. */
let openFor: string | null = null;
const listeners = new Set<() => void>();
export function setPinsOpen(channelId: string | null) {
  openFor = channelId;
  listeners.forEach((l) => l());
}
const usePinsOpen = () =>
  useSyncExternalStore(
    (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    () => openFor,
  );

/** "Pin message" / "Unpin message" in a message's actions, for those who may. */
export function PinAction({ msg, run }: { msg: Message; run: (fn: () => Promise<unknown>) => unknown }) {
  const allowed = useStore((s) => canPin(s, s.channels[msg.channel_id]));
  if (!allowed) return null;
  const label = msg.pinned ? 'Unpin message' : 'Pin message';
  return (
    <button type="button" className={msg.pinned ? 'icon-button pinned' : 'icon-button'} aria-label={label} title={label} onClick={() => run(() => (msg.pinned ? unpinMessage(msg) : pinMessage(msg)))}>
      <ModIcon name="pin" />
    </button>
  );
}

/** Discord's CHANNEL_PINNED_MESSAGE line: a link to the pinned message and to the channel's pins. */
export function PinnedLine({ msg, authorName, time }: { msg: Message; authorName: string; time: string }) {
  const target = msg.message_reference?.message_id;
  return (
    <li
      className="message system pinned-line"
      data-message-id={msg.id}
      aria-label={`${authorName} pinned a message, ${time}`}
      tabIndex={-1}
      onKeyDown={(e) => {
        // As on a chat message: Enter moves into the line's links.
        if (e.key !== 'Enter' || e.target !== e.currentTarget) return;
        e.preventDefault();
        e.currentTarget.querySelector<HTMLElement>('button')?.focus();
      }}
    >
      <span className="system-icon" aria-hidden="true">
        <ModIcon name="pin" size={16} />
      </span>
      <div className="message-main">
        <strong className="author-plain">{authorName}</strong> pinned{' '}
        {target ? (
          <button type="button" className="link-button strong" onClick={() => void jumpToMessage(msg.channel_id, target)}>
            a message
          </button>
        ) : (
          'a message'
        )}{' '}
        to this channel.{' '}
        <button type="button" className="link-button strong" onClick={() => setPinsOpen(msg.channel_id)}>
          See all pinned messages
        </button>{' '}
        <time dateTime={msg.timestamp} className="timestamp" title={new Date(msg.timestamp).toLocaleString()}>
          {time}
        </time>
      </div>
    </li>
  );
}

/** The channel header's pins button and its popout. */
export function PinsButton({ channelId }: { channelId: string }) {
  const open = usePinsOpen() === channelId;
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => () => void (openFor === channelId && setPinsOpen(null)), [channelId]);
  return (
    <>
      <button
        ref={button}
        type="button"
        className="icon-button"
        aria-label="Pinned messages"
        title="Pinned messages"
        aria-haspopup="dialog"
        aria-expanded={open}
        onClick={() => setPinsOpen(open ? null : channelId)}
      >
        <ModIcon name="pin" />
      </button>
      {open && (
        <Suspense fallback={null}>
          <PinsPopout
            channelId={channelId}
            onClose={(returnFocus) => {
              setPinsOpen(null);
              if (returnFocus) button.current?.focus();
            }}
          />
        </Suspense>
      )}
    </>
  );
}
