/**
 * Shared rate-limit windows (RateWindowStore): one row per limit key with its hit count and reset time. A hit is
 * one upsert returning the new count: the row lock serialises concurrent hits of one key on PostgreSQL (no
 * compare-and-set retries), and the whole statement is one round trip.
 */
import { InvalidInputError } from '../errors.ts';
import type { RateWindowStore } from '../types.ts';
import type { SqlDriver } from './driver.ts';
import { int } from './values.ts';

const HIT = `INSERT INTO rate_windows (key, reset_at, count) VALUES (?, ?, 1)
ON CONFLICT (key) DO UPDATE SET
  count = CASE WHEN rate_windows.reset_at <= ? THEN 1 ELSE rate_windows.count + 1 END,
  reset_at = CASE WHEN rate_windows.reset_at <= ? THEN excluded.reset_at ELSE rate_windows.reset_at END
RETURNING count, reset_at`;

/** Longest key stored: bucket, major parameter and identity fit well inside. */
const MAX_KEY = 200;

export class SqlRateWindowStore implements RateWindowStore {
  constructor(private readonly db: SqlDriver) {}

  async hit(key: string, now: number, resetAt: number): Promise<{ count: number; resetAt: number }> {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY) throw new InvalidInputError('key', `not 1..${MAX_KEY} characters`);
    const at = int(now, 'now');
    const row = await this.db.get(HIT, [key, int(resetAt, 'reset_at'), at, at]);
    return { count: Number(row!.count), resetAt: Number(row!.reset_at) };
  }

  async prune(beforeMs: number): Promise<number> {
    return (await this.db.run('DELETE FROM rate_windows WHERE reset_at < ?', [int(Math.floor(beforeMs), 'before')])).changes;
  }
}
