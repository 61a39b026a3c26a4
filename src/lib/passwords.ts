/**
 * Password hashing: scrypt at current guidance (OWASP: N = 2^17, r = 8, p = 1; 128 MiB and ~0.5 s of one core
 * per hash here). Node runs scrypt on libuv's thread pool, so hashing never blocks the event loop; at most
 * `concurrency` hashes run at once so that the pool keeps threads for file and zlib work, and waiting hashes
 * are bounded (a login beyond gets 503 instead of queueing without end). Hashes record their own parameters,
 * so older, cheaper hashes still verify and are replaced on the next successful login (passwordNeedsRehash).
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import os from 'node:os';
import { ApiError, ErrorCodes } from '../protocol/errors.ts';

const R = 8;
const P = 1;
const KEYLEN = 64;
/** Hashes that may wait for a slot; beyond, the request is refused (the per-IP auth limit keeps this rare). */
const MAX_WAITING = 1024;

const policy = {
  /** log2 of scrypt's N (ACCORD_PASSWORD_HASH_COST). */
  cost: 17,
  /** Leaves at least one of libuv's four pool threads free whatever the core count. */
  concurrency: Math.max(1, Math.min(os.availableParallelism(), 3)),
};

/** Sets the cost of new hashes (log2 N); the process does this once from its settings. */
export function setPasswordHashCost(cost: number): void {
  if (!Number.isInteger(cost) || cost < 10 || cost > 20) throw new RangeError(`password hash cost ${cost} is outside 10–20`);
  policy.cost = cost;
}

let running = 0;
const waiting: Array<() => void> = [];

async function withSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= policy.concurrency) {
    if (waiting.length >= MAX_WAITING) throw new ApiError(ErrorCodes.GENERAL, { status: 503, message: 'Too many log-ins at once, try again shortly' });
    await new Promise<void>((resume) => waiting.push(resume));
  }
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

const scrypt = (password: string, salt: Buffer, n: number, r: number, p: number, keylen: number) =>
  withSlot(() => new Promise<Buffer>((resolve, reject) => {
    // 128·N·r bytes of working memory, plus slack.
    const opts: ScryptOptions = { N: n, r, p, maxmem: 129 * n * r + 1024 * 1024 };
    scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  }));

export async function hashPassword(password: string): Promise<string> {
  const n = 2 ** policy.cost;
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, n, R, P, KEYLEN);
  return `scrypt$${n}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

const PARAMS = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9+/=]{1,64})\$([A-Za-z0-9+/=]{1,256})$/;

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  // Hash even when there is no stored hash, at the current cost, so that unknown users and wrong passwords
  // take the same time.
  const m = stored ? PARAMS.exec(stored) : null;
  if (!m) {
    await scrypt(password, randomBytes(16), 2 ** policy.cost, R, P, KEYLEN);
    return false;
  }
  const [, n, r, p, saltB64, keyB64] = m;
  const expected = Buffer.from(keyB64!, 'base64');
  const key = await scrypt(password, Buffer.from(saltB64!, 'base64'), Number(n), Number(r), Number(p), expected.length);
  return timingSafeEqual(key, expected);
}

/** True when `stored` was made with weaker parameters than new hashes get: rehash it after a successful login. */
export function passwordNeedsRehash(stored: string | null): boolean {
  const m = stored ? PARAMS.exec(stored) : null;
  if (!m) return false;
  return Number(m[1]) < 2 ** policy.cost || Number(m[2]) < R || Number(m[3]) < P;
}
