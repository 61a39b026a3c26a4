/**
 * Bots' session start counters (Discord's session_start_limit): one row per user, counted with a single upsert
 * so that every sessions node of a cluster shares the count and concurrent IDENTIFYs each count once. The SET
 * expressions read the row as it was before the statement (SQLite and PostgreSQL alike), so an expired window
 * restarts at 1 in the same statement that counts.
 */
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { SessionStartStore, SessionStartWindow } from '../types.ts';
import type { SqlDriver } from './driver.ts';
import { id, int, rn } from './values.ts';

export class SqlSessionStartStore implements SessionStartStore {
  constructor(private readonly db: SqlDriver) {}

  async take(userId: Snowflake, now: number, windowMs: number): Promise<SessionStartWindow> {
    const at = int(now, 'now');
    const row = await this.db.get(
      `INSERT INTO session_starts (user_id, starts, reset_at) VALUES (?, 1, ?)
       ON CONFLICT (user_id) DO UPDATE SET
         starts = CASE WHEN session_starts.reset_at <= ? THEN 1 ELSE session_starts.starts + 1 END,
         reset_at = CASE WHEN session_starts.reset_at <= ? THEN excluded.reset_at ELSE session_starts.reset_at END
       RETURNING starts, reset_at`,
      [id(userId, 'user_id'), at + int(windowMs, 'window_ms'), at, at],
      { fk: 'user' },
    );
    return { count: rn(row!.starts), resetAt: rn(row!.reset_at) };
  }

  async get(userId: Snowflake, now: number): Promise<SessionStartWindow | null> {
    const row = await this.db.get('SELECT starts, reset_at FROM session_starts WHERE user_id = ? AND reset_at > ?', [id(userId, 'user_id'), int(now, 'now')]);
    return row ? { count: rn(row.starts), resetAt: rn(row.reset_at) } : null;
  }
}
