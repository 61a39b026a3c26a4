/** Per-user state: read states and Web Push subscriptions. */
import type { PushSubscriptionRecord, PushSubscriptionStore, ReadStateRecord, ReadStateStore } from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { Row, SqlDriver } from './driver.ts';
import { chunks, id, ids, int, optId, optInt, rn, rnn, rs, rsn, text } from './values.ts';
import { InvalidInputError } from '../errors.ts';

function readStateFromRow(r: Row): ReadStateRecord {
  return {
    userId: rs(r.user_id),
    channelId: rs(r.channel_id),
    lastMessageId: rsn(r.last_message_id),
    mentionCount: rn(r.mention_count),
    lastPinTimestamp: rnn(r.last_pin_timestamp),
  };
}

export class SqlReadStateStore implements ReadStateStore {
  constructor(private readonly db: SqlDriver) {}

  async ack(state: ReadStateRecord): Promise<ReadStateRecord> {
    const mentions = int(state.mentionCount, 'mention_count');
    if (mentions < 0) throw new InvalidInputError('mention_count', 'must not be negative');
    await this.db.run(
      `INSERT INTO read_states (user_id, channel_id, last_message_id, mention_count, last_pin_timestamp) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (user_id, channel_id) DO UPDATE SET last_message_id = excluded.last_message_id,
         mention_count = excluded.mention_count, last_pin_timestamp = excluded.last_pin_timestamp`,
      [
        id(state.userId, 'user_id'), id(state.channelId, 'channel_id'), optId(state.lastMessageId, 'last_message_id'),
        mentions, optInt(state.lastPinTimestamp, 'last_pin_timestamp'),
      ],
      { fk: 'channel' },
    );
    return { ...state };
  }

  async listForUser(userId: Snowflake): Promise<ReadStateRecord[]> {
    const rows = await this.db.all('SELECT * FROM read_states WHERE user_id = ? ORDER BY channel_id', [id(userId, 'user_id')]);
    return rows.map(readStateFromRow);
  }

  async incrementMentions(channelId: Snowflake, userIds: readonly Snowflake[]): Promise<void> {
    if (userIds.length === 0) return;
    await this.db.transaction((tx) => incrementMentionsIn(tx, channelId, userIds));
  }
}

/** Adds one mention per listed user to their read state of the channel, inside the caller's transaction. */
export async function incrementMentionsIn(tx: SqlDriver, channelId: Snowflake, userIds: readonly Snowflake[]): Promise<void> {
  const ch = id(channelId, 'channel_id');
  const users = [...new Set(ids(userIds, 'user_id'))];
  for (const chunk of chunks(users, 200)) {
    await tx.run(
      `INSERT INTO read_states (user_id, channel_id, last_message_id, mention_count, last_pin_timestamp)
       VALUES ${chunk.map(() => '(?, ?, NULL, 1, NULL)').join(', ')}
       ON CONFLICT (user_id, channel_id) DO UPDATE SET mention_count = read_states.mention_count + 1`,
      chunk.flatMap((u) => [u, ch]),
      { fk: 'channel' },
    );
  }
}

function pushFromRow(r: Row): PushSubscriptionRecord {
  return {
    id: rs(r.id),
    userId: rs(r.user_id),
    endpoint: rs(r.endpoint),
    p256dh: rs(r.p256dh),
    auth: rs(r.auth),
    createdAt: rn(r.created_at),
  };
}

export class SqlPushSubscriptionStore implements PushSubscriptionStore {
  constructor(private readonly db: SqlDriver) {}

  async put(sub: PushSubscriptionRecord): Promise<PushSubscriptionRecord> {
    const row = await this.db.get(
      `INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (user_id, endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth
       RETURNING *`,
      [
        id(sub.id), id(sub.userId, 'user_id'), text(sub.endpoint, 'pushEndpoint', 'endpoint'), text(sub.p256dh, 'shortText', 'p256dh'),
        text(sub.auth, 'shortText', 'auth'), int(sub.createdAt, 'created_at'),
      ],
      { fk: 'user' },
    );
    return pushFromRow(row!);
  }

  async listForUser(userId: Snowflake): Promise<PushSubscriptionRecord[]> {
    const rows = await this.db.all('SELECT * FROM push_subscriptions WHERE user_id = ? ORDER BY id', [id(userId, 'user_id')]);
    return rows.map(pushFromRow);
  }

  async deleteByEndpoint(userId: Snowflake, endpoint: string): Promise<void> {
    await this.db.run('DELETE FROM push_subscriptions WHERE user_id = ? AND endpoint = ?', [id(userId, 'user_id'), String(endpoint)]);
  }
}
