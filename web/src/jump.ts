/**
 * Jump to a message (from the pins popout or a "pinned a message" line): open its channel, load older history
 * until the message is there (the list stays one unbroken stretch, so paging keeps working), then scroll it to
 * the middle, focus it and flash it.
 */
import { navigate } from './router.ts';
import { loadLatest, loadOlder } from './session.ts';
import { store, type State } from './store.ts';

/** Pages of 50 looked through before giving up on an old message. */
const MAX_PAGES = 40;
const HIGHLIGHT_MS = 2000;

/** Resolves once `ready(state)` holds (checked on every change). */
function until(ready: (s: State) => boolean): Promise<void> {
  if (ready(store.state)) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = store.subscribe(() => {
      if (!ready(store.state)) return;
      stop();
      resolve();
    });
  });
}

const held = (channelId: string, messageId: string) => Boolean(store.state.messages[channelId]?.list.some((m) => m.id === messageId));

/** The rendered row of the message, once React has drawn it (a few frames at most). */
async function rendered(messageId: string): Promise<HTMLElement | null> {
  for (let frame = 0; frame < 120; frame++) {
    const el = document.querySelector<HTMLElement>(`.history .message[data-message-id="${CSS.escape(messageId)}"]`);
    if (el) return el;
    await new Promise((r) => requestAnimationFrame(r));
  }
  return null;
}

/** Returns whether the message was found and shown. */
export async function jumpToMessage(channelId: string, messageId: string): Promise<boolean> {
  const channel = store.state.channels[channelId];
  if (!channel) return false;
  navigate(`/channels/${channel.guild_id ?? '@me'}/${channelId}`);
  await loadLatest(channelId).catch(() => {});
  for (let page = 0; page < MAX_PAGES && !held(channelId, messageId); page++) {
    await until((s) => !s.messages[channelId]?.loadingOlder);
    if (!store.state.messages[channelId]?.hasMore) break;
    await loadOlder(channelId);
  }
  if (!held(channelId, messageId)) return false;
  const el = await rendered(messageId);
  if (!el) return false;
  el.scrollIntoView({ block: 'center' });
  el.focus({ preventScroll: true });
  el.classList.add('jump-highlight');
  setTimeout(() => el.classList.remove('jump-highlight'), HIGHLIGHT_MS);
  return true;
}
