/**
 * Slowmode holds (SlowmodeStore): one row per (channel, user) with the time of the next allowed send. Taking a
 * hold is one conditional upsert, atomic on both databases: on PostgreSQL a concurrent upsert of the same key
 * waits for this one's commit and then re-checks the condition against the committed row, so two api nodes
 * never both admit a send inside one window.
 */
import type { SlowmodeStore } from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { SqlDriver } from './driver.ts';
import { id, int } from './values.ts';

const TAKE = `INSERT INTO slowmode (channel_id, user_id, next_at) VALUES (?, ?, ?)
ON CONFLICT (channel_id, user_id) DO UPDATE SET next_at = excluded.next_at WHERE slowmode.next_at <= ?`;

export class SqlSlowmodeStore implements SlowmodeStore {
  constructor(private readonly db: SqlDriver) {}

  async reserve(channelId: Snowflake, userId: Snowflake, now: number, until: number): Promise<number | null> {
    const key = [id(channelId, 'channel_id'), id(userId, 'user_id')];
    const [at, next] = [int(now, 'now'), int(until, 'until')];
    // Bounded: the hold read after a refusal can only vanish by a release or a sweep, and then the next take wins.
    for (let attempt = 0; attempt < 3; attempt++) {
      if ((await this.db.run(TAKE, [...key, next, at])).changes > 0) return null;
      const held = await this.db.get('SELECT next_at FROM slowmode WHERE channel_id = ? AND user_id = ?', key);
      if (held && Number(held.next_at) > at) return Number(held.next_at);
    }
    // Not reached in practice (a vanished hold lets the next take in); refusing is the safe side.
    return next;
  }

  async release(channelId: Snowflake, userId: Snowflake, until: number): Promise<void> {
    await this.db.run('DELETE FROM slowmode WHERE channel_id = ? AND user_id = ? AND next_at = ?', [id(channelId, 'channel_id'), id(userId, 'user_id'), int(until, 'until')]);
  }

  async prune(beforeMs: number): Promise<number> {
    return (await this.db.run('DELETE FROM slowmode WHERE next_at < ?', [int(Math.floor(beforeMs), 'before')])).changes;
  }
}
