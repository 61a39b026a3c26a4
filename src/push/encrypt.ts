/**
 * Message encryption for Web Push (RFC 8291) in the aes128gcm content coding (RFC 8188), one record, with
 * node:crypto alone: a fresh ECDH key pair and salt per message (RFC 8291 §3.1 requires both to be new each
 * time). HKDF (RFC 5869) is written out as its HMACs: every output here is at most one hash long, so each is
 * one extract and one expand block, and HMACs cost a third of crypto.hkdfSync, which makes key objects per call.
 * The receiver in the tests (test/helpers/web-push-receiver.ts) decrypts with crypto.hkdfSync, independently.
 */
import { createCipheriv, createECDH, createHmac, randomBytes } from 'node:crypto';

/** The record size written into the header: the plaintext (payload, delimiter) and tag fit in one record. */
const RECORD_SIZE = 4096;
/** Web Push services accept bodies of 4096 bytes at most: header (86), tag (16) and the delimiter leave this. */
export const MAX_PAYLOAD_BYTES = RECORD_SIZE - 86 - 16 - 1;

/** HKDF-SHA-256 of an output of at most 32 bytes: T(1) = HMAC(PRK, info || 0x01), PRK = HMAC(salt, ikm). */
function hkdf(salt: Buffer, ikm: Buffer, info: Buffer, length: number): Buffer {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  return createHmac('sha256', prk).update(info).update(ONE).digest().subarray(0, length);
}

const ONE = Buffer.from([1]);
const KEY_INFO = Buffer.from('WebPush: info\0');
const CEK_INFO = Buffer.from('Content-Encoding: aes128gcm\0');
const NONCE_INFO = Buffer.from('Content-Encoding: nonce\0');

/** A subscription's keys, decoded and checked. */
export interface DeviceKeys {
  /** The user agent's public key: an uncompressed P-256 point (65 bytes). */
  p256dh: Buffer;
  /** The auth secret (16 bytes). */
  auth: Buffer;
}

/** Decodes a subscription's base64url keys; throws when they are not a P-256 point and a 16-byte secret. */
export function deviceKeys(keys: { p256dh: string; auth: string }): DeviceKeys {
  const p256dh = Buffer.from(keys.p256dh, 'base64url');
  const auth = Buffer.from(keys.auth, 'base64url');
  if (p256dh.length !== 65 || p256dh[0] !== 4) throw new Error('the subscription p256dh is not an uncompressed P-256 point');
  if (auth.length < 16) throw new Error('the subscription auth secret is shorter than 16 bytes');
  return { p256dh, auth };
}

/** The aes128gcm body of one push: header (salt, record size, sender's public key), ciphertext, tag. */
export function encryptPayload(keys: DeviceKeys, payload: string): Buffer {
  const plaintext = Buffer.from(`${payload}\u0002`); // 0x02: the last (only) record's delimiter, no padding
  if (plaintext.length > MAX_PAYLOAD_BYTES + 1) throw new Error(`payload of ${plaintext.length - 1} bytes is over ${MAX_PAYLOAD_BYTES}`);
  const ecdh = createECDH('prime256v1');
  const asPublic = ecdh.generateKeys();
  const secret = ecdh.computeSecret(keys.p256dh);
  const salt = randomBytes(16);
  const ikm = hkdf(keys.auth, secret, Buffer.concat([KEY_INFO, keys.p256dh, asPublic]), 32);
  const prk = createHmac('sha256', salt).update(ikm).digest(); // one extract for both keys
  const cek = createHmac('sha256', prk).update(CEK_INFO).update(ONE).digest().subarray(0, 16);
  const nonce = createHmac('sha256', prk).update(NONCE_INFO).update(ONE).digest().subarray(0, 12);
  const cipher = createCipheriv('aes-128-gcm', cek, nonce);
  const header = Buffer.alloc(21);
  salt.copy(header, 0);
  header.writeUInt32BE(RECORD_SIZE, 16);
  header[20] = asPublic.length;
  return Buffer.concat([header, asPublic, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}
