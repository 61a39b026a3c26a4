/**
 * Desktop notifications through Web Push (issue #16): this browser's subscription, registered with the server as
 * one of the user's devices (POST /users/@me/devices), and the prompt that offers it.
 *
 * The flow: Notification.requestPermission(), register the service worker (/sw.js, scope `/`), fetch the
 * server's VAPID key, pushManager.subscribe() with it, then POST the subscription's endpoint and keys. The device
 * id the server answers with is kept in localStorage, so this browser can be told apart in the device list and
 * removed again (the switch in settings, and on log-out).
 */
import { useSyncExternalStore } from 'react';
import { ApiError, rest } from './api.ts';

/** A registered device, as GET/POST /users/@me/devices answer. */
export interface PushDevice {
  id: string;
  provider: string;
  device_name: string | null;
  /** False: this device's notifications say only that a message came (Accord's addition). */
  preview: boolean;
  created_at: string;
}

/** What the switch in settings shows for this browser. */
export type PushState = 'unsupported' | 'blocked' | 'enabled' | 'disabled';

/** The parts of a subscription the server needs: PushSubscription.toJSON()'s shape. */
export interface SubscriptionJson {
  endpoint?: string;
  keys?: Record<string, string>;
}

const DEVICE_KEY = 'accord.push.device';
const PROMPT_DUE_KEY = 'accord.push.prompt-due';
const PROMPT_DISMISSED_KEY = 'accord.push.prompt-dismissed';
const WORKER_URL = '/sw.js';

const listeners = new Set<() => void>();
let version = 0;
function changed() {
  version++;
  listeners.forEach((l) => l());
}
/** Re-renders on any change here (a device saved or removed, the prompt offered or dismissed). */
export function usePushVersion(): number {
  return useSyncExternalStore(
    (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    () => version,
  );
}

/** Service workers need a secure context (https, or localhost). */
export function pushSupported(): boolean {
  return window.isSecureContext && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** The server's id for this browser's subscription, and the endpoint it was made for. */
export function savedDevice(): { id: string; endpoint: string } | null {
  try {
    const v = JSON.parse(localStorage.getItem(DEVICE_KEY) ?? 'null');
    return v && typeof v.id === 'string' && typeof v.endpoint === 'string' ? v : null;
  } catch {
    return null;
  }
}

function workerRegistration(): Promise<ServiceWorkerRegistration | undefined> {
  return navigator.serviceWorker.getRegistration('/');
}

export async function pushState(): Promise<PushState> {
  if (!pushSupported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'blocked';
  if (Notification.permission !== 'granted') return 'disabled';
  const saved = savedDevice();
  if (!saved) return 'disabled';
  const sub = await (await workerRegistration())?.pushManager.getSubscription();
  return sub?.endpoint === saved.endpoint ? 'enabled' : 'disabled';
}

/** Registers /sw.js for the whole origin and resolves once it is active. */
export async function registerWorker(): Promise<ServiceWorkerRegistration> {
  await navigator.serviceWorker.register(WORKER_URL, { scope: '/' });
  return navigator.serviceWorker.ready;
}

function base64UrlToBytes(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function sameBytes(a: ArrayBuffer | null, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.length) return false;
  const x = new Uint8Array(a);
  return x.every((v, i) => v === b[i]);
}

/** "Chrome on Linux": how this browser is named in the device list. */
export function thisDeviceName(): string {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const os = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS X/.test(ua)
          ? 'macOS'
          : /CrOS/.test(ua)
            ? 'ChromeOS'
            : /Linux/.test(ua)
              ? 'Linux'
              : '';
  return os ? `${browser} on ${os}` : browser;
}

/**
 * Registers a subscription with the server as one of the user's devices (posting the same endpoint again updates
 * the existing device). Called with the browser's own PushSubscription.toJSON(); the browser test also calls it
 * (through window.__accordPush) with a subscription it made, where headless Chromium has no push service.
 */
export async function saveSubscription(sub: SubscriptionJson): Promise<PushDevice> {
  const { endpoint, keys } = sub;
  if (!endpoint || !keys?.p256dh || !keys.auth) throw new Error('The browser gave an incomplete push subscription.');
  const device = await rest.post<PushDevice>('/users/@me/devices', {
    provider: 'webpush',
    token: endpoint,
    keys: { p256dh: keys.p256dh, auth: keys.auth },
    device_name: thisDeviceName(),
  });
  localStorage.setItem(DEVICE_KEY, JSON.stringify({ id: device.id, endpoint }));
  changed();
  return device;
}

/**
 * Asks for permission (the browser's own prompt: call this from a click), subscribes this browser and registers
 * it with the server. Throws an Error whose message is a sentence for the user.
 */
export async function enablePush(): Promise<PushDevice> {
  if (!pushSupported()) throw new Error('This browser cannot show notifications from Accord.');
  const permission = await Notification.requestPermission();
  changed();
  if (permission === 'denied') throw new Error('Notifications are blocked for Accord in this browser. Allow them in the site settings, then try again.');
  if (permission !== 'granted') throw new Error('Notifications were not allowed.');
  const reg = await registerWorker();
  let publicKey: string;
  try {
    publicKey = (await rest.get<{ public_key: string }>('/users/@me/push/vapid')).public_key;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) throw new Error('This server does not send push notifications.');
    throw err;
  }
  const applicationServerKey = base64UrlToBytes(publicKey);
  let sub = await reg.pushManager.getSubscription();
  // A subscription made for another server key (the server's key was changed) cannot be used any more.
  if (sub && !sameBytes(sub.options.applicationServerKey, applicationServerKey)) {
    await sub.unsubscribe().catch(() => {});
    sub = null;
  }
  try {
    sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey });
  } catch (err) {
    // Chromium without its push service (Google's, unreachable from here) ends up here: "push service error".
    throw new Error(`This browser could not subscribe to its push service (${err instanceof Error ? err.message : String(err)}).`);
  }
  return saveSubscription(sub.toJSON());
}

/**
 * Stops notifications on this browser: unsubscribes from the push service and, with `server` (the default),
 * removes the device from the account. Without it (the token is already gone) the server forgets the device on
 * its own, when the push service answers that the endpoint no longer exists.
 */
export async function disablePush({ server = true } = {}): Promise<void> {
  const saved = savedDevice();
  localStorage.removeItem(DEVICE_KEY);
  if (pushSupported()) {
    const sub = await (await workerRegistration())?.pushManager.getSubscription();
    await sub?.unsubscribe().catch(() => {});
  }
  changed();
  if (saved && server) await removeDevice(saved.id);
}

export const listDevices = () => rest.get<PushDevice[]>('/users/@me/devices');

/** Whether a device's notifications show the message's author and text, or only "New message". */
export const setDevicePreview = (id: string, preview: boolean) => rest.patch<PushDevice>(`/users/@me/devices/${id}`, { preview });

/** Removes a device from the account; removing one already gone is not an error. */
export async function removeDevice(id: string): Promise<void> {
  if (savedDevice()?.id === id) return disablePush();
  try {
    await rest.delete(`/users/@me/devices/${id}`);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
  }
  changed();
}

// ---- the prompt: offered after the user's first message, never on load ----

/** Called when the user sends a message: from then on the banner offers notifications until they answer it. */
export function offerPushPrompt() {
  if (localStorage.getItem(PROMPT_DUE_KEY)) return;
  localStorage.setItem(PROMPT_DUE_KEY, '1');
  changed();
}

export function dismissPushPrompt() {
  localStorage.setItem(PROMPT_DISMISSED_KEY, '1');
  changed();
}

/** Whether the banner should show: offered, not dismissed, possible, and this browser not registered yet. */
export function usePushPromptShown(): boolean {
  usePushVersion();
  return (
    pushSupported() &&
    Boolean(localStorage.getItem(PROMPT_DUE_KEY)) &&
    !localStorage.getItem(PROMPT_DISMISSED_KEY) &&
    Notification.permission !== 'denied' &&
    !savedDevice()
  );
}

/**
 * On load, for a browser that has notifications on: keeps the worker up to date (a new sw.js takes over at once)
 * and, if the browser renewed its subscription meanwhile (push services may), registers the new endpoint in place
 * of the old one. The worker cannot do that itself: it has no token to call the API with.
 */
export async function refreshPushWorker(): Promise<void> {
  const saved = savedDevice();
  if (!pushSupported() || !saved || Notification.permission !== 'granted') return;
  const reg = await registerWorker();
  const sub = await reg.pushManager.getSubscription();
  if (!sub || sub.endpoint === saved.endpoint || !rest.token) return;
  await saveSubscription(sub.toJSON());
  await rest.delete(`/users/@me/devices/${saved.id}`).catch(() => {});
}
