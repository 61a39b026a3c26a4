/** Channel follows (types.ts ChannelFollowStore). */
import type { ChannelFollowRecord, ChannelFollowStore } from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { Row, SqlDriver } from './driver.ts';
import { chunks, id, int, marks, rn, rs } from './values.ts';

function followFromRow(r: Row): ChannelFollowRecord {
  return { webhookId: rs(r.webhook_id), sourceChannelId: rs(r.source_channel_id), sourceGuildId: rs(r.source_guild_id), createdAt: rn(r.created_at) };
}

export class SqlChannelFollowStore implements ChannelFollowStore {
  constructor(private readonly db: SqlDriver) {}

  async create(f: ChannelFollowRecord): Promise<ChannelFollowRecord> {
    await this.db.run(
      'INSERT INTO channel_follows (webhook_id, source_channel_id, source_guild_id, created_at) VALUES (?, ?, ?, ?)',
      [id(f.webhookId, 'webhook_id'), id(f.sourceChannelId, 'source_channel_id'), id(f.sourceGuildId, 'source_guild_id'), int(f.createdAt, 'created_at')],
      { fk: 'channel' },
    );
    return { ...f };
  }

  async getMany(webhookIds: readonly Snowflake[]): Promise<ChannelFollowRecord[]> {
    const out: ChannelFollowRecord[] = [];
    for (const part of chunks([...new Set(webhookIds)])) {
      const rows = await this.db.all(`SELECT * FROM channel_follows WHERE webhook_id IN (${marks(part.length)}) ORDER BY webhook_id`, part.map((w) => id(w, 'webhook_id')));
      out.push(...rows.map(followFromRow));
    }
    return out;
  }

  async claimCrosspost(channelId: Snowflake, messageId: Snowflake, now: number): Promise<boolean> {
    const { changes } = await this.db.run(
      'INSERT INTO crossposts (message_id, channel_id, created_at) VALUES (?, ?, ?) ON CONFLICT (message_id) DO NOTHING',
      [id(messageId, 'message_id'), id(channelId, 'channel_id'), int(now, 'created_at')],
      { fk: 'channel' },
    );
    return changes > 0;
  }

  async releaseCrosspost(messageId: Snowflake): Promise<void> {
    await this.db.run('DELETE FROM crossposts WHERE message_id = ?', [id(messageId, 'message_id')]);
  }

  async listBySource(channelId: Snowflake): Promise<ChannelFollowRecord[]> {
    const rows = await this.db.all('SELECT * FROM channel_follows WHERE source_channel_id = ? ORDER BY webhook_id', [id(channelId, 'channel_id')]);
    return rows.map(followFromRow);
  }
}
