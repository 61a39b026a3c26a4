/**
 * A webhook execute's `avatar_url`, stored the way Discord does it: the picture is fetched into the CDN and the
 * message's author gets an `avatar` hash served at /avatars/{webhook_id}/{hash}.{ext} (the webhook avatars' path,
 * media/image-keys.ts), so clients never load the sender's URL themselves.
 *
 * The fetch goes through the SSRF guard (media/guarded-fetch.ts, allow-list ACCORD_EMBED_ALLOW_HOSTS as the embed
 * role and the image proxy use it) with a short deadline and Discord's image-data size cap, and the bytes must be a
 * whole PNG, JPEG, GIF or WebP (media/image.ts). The key is the hash of the bytes: the same picture is stored once
 * per webhook however many URLs name it. URL → hash is remembered per process (bounded), failures for a minute, and
 * concurrent executes with one URL share one fetch. A failure of any kind leaves the avatar out: the execute never
 * fails for it (Discord too sends the message and shows the webhook's default avatar).
 */
import type { RoleDeps } from '../../contracts/role.ts';
import { SingleFlight } from '../../lib/single-flight.ts';
import { guardedGet, readCapped } from '../../media/guarded-fetch.ts';
import { IMAGE_CONTENT_TYPES, IMAGE_DATA_MAX_BYTES, imageHashOf, inspectImage } from '../../media/image.ts';
import { imageKey } from '../../media/image-keys.ts';
import { parseAllowList, type AllowList } from '../../media/ssrf.ts';

export const AVATAR_OVERRIDE_LIMITS = {
  /** For the whole fetch, body included: the execute waits for it. */
  timeoutMs: 3_000,
  maxRedirects: 3,
  /** Discord's limit on an avatar. */
  maxBytes: IMAGE_DATA_MAX_BYTES,
  /** (webhook, URL) → hash entries remembered. */
  remembered: 10_000,
  /** How long a URL that failed is not fetched again (the message goes without an avatar meanwhile). */
  failureTtlMs: 60_000,
} as const;

type Deps = Pick<RoleDeps, 'blobs' | 'config' | 'log' | 'now'>;

interface OverrideState {
  allow: AllowList;
  /** `{webhook_id} {url}` → stored hash, oldest first. */
  hashes: Map<string, string>;
  /** `{webhook_id} {url}` → when it may be tried again. */
  failures: Map<string, number>;
  flights: SingleFlight<string | null>;
}

const states = new WeakMap<Deps, OverrideState>();
function stateOf(deps: Deps): OverrideState {
  let s = states.get(deps);
  if (!s) states.set(deps, (s = { allow: parseAllowList(deps.config.embedAllowHosts), hashes: new Map(), failures: new Map(), flights: new SingleFlight() }));
  return s;
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > AVATAR_OVERRIDE_LIMITS.remembered) map.delete(map.keys().next().value!);
}

/** The hash of `url`'s picture stored as `webhookId`'s avatar, or null when it could not be fetched or stored. */
export async function storeAvatarOverride(deps: Deps, webhookId: string, url: string): Promise<string | null> {
  const s = stateOf(deps);
  const id = `${webhookId} ${url}`;
  const known = s.hashes.get(id);
  if (known) return known;
  const retryAt = s.failures.get(id);
  if (retryAt !== undefined && retryAt > deps.now()) return null;
  return s.flights.run(id, async () => {
    try {
      const hash = await fetchAndStore(deps, s.allow, webhookId, url);
      remember(s.hashes, id, hash);
      s.failures.delete(id);
      return hash;
    } catch (err) {
      remember(s.failures, id, deps.now() + AVATAR_OVERRIDE_LIMITS.failureTtlMs);
      deps.log.debug({ err, url, webhookId }, 'webhook avatar_url not stored; the message goes without it');
      return null;
    }
  });
}

async function fetchAndStore(deps: Deps, allow: AllowList, webhookId: string, url: string): Promise<string> {
  const got = await guardedGet(url, { allow, timeoutMs: AVATAR_OVERRIDE_LIMITS.timeoutMs, maxRedirects: AVATAR_OVERRIDE_LIMITS.maxRedirects, accept: 'image/*' });
  const res = got.response;
  if (got.status < 200 || got.status >= 300) {
    res.destroy();
    throw new Error(`origin answered ${got.status}`);
  }
  if (Number(res.headers['content-length']) > AVATAR_OVERRIDE_LIMITS.maxBytes) {
    res.destroy();
    throw new Error('too large');
  }
  const { body, truncated } = await readCapped(res, AVATAR_OVERRIDE_LIMITS.maxBytes + 1, got.deadline);
  if (truncated) throw new Error(body.length > AVATAR_OVERRIDE_LIMITS.maxBytes ? 'too large' : 'fetch timed out');
  // Throws ImageRejectedError for anything but a whole PNG, JPEG, GIF or WebP within the pixel limit.
  const info = await inspectImage(body, deps.config.imageMaxPixels);
  // A still hash, as for a webhook avatar set by image data (api/image-fields.ts: webhook avatars never animate).
  const hash = imageHashOf(body, false);
  const key = imageKey({ kind: 'webhook-avatars', id: webhookId }, hash);
  if (!(await deps.blobs.head(key))) await deps.blobs.put(key, [body], { contentType: IMAGE_CONTENT_TYPES[info.format] });
  return hash;
}
