/**
 * Poll votes: one row per (message, answer, user), in the message's partition (channel_id, bucket) and deleted
 * with it (foreign key, cascade). A user's votes are replaced as a whole, as Discord's client sets them.
 */
import { NotFoundError } from '../errors.ts';
import { PAGE_LIMITS } from '../limits.ts';
import type { PollAnswerCount, PollVoteChange, PollVoteStore, WithOutbox } from '../types.ts';
import { bucketOf, type Snowflake } from '../../protocol/snowflake.ts';
import type { SqlDriver } from './driver.ts';
import { writeOutbox, writeWithOutbox } from './outbox.ts';
import { chunks, id, ids, int, marks, optId, pageLimit, rb, rn, rs } from './values.ts';

export class SqlPollVoteStore implements PollVoteStore {
  constructor(private readonly db: SqlDriver) {}

  async setVotes(
    channelId: Snowflake, messageId: Snowflake, userId: Snowflake, answerIds: readonly number[], opts?: WithOutbox<PollVoteChange>,
  ): Promise<PollVoteChange> {
    const ch = id(channelId, 'channel_id');
    const m = id(messageId, 'message_id');
    const user = id(userId, 'user_id');
    const wanted = [...new Set(answerIds.map((a) => int(a, 'answer_id')))];
    return this.db.transaction(async (tx) => {
      const exists = await tx.all('SELECT id FROM messages WHERE channel_id = ? AND bucket = ? AND id = ?', [ch, bucketOf(m), m]);
      if (exists.length === 0) throw new NotFoundError('message', messageId);
      const rows = await tx.all('SELECT answer_id FROM poll_votes WHERE message_id = ? AND user_id = ?', [m, user]);
      const had = new Set(rows.map((r) => rn(r.answer_id)));
      const added = wanted.filter((a) => !had.has(a)).sort((a, b) => a - b);
      const removed = [...had].filter((a) => !wanted.includes(a)).sort((a, b) => a - b);
      if (removed.length) {
        await tx.run(`DELETE FROM poll_votes WHERE message_id = ? AND user_id = ? AND answer_id IN (${marks(removed.length)})`, [m, user, ...removed]);
      }
      for (const a of added) {
        await tx.run(
          'INSERT INTO poll_votes (channel_id, bucket, message_id, answer_id, user_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT (message_id, answer_id, user_id) DO NOTHING',
          [ch, bucketOf(m), m, a, user],
        );
      }
      const change = { added, removed };
      if (added.length || removed.length) await writeOutbox(tx, opts, change);
      return change;
    });
  }

  async counts(channelId: Snowflake, messageIds: readonly Snowflake[], viewerId: Snowflake | null): Promise<Map<Snowflake, PollAnswerCount[]>> {
    const ch = id(channelId, 'channel_id');
    const viewer = optId(viewerId, 'viewer_id') ?? -1n;
    const out = new Map<Snowflake, PollAnswerCount[]>();
    for (const chunk of chunks([...new Set(ids(messageIds, 'messages'))], 400)) {
      const rows = await this.db.all(
        `SELECT message_id, answer_id, count(*) AS n, max(CASE WHEN user_id = ? THEN 1 ELSE 0 END) AS me
         FROM poll_votes WHERE channel_id = ? AND message_id IN (${marks(chunk.length)})
         GROUP BY message_id, answer_id ORDER BY message_id, answer_id`,
        [viewer, ch, ...chunk],
      );
      for (const r of rows) {
        const messageId = rs(r.message_id);
        const list = out.get(messageId) ?? [];
        list.push({ answerId: rn(r.answer_id), count: rn(r.n), me: rb(r.me) });
        out.set(messageId, list);
      }
    }
    return out;
  }

  async voters(channelId: Snowflake, messageId: Snowflake, answerId: number, opts: { after?: Snowflake; limit?: number } = {}): Promise<Snowflake[]> {
    const m = id(messageId, 'message_id');
    const rows = await this.db.all(
      'SELECT user_id FROM poll_votes WHERE channel_id = ? AND bucket = ? AND message_id = ? AND answer_id = ? AND user_id > ? ORDER BY user_id LIMIT ?',
      [
        id(channelId, 'channel_id'), bucketOf(m), m, int(answerId, 'answer_id'),
        opts.after === undefined ? 0n : id(opts.after, 'after'), pageLimit(opts.limit, PAGE_LIMITS.reactions),
      ],
    );
    return rows.map((r) => rs(r.user_id));
  }

  async dueEndings(now: number, limit: number): Promise<Array<{ channelId: Snowflake; messageId: Snowflake }>> {
    const rows = await this.db.all('SELECT channel_id, message_id FROM poll_endings WHERE ends_at <= ? ORDER BY ends_at LIMIT ?', [int(now, 'now'), int(limit, 'limit')]);
    return rows.map((r) => ({ channelId: rs(r.channel_id), messageId: rs(r.message_id) }));
  }

  async claimEnding(channelId: Snowflake, messageId: Snowflake, opts?: WithOutbox<boolean>): Promise<boolean> {
    return writeWithOutbox(this.db, opts, async (db) => {
      const { changes } = await db.run('DELETE FROM poll_endings WHERE channel_id = ? AND message_id = ?', [id(channelId, 'channel_id'), id(messageId, 'message_id')]);
      return changes > 0;
    }, (claimed) => claimed);
  }
}
