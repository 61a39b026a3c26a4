/**
 * Discord's "N new messages since 3:04 PM" bar over the history, shown on opening a channel that had unread
 * messages: "Jump to first unread" brings the first of them into view (loading older pages until it is there),
 * "Mark as read" acknowledges the channel and puts the bar away. What counts is fixed when the channel opens —
 * messages from others after the read state, up to the channel's last message then — so the list reading itself
 * (which acks as it reaches the bottom) or messages arriving meanwhile do not change it.
 */
import { useState, type RefObject } from 'react';
import { compareIds, snowflakeTime } from '../api.ts';
import { ack, loadLatest, loadOlder } from '../session.ts';
import { store, useStore } from '../store.ts';
import { formatTimestamp } from '../time.ts';

/** Resolves on the store's next change. */
const nextChange = () =>
  new Promise<void>((resolve) => {
    const stop = store.subscribe(() => {
      stop();
      resolve();
    });
  });

/** Loads older pages until the list reaches back to `id` (or the channel's start). */
export async function loadBackTo(channelId: string, id: string): Promise<void> {
  await loadLatest(channelId);
  for (;;) {
    const cm = store.state.messages[channelId];
    if (!cm) return;
    const oldest = cm.list.find((m) => !m.pending);
    if (!cm.hasMore || (oldest && compareIds(oldest.id, id) <= 0)) return;
    if (cm.loadingOlder) await nextChange();
    else {
      const before = cm.list.length;
      await loadOlder(channelId);
      const after = store.state.messages[channelId];
      // A failed page leaves the list as it was: stop rather than ask again forever.
      if (after && !after.loadingOlder && after.list.length === before && after.hasMore) return;
    }
  }
}

/** Read state 0 (a mention in a channel never opened) has no "since": the bar is for returning to a channel. */
const realId = (id: string | null | undefined): id is string => Boolean(id && id !== '0');

export function NewMessagesBar({ channelId, scroller }: { channelId: string; scroller: RefObject<HTMLDivElement | null> }) {
  const [readAtOpen] = useState(() => store.state.readStates[channelId] ?? null);
  const [lastAtOpen] = useState(() => store.state.channels[channelId]?.last_message_id ?? null);
  const [closed, setClosed] = useState(false);
  const [jumping, setJumping] = useState(false);
  const cm = useStore((s) => s.messages[channelId]);
  const meId = useStore((s) => s.me?.id);

  if (closed || !cm || !realId(readAtOpen) || !lastAtOpen || compareIds(lastAtOpen, readAtOpen) <= 0) return null;
  const isNew = (m: { id: string; pending?: unknown; author: { id: string } }) =>
    !m.pending && m.author.id !== meId && compareIds(m.id, readAtOpen) > 0 && compareIds(m.id, lastAtOpen) <= 0;
  const count = cm.list.filter(isNew).length;
  if (!count) return null;
  // Older unread pages not loaded yet: the count is a lower bound, as Discord's "50+" is.
  const oldest = cm.list.find((m) => !m.pending);
  const more = cm.hasMore && Boolean(oldest) && compareIds(oldest!.id, readAtOpen) > 0;
  const since = formatTimestamp(new Date(snowflakeTime(readAtOpen)).toISOString());
  const sinceText = since.startsWith('Today at ') ? since.slice('Today at '.length) : since;

  const jump = async () => {
    setJumping(true);
    await loadBackTo(channelId, readAtOpen);
    // The page just merged is drawn on the next frames; find the first unread message once it is there.
    for (let frame = 0; frame < 60; frame++) {
      await new Promise((r) => requestAnimationFrame(r));
      const first = store.state.messages[channelId]?.list.find(isNew);
      const el = first && scroller.current?.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(first.id)}"]`);
      if (el) {
        el.scrollIntoView({ block: 'center' });
        el.focus({ preventScroll: true });
        break;
      }
    }
    setJumping(false);
    setClosed(true);
  };

  const markRead = () => {
    const newest = [...(store.state.messages[channelId]?.list ?? [])].reverse().find((m) => !m.pending);
    const last = store.state.channels[channelId]?.last_message_id;
    const target = last && (!newest || compareIds(last, newest.id) > 0) ? last : newest?.id;
    if (target) ack(channelId, target);
    setClosed(true);
  };

  const sentence = `${count}${more ? '+' : ''} new message${count === 1 && !more ? '' : 's'} since ${sinceText}`;
  // Discord's bar: the sentence itself jumps (with the words saying so where there is room), "Mark as read" beside it.
  return (
    <div className="new-messages-bar" role="region" aria-label="New messages" data-testid="new-messages-bar">
      <button type="button" className="new-messages-jump" title="Jump to first unread" aria-label={`${sentence}, jump to first unread`} onClick={() => void jump()} disabled={jumping}>
        <span className="new-messages-text ellipsis">{sentence}</span>
        <span className="new-messages-hint">{jumping ? 'Loading…' : 'Jump to first unread'}</span>
      </button>
      <button type="button" className="new-messages-read" onClick={markRead}>
        Mark as read
      </button>
    </div>
  );
}
