/**
 * The page's side of a clicked notification (web/public/sw.js): the service worker posts the message's path to
 * an open tab, which jumps to it without reloading; with no tab open, a new window loads the path itself,
 * /channels/{guild_id|@me}/{channel_id}/{message_id}, and jumps once the channel has arrived.
 */
import { jumpToMessage } from './jump.ts';
import { disablePush, enablePush, pushState, refreshPushWorker, saveSubscription } from './push.ts';
import { navigate } from './router.ts';
import { store } from './store.ts';

const OPEN_MESSAGE = 'accord:open';

function parseMessagePath(path: string): { guildId: string; channelId: string; messageId: string | null } | null {
  const m = /^\/channels\/([^/]+)\/(\d+)(?:\/(\d+))?\/?$/.exec(path);
  return m ? { guildId: m[1], channelId: m[2], messageId: m[3] ?? null } : null;
}

/** Shows the message (or the channel) a notification is about. */
export async function openPushTarget(path: string): Promise<void> {
  const target = parseMessagePath(path);
  if (!target) return navigate('/channels/@me');
  const channelPath = `/channels/${target.guildId}/${target.channelId}`;
  if (!target.messageId || !(await jumpToMessage(target.channelId, target.messageId))) navigate(channelPath);
}

/** A page loaded at a message's URL (a window the worker opened): show the channel, then jump once it is known. */
function jumpFromLoadedUrl() {
  const target = parseMessagePath(location.pathname);
  if (!target?.messageId) return;
  const channelPath = `/channels/${target.guildId}/${target.channelId}`;
  navigate(channelPath, { replace: true });
  const go = () => {
    stop();
    void jumpToMessage(target.channelId, target.messageId!);
  };
  // Until the channel arrives (READY, or its guild's GUILD_CREATE), or the user goes somewhere else first.
  const stop = store.subscribe(() => {
    if (location.pathname !== channelPath) stop();
    else if (store.state.channels[target.channelId]) go();
  });
  if (store.state.channels[target.channelId]) go();
}

export function installPushOpen() {
  jumpFromLoadedUrl();
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', (e: MessageEvent) => {
    if (e.data?.type === OPEN_MESSAGE && typeof e.data.url === 'string') void openPushTarget(e.data.url);
  });
  // Messages from the worker wait in a queue until the page says it listens.
  navigator.serviceWorker.startMessages();
  void refreshPushWorker().catch(() => {});
  // For the browser test (test/browser/web-push.test.ts): headless Chromium has no push service to subscribe
  // with, so the test hands saveSubscription a subscription it made itself, through the app's own code path.
  (window as any).__accordPush = { enablePush, disablePush, pushState, saveSubscription };
}
