/** Threads (a channel row plus thread_metadata), thread members and forum settings; migrations 24 and 25. */
import { NotFoundError } from '../errors.ts';
import type { ChannelRecord, ForumSettingsRecord, ThreadMemberRecord, ThreadRecord, ThreadStore } from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { Row, SqlDriver, SqlValue } from './driver.ts';
import { channelFromRow, insertChannel } from './channels.ts';
import { bool, id, ids, int, marks, rb, rn, rnn, rs } from './values.ts';

function threadFromRow(r: Row): ThreadRecord {
  return {
    channelId: rs(r.channel_id),
    guildId: rs(r.guild_id),
    parentId: rs(r.parent_id),
    archived: rb(r.archived),
    autoArchiveDuration: rn(r.auto_archive_duration),
    archiveTimestamp: rn(r.archive_timestamp),
    locked: rb(r.locked),
    invitable: rb(r.invitable),
    createTimestamp: rn(r.create_timestamp),
    messageCount: rn(r.message_count),
    totalMessageSent: rn(r.total_message_sent),
    flags: rn(r.flags),
    appliedTags: JSON.parse(String(r.applied_tags)) as string[],
    lastActivityAt: rn(r.last_activity_at),
  };
}

function memberFromRow(r: Row): ThreadMemberRecord {
  return { channelId: rs(r.channel_id), userId: rs(r.user_id), joinTimestamp: rn(r.join_timestamp), flags: rn(r.flags) };
}

const MEMBER_COUNT = '(SELECT COUNT(*) FROM thread_members m WHERE m.channel_id = t.channel_id) AS member_count';

/**
 * A LIMIT written into the SQL text (an integer, checked) instead of bound. SQLite (3.53, bundled with
 * better-sqlite3) plans with a bound LIMIT's value, so it compiles the statement again each time that parameter is
 * bound, i.e. on every run: the active-thread read of an identify cost ~16 µs for a guild without threads (90 µs
 * in an identify storm) against ~1 µs with the literal. Callers pass a constant, so the text stays one.
 */
const literalLimit = (limit: number): string => `LIMIT ${int(limit, 'limit')}`;

type ActiveThread = { thread: ThreadRecord; channel: ChannelRecord; memberCount: number };

const ADD_MEMBER = 'INSERT INTO thread_members (channel_id, user_id, join_timestamp, flags) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING';

export class SqlThreadStore implements ThreadStore {
  constructor(private readonly db: SqlDriver) {}

  async create(channel: ChannelRecord, t: ThreadRecord, members: readonly ThreadMemberRecord[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await insertChannel(tx, channel);
      await tx.run(
        `INSERT INTO thread_metadata (channel_id, guild_id, parent_id, archived, auto_archive_duration, archive_timestamp, locked, invitable,
           create_timestamp, message_count, total_message_sent, flags, applied_tags, last_activity_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [id(t.channelId), id(t.guildId, 'guild_id'), id(t.parentId, 'parent_id'), bool(t.archived, 'archived'), int(t.autoArchiveDuration, 'auto_archive_duration'),
          int(t.archiveTimestamp, 'archive_timestamp'), bool(t.locked, 'locked'), bool(t.invitable, 'invitable'), int(t.createTimestamp, 'create_timestamp'),
          int(t.messageCount, 'message_count'), int(t.totalMessageSent, 'total_message_sent'), int(t.flags, 'flags'), JSON.stringify(ids(t.appliedTags, 'applied_tags').map(String)),
          int(t.lastActivityAt, 'last_activity_at')],
      );
      for (const m of members) await tx.run(ADD_MEMBER, [id(m.channelId), id(m.userId, 'user_id'), int(m.joinTimestamp, 'join_timestamp'), int(m.flags, 'flags')]);
    });
  }

  async get(channelId: Snowflake): Promise<ThreadRecord | null> {
    const row = await this.db.get('SELECT * FROM thread_metadata WHERE channel_id = ?', [id(channelId)]);
    return row ? threadFromRow(row) : null;
  }

  async getMany(channelIds: readonly Snowflake[]): Promise<ThreadRecord[]> {
    if (channelIds.length === 0) return [];
    const keys = ids(channelIds, 'channel_id');
    const rows = await this.db.all(`SELECT * FROM thread_metadata WHERE channel_id IN (${keys.map(() => '?').join(', ')})`, keys);
    return rows.map(threadFromRow);
  }

  async update(channelId: Snowflake, patch: Parameters<ThreadStore['update']>[1]): Promise<ThreadRecord> {
    const sets: string[] = [];
    const params: SqlValue[] = [];
    const put = (col: string, v: SqlValue) => (sets.push(`${col} = ?`), params.push(v));
    if (patch.archived !== undefined) put('archived', bool(patch.archived, 'archived'));
    if (patch.autoArchiveDuration !== undefined) put('auto_archive_duration', int(patch.autoArchiveDuration, 'auto_archive_duration'));
    if (patch.archiveTimestamp !== undefined) put('archive_timestamp', int(patch.archiveTimestamp, 'archive_timestamp'));
    if (patch.locked !== undefined) put('locked', bool(patch.locked, 'locked'));
    if (patch.invitable !== undefined) put('invitable', bool(patch.invitable, 'invitable'));
    if (patch.flags !== undefined) put('flags', int(patch.flags, 'flags'));
    if (patch.appliedTags !== undefined) put('applied_tags', JSON.stringify(ids(patch.appliedTags, 'applied_tags').map(String)));
    // Unarchiving counts as activity: the auto-archive clock starts again.
    if (patch.archived === false && patch.archiveTimestamp !== undefined) put('last_activity_at', patch.archiveTimestamp);
    const key = id(channelId);
    if (sets.length) await this.db.run(`UPDATE thread_metadata SET ${sets.join(', ')} WHERE channel_id = ?`, [...params, key]);
    const t = await this.get(channelId);
    if (!t) throw new NotFoundError('channel', channelId);
    return t;
  }

  async messageSent(channelId: Snowflake, now: number): Promise<ThreadRecord | null> {
    const row = await this.db.get(
      `UPDATE thread_metadata SET message_count = message_count + 1, total_message_sent = total_message_sent + 1, last_activity_at = ?,
         archive_timestamp = CASE WHEN archived = 1 THEN ? ELSE archive_timestamp END, archived = 0 WHERE channel_id = ? RETURNING *`,
      [int(now, 'now'), now, id(channelId)],
    );
    return row ? threadFromRow(row) : null;
  }

  async messagesDeleted(channelId: Snowflake, count: number): Promise<void> {
    const n = int(count, 'count');
    if (n <= 0) return;
    await this.db.run('UPDATE thread_metadata SET message_count = CASE WHEN message_count > ? THEN message_count - ? ELSE 0 END WHERE channel_id = ?', [n, n, id(channelId)]);
  }

  async listActive(guildId: Snowflake): Promise<ThreadRecord[]> {
    const rows = await this.db.all('SELECT * FROM thread_metadata WHERE guild_id = ? AND archived = 0 ORDER BY channel_id DESC', [id(guildId, 'guild_id')]);
    return rows.map(threadFromRow);
  }

  async listActiveDetailed(guildId: Snowflake, limit: number): Promise<ActiveThread[]> {
    const rows = await this.db.all(
      `SELECT t.*, ${MEMBER_COUNT} FROM thread_metadata t WHERE t.guild_id = ? AND t.archived = 0 ORDER BY t.channel_id DESC ${literalLimit(limit)}`,
      [id(guildId, 'guild_id')],
    );
    return this.#withChannels(rows);
  }

  async listActiveDetailedIn(parentIds: readonly Snowflake[], limit: number): Promise<ActiveThread[]> {
    if (parentIds.length === 0) return [];
    const parents = ids([...new Set(parentIds)], 'parent_id');
    // By parent (thread_metadata_parent: parent_id, archived), not by guild: only the parents' active threads are read.
    const rows = await this.db.all(
      `SELECT t.*, ${MEMBER_COUNT} FROM thread_metadata t WHERE t.parent_id IN (${marks(parents.length)}) AND t.archived = 0 ORDER BY t.channel_id DESC ${literalLimit(limit)}`,
      parents,
    );
    return this.#withChannels(rows);
  }

  /** Thread rows (with member_count) paired with their channel rows, in one more read; order kept. */
  async #withChannels(rows: Row[]): Promise<ActiveThread[]> {
    if (rows.length === 0) return [];
    const keys = ids(rows.map((r) => rs(r.channel_id)), 'channel_id');
    const channels = new Map(
      (await this.db.all(`SELECT * FROM channels WHERE id IN (${keys.map(() => '?').join(', ')})`, keys)).map((r) => {
        const c = channelFromRow(r);
        return [c.id, c] as const;
      }),
    );
    const out: ActiveThread[] = [];
    for (const r of rows) {
      const thread = threadFromRow(r);
      const channel = channels.get(thread.channelId);
      if (channel) out.push({ thread, channel, memberCount: rn(r.member_count) });
    }
    return out;
  }

  async listByGuild(guildId: Snowflake): Promise<Array<ThreadRecord & { type: number }>> {
    const rows = await this.db.all(
      'SELECT t.*, c.type AS channel_type FROM thread_metadata t JOIN channels c ON c.id = t.channel_id WHERE t.guild_id = ? ORDER BY t.channel_id DESC',
      [id(guildId, 'guild_id')],
    );
    return rows.map((r) => ({ ...threadFromRow(r), type: rn(r.channel_type) }));
  }

  async listArchived(parentId: Snowflake, types: readonly number[], before: number | null, limit: number, memberId?: Snowflake): Promise<ThreadRecord[]> {
    const params: SqlValue[] = [id(parentId, 'parent_id'), ...types.map((t) => int(t, 'type'))];
    let sql = `SELECT t.* FROM thread_metadata t JOIN channels c ON c.id = t.channel_id
      WHERE t.parent_id = ? AND t.archived = 1 AND c.type IN (${types.map(() => '?').join(', ')})`;
    if (before !== null) (sql += ' AND t.archive_timestamp < ?', params.push(int(before, 'before')));
    if (memberId !== undefined) (sql += ' AND EXISTS (SELECT 1 FROM thread_members m WHERE m.channel_id = t.channel_id AND m.user_id = ?)', params.push(id(memberId, 'user_id')));
    sql += ' ORDER BY t.archive_timestamp DESC, t.channel_id DESC LIMIT ?';
    params.push(int(limit, 'limit'));
    return (await this.db.all(sql, params)).map(threadFromRow);
  }

  async dueArchives(now: number, minuteMs: number, limit: number): Promise<ThreadRecord[]> {
    const rows = await this.db.all(
      'SELECT * FROM thread_metadata WHERE archived = 0 AND last_activity_at + auto_archive_duration * ? <= ? ORDER BY last_activity_at LIMIT ?',
      [int(minuteMs, 'minute_ms'), int(now, 'now'), int(limit, 'limit')],
    );
    return rows.map(threadFromRow);
  }

  async autoArchive(channelId: Snowflake, lastActivityAt: number, now: number): Promise<ThreadRecord | null> {
    const row = await this.db.get(
      'UPDATE thread_metadata SET archived = 1, archive_timestamp = ? WHERE channel_id = ? AND archived = 0 AND last_activity_at = ? RETURNING *',
      [int(now, 'now'), id(channelId), int(lastActivityAt, 'last_activity_at')],
    );
    return row ? threadFromRow(row) : null;
  }

  async addMember(m: ThreadMemberRecord): Promise<boolean> {
    const { changes } = await this.db.run(ADD_MEMBER, [id(m.channelId), id(m.userId, 'user_id'), int(m.joinTimestamp, 'join_timestamp'), int(m.flags, 'flags')], { fk: 'channel' });
    return changes > 0;
  }

  async removeMember(channelId: Snowflake, userId: Snowflake): Promise<boolean> {
    const { changes } = await this.db.run('DELETE FROM thread_members WHERE channel_id = ? AND user_id = ?', [id(channelId), id(userId, 'user_id')]);
    return changes > 0;
  }

  async getMember(channelId: Snowflake, userId: Snowflake): Promise<ThreadMemberRecord | null> {
    const row = await this.db.get('SELECT * FROM thread_members WHERE channel_id = ? AND user_id = ?', [id(channelId), id(userId, 'user_id')]);
    return row ? memberFromRow(row) : null;
  }

  async listMembers(channelId: Snowflake, after: Snowflake | null, limit: number): Promise<ThreadMemberRecord[]> {
    const rows = await this.db.all(
      'SELECT * FROM thread_members WHERE channel_id = ? AND user_id > ? ORDER BY user_id LIMIT ?',
      [id(channelId), after === null ? 0n : id(after, 'after'), int(limit, 'limit')],
    );
    return rows.map(memberFromRow);
  }

  async countMembers(channelId: Snowflake): Promise<number> {
    const row = await this.db.get('SELECT COUNT(*) AS n FROM thread_members WHERE channel_id = ?', [id(channelId)]);
    return rn(row?.n ?? 0);
  }

  async membershipsOf(userId: Snowflake, channelIds: readonly Snowflake[]): Promise<ThreadMemberRecord[]> {
    if (channelIds.length === 0) return [];
    const keys = ids(channelIds, 'channel_id');
    const rows = await this.db.all(
      `SELECT * FROM thread_members WHERE user_id = ? AND channel_id IN (${keys.map(() => '?').join(', ')})`,
      [id(userId, 'user_id'), ...keys],
    );
    return rows.map(memberFromRow);
  }

  async getForum(channelId: Snowflake): Promise<ForumSettingsRecord | null> {
    const r = await this.db.get('SELECT * FROM forum_settings WHERE channel_id = ?', [id(channelId)]);
    if (!r) return null;
    return {
      channelId: rs(r.channel_id),
      availableTags: JSON.parse(String(r.available_tags)),
      defaultReactionEmoji: r.default_reaction_emoji == null ? null : JSON.parse(String(r.default_reaction_emoji)),
      defaultThreadRateLimitPerUser: rn(r.default_thread_rate_limit_per_user),
      defaultAutoArchiveDuration: rnn(r.default_auto_archive_duration),
      defaultSortOrder: rnn(r.default_sort_order),
      defaultForumLayout: rn(r.default_forum_layout),
      ...(r.flags != null && rn(r.flags) !== 0 ? { flags: rn(r.flags) } : {}),
    };
  }

  async putForum(f: ForumSettingsRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO forum_settings (channel_id, available_tags, default_reaction_emoji, default_thread_rate_limit_per_user, default_auto_archive_duration,
         default_sort_order, default_forum_layout, flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (channel_id) DO UPDATE SET available_tags = excluded.available_tags, default_reaction_emoji = excluded.default_reaction_emoji,
         default_thread_rate_limit_per_user = excluded.default_thread_rate_limit_per_user, default_auto_archive_duration = excluded.default_auto_archive_duration,
         default_sort_order = excluded.default_sort_order, default_forum_layout = excluded.default_forum_layout, flags = excluded.flags`,
      [id(f.channelId), JSON.stringify(f.availableTags), f.defaultReactionEmoji ? JSON.stringify(f.defaultReactionEmoji) : null,
        int(f.defaultThreadRateLimitPerUser, 'default_thread_rate_limit_per_user'), f.defaultAutoArchiveDuration === null ? null : int(f.defaultAutoArchiveDuration, 'default_auto_archive_duration'),
        f.defaultSortOrder === null ? null : int(f.defaultSortOrder, 'default_sort_order'), int(f.defaultForumLayout, 'default_forum_layout'), int(f.flags ?? 0, 'flags')],
      { fk: 'channel' },
    );
  }
}
