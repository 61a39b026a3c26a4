/**
 * Passwords (scrypt, in passwords.ts) and tokens with Discord's shape: base64(user id) . base64(issued-at seconds) . secret.
 * Tools that read the user id from a token keep working; the secret is 32 random bytes, only its sha256 is
 * stored, and comparison is constant-time.
 */
import { randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';
import { digest } from './digest.ts';
import { isSnowflake } from '../protocol/snowflake.ts';

export { hashPassword, passwordNeedsRehash, verifyPassword } from './passwords.ts';

export function sha256Hex(value: string): string {
  return digest('sha256', value, 'hex');
}

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/**
 * Random ids of 128 bits as 32 hex digits (gateway session ids), cut from a pool filled by one call to the CSPRNG per
 * 256 ids, as crypto.randomUUID does: a call per id cost an identify storm about 2% of its CPU.
 */
const ID_BYTES = 16;
const idPool = Buffer.alloc(ID_BYTES * 256);
let idPoolAt = idPool.length;
export function randomHexId(): string {
  if (idPoolAt === idPool.length) {
    randomFillSync(idPool);
    idPoolAt = 0;
  }
  const id = idPool.toString('hex', idPoolAt, idPoolAt + ID_BYTES);
  idPoolAt += ID_BYTES;
  return id;
}

export interface IssuedToken {
  token: string;
  hash: string;
}

export function issueToken(userId: string, nowMs = Date.now()): IssuedToken {
  const secret = randomBytes(32).toString('base64url');
  const token = `${b64url(userId)}.${b64url(String(Math.floor(nowMs / 1000)))}.${secret}`;
  return { token, hash: sha256Hex(secret) };
}

/** Splits a token into the user id it names and the hash of its secret; null when it is not token-shaped. */
export function parseToken(token: string): { userId: string; hash: string } | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[2]!.length < 40) return null;
  const userId = Buffer.from(parts[0]!, 'base64url').toString('utf8');
  // The store's range, not just digits: an id past 2^63 made the token lookup throw (400 / close 4000, not 401 / 4004).
  if (!isSnowflake(userId)) return null;
  return { userId, hash: sha256Hex(parts[2]!) };
}

/**
 * A token's public id (Discord's `id_hash` in GET /auth/sessions): base64 of the sha256 of its stored hash. It
 * names a token in lists, logout requests and bus messages without revealing the hash the store checks against.
 */
export function tokenPublicId(hash: string): string {
  return digest('sha256', hash, 'base64');
}

/** Constant-time comparison of two hex digests of equal length. */
export function sameHash(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}
