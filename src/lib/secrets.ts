/**
 * Passwords (scrypt) and tokens with Discord's shape: base64(user id) . base64(issued-at seconds) . secret.
 * Tools that read the user id from a token keep working; the secret is 32 random bytes, only its sha256 is
 * stored, and comparison is constant-time.
 */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { isSnowflake } from '../protocol/snowflake.ts';

const scrypt = (password: string, salt: Buffer, keylen: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 64 };

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  // Hash even when there is no stored hash so that unknown users and wrong passwords take the same time.
  const parts = (stored ?? `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${randomBytes(16).toString('base64')}$${randomBytes(64).toString('base64')}`).split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltB64, keyB64] = parts;
  const expected = Buffer.from(keyB64!, 'base64');
  const key = await scrypt(password, Buffer.from(saltB64!, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 });
  return timingSafeEqual(key, expected) && stored !== null;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

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

/** Constant-time comparison of two hex digests of equal length. */
export function sameHash(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}
