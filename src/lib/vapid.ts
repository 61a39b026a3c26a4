/**
 * The VAPID key pair (RFC 8292) Accord signs Web Push requests with: from settings, or generated at first start
 * and kept in the store's secrets (like the cdn signing key), so every node and every restart signs with the one
 * key browsers subscribed with.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { Store } from '../store/types.ts';

export interface VapidKeys {
  /** base64url uncompressed P-256 point: the browser's applicationServerKey. */
  publicKey: string;
  privateKey: string;
  /** mailto: or https: contact for the push services. */
  subject: string;
}

const loaded = new WeakMap<Store, Promise<VapidKeys>>();

/** The VAPID settings (ACCORD_VAPID_*), read by the caller from its config. */
export interface VapidSettings {
  vapidPublicKey?: string;
  vapidPrivateKey?: string;
  vapidSubject?: string;
  publicUrl?: string;
}

export function vapidKeys(config: VapidSettings, store: Store, now: () => number): Promise<VapidKeys> {
  let keys = loaded.get(store);
  if (!keys) {
    keys = load(config, store, now);
    loaded.set(store, keys);
    keys.catch(() => loaded.delete(store));
  }
  return keys;
}

async function load(config: VapidSettings, store: Store, now: () => number): Promise<VapidKeys> {
  const subject = config.vapidSubject ?? (config.publicUrl?.startsWith('https://') ? config.publicUrl : 'mailto:push@accord.invalid');
  if (config.vapidPublicKey && config.vapidPrivateKey) return { publicKey: config.vapidPublicKey, privateKey: config.vapidPrivateKey, subject };
  const stored = JSON.parse(await store.secrets.getOrCreate('vapid-keys', JSON.stringify(generateVapidKeys()), now())) as { publicKey: string; privateKey: string };
  return { ...stored, subject };
}

/**
 * A new P-256 key pair in the form web-push and browsers use: the public key as the uncompressed point
 * (0x04 ‖ x ‖ y), the private key as the 32-byte scalar, both base64url. Node's crypto makes it, so a node that
 * never sends a push does not load web-push for it.
 */
export function generateVapidKeys(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pub = publicKey.export({ format: 'jwk' });
  const priv = privateKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(pub.x!, 'base64url'), Buffer.from(pub.y!, 'base64url')]);
  return { publicKey: point.toString('base64url'), privateKey: priv.d! };
}
