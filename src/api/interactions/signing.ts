/**
 * Signing of interactions sent over HTTP, as Discord signs them: Ed25519 over the `X-Signature-Timestamp` value
 * followed by the raw body, the signature in `X-Signature-Ed25519` as hex. Each application has its own key pair;
 * the public key, as 32 raw bytes in hex, is its `verify_key` (the developer portal's "Public Key"), which the
 * application's endpoint checks every request against.
 */
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { ApplicationRecord, InteractionsKey, Store } from '../../store/types.ts';

/** A new key pair: the public key as 64 hex characters, the private key as base64 PKCS#8 DER. */
export function newInteractionsKey(): InteractionsKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return { publicKey: raw.toString('hex'), privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64') };
}

/** The application with its key pair, made now when it has none yet (applications older than the key). */
export async function withInteractionsKey(store: Store, app: ApplicationRecord): Promise<ApplicationRecord & { interactionsKey: InteractionsKey }> {
  if (app.interactionsKey) return app as ApplicationRecord & { interactionsKey: InteractionsKey };
  const stored = await store.applications.setInteractionsKeyIfAbsent(app.id, newInteractionsKey());
  return { ...app, interactionsKey: stored.interactionsKey! };
}

/** The two headers Discord signs a request with, for `body` sent now (`nowMs`). */
export function signatureHeaders(key: InteractionsKey, body: Buffer, nowMs: number): { 'x-signature-ed25519': string; 'x-signature-timestamp': string } {
  const timestamp = String(Math.floor(nowMs / 1000));
  const signature = sign(null, Buffer.concat([Buffer.from(timestamp), body]), privateKeyOf(key)).toString('hex');
  return { 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp };
}

const parsed = new Map<string, KeyObject>();

function privateKeyOf(key: InteractionsKey): KeyObject {
  let k = parsed.get(key.privateKey);
  if (!k) {
    k = createPrivateKey({ key: Buffer.from(key.privateKey, 'base64'), format: 'der', type: 'pkcs8' });
    // A handful of applications per process in practice; bounded anyway.
    if (parsed.size >= 1000) parsed.clear();
    parsed.set(key.privateKey, k);
  }
  return k;
}
