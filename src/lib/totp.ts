/**
 * Time-based one-time passwords (RFC 6238) as authenticator apps make them: HMAC-SHA1 over the 30-second step,
 * 6 digits, the secret in base32 (RFC 4648, no padding). A code is accepted for its step and the one before and
 * after (clock drift); the caller records the step it accepted so the same code cannot be used twice.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { base32Decode, base32Encode } from '../protocol/base32.ts';

export { base32Decode, base32Encode };

export const TOTP_STEP_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** A new secret of 160 bits (RFC 4226's recommended length), in base32. */
export function newTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

/** The time step of `nowMs`. */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_STEP_SECONDS);
}

/** The code of `step` for the secret's bytes (`digits` long, zero-padded). */
export function totpCode(key: Uint8Array, step: number, digits = TOTP_DIGITS): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/**
 * The step whose code `code` is, among the step of `nowMs` and its neighbours, or null. Every candidate is
 * compared (in constant time), so the answer's timing does not say which step matched.
 */
export function matchTotp(secret: string, code: string, nowMs: number): number | null {
  const key = base32Decode(secret);
  const given = code.replace(/\s/g, '');
  if (!key || key.length === 0 || !/^\d{6}$/.test(given)) return null;
  const now = totpStep(nowMs);
  let matched: number | null = null;
  for (const step of [now - 1, now, now + 1]) {
    if (timingSafeEqual(Buffer.from(totpCode(key, step)), Buffer.from(given)) && matched === null) matched = step;
  }
  return matched;
}
