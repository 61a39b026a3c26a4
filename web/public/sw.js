/**
 * Accord's service worker (issue #16): shows the server's Web Push messages as desktop notifications and, when
 * one is clicked, brings Accord to the message. It caches nothing: the app is not meant to work offline.
 *
 * Plain JavaScript copied as-is from web/public to web/dist/sw.js, so that it is served from `/` and its scope
 * covers the whole app (a worker's scope cannot reach above the folder it is served from).
 *
 * A push payload is JSON: {title, body, url, tag}; url is a path on this origin
 * (/channels/{guild_id|@me}/{channel_id}/{message_id}) and tag is the channel id, so that a channel's messages
 * replace each other's notification instead of piling up.
 */
const ICON = '/notification-icon.png';
const OPEN_MESSAGE = 'accord:open';

// A new version takes over at once: it holds no state an old page depends on.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  event.waitUntil(showPushNotification(readPayload(event.data)));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(openInAccord(event.notification.data && event.notification.data.url));
});

function readPayload(data) {
  if (!data) return {};
  try {
    const parsed = data.json();
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return { body: data.text() };
  }
}

/** Only a path on this origin is followed: a payload never sends the user somewhere else. */
function appPath(url) {
  return typeof url === 'string' && url.startsWith('/') && !url.startsWith('//') ? url : '/channels/@me';
}

async function showPushNotification(payload) {
  const tag = typeof payload.tag === 'string' && payload.tag ? payload.tag : undefined;
  const title = typeof payload.title === 'string' && payload.title ? payload.title : 'Accord';
  const body = typeof payload.body === 'string' ? payload.body : '';
  const url = appPath(payload.url);
  // Web Push is delivered at least once: a repeat of the notification on screen (same message) replaces it
  // without alerting again. It is still shown, since a push must show a notification.
  const repeat = tag ? (await self.registration.getNotifications({ tag })).some((n) => n.data && n.data.url === url && n.title === title && n.body === body) : false;
  return self.registration.showNotification(title, {
    body,
    icon: ICON,
    // A newer message in the same channel replaces the notification and still alerts (renotify needs a tag).
    tag,
    renotify: Boolean(tag) && !repeat,
    data: { url },
  });
}

/**
 * An open Accord tab is told to show the message (the page routes to it without reloading, see
 * web/src/push-open.ts) and focused; without one, a new window opens at the message's URL.
 */
async function openInAccord(url) {
  const target = new URL(appPath(url), self.location.origin);
  const tabs = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const ours = tabs.filter((c) => new URL(c.url).origin === target.origin);
  const tab = ours.find((c) => c.focused) || ours.find((c) => c.visibilityState === 'visible') || ours[0];
  if (tab) {
    tab.postMessage({ type: OPEN_MESSAGE, url: target.pathname });
    // Focusing is only allowed while handling the click; the message has been delivered either way.
    await tab.focus().catch(() => {});
    return;
  }
  await self.clients.openWindow(target.href);
}
