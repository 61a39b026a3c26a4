/** Guild scheduled events and their interested users (types.ts ScheduledEventStore, migration 34). */
import { NotFoundError } from '../errors.ts';
import type { ScheduledEventRecord, ScheduledEventStatus, ScheduledEventStore } from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { Row, SqlDriver, SqlValue } from './driver.ts';
import { chunks, id, ids, int, marks, optId, optInt, optText, pageLimit, rj, rn, rnn, rs, rsn, setClause, text } from './values.ts';
import { idsAmong } from './ids-among.ts';

/** Discord's statuses of an event still to come or running. */
const UNCOMPLETED = [1, 2];
const USER_PAGE = { min: 1, max: 100, default: 100 };

function eventFromRow(r: Row): ScheduledEventRecord {
  return {
    id: rs(r.id),
    guildId: rs(r.guild_id),
    channelId: rsn(r.channel_id),
    creatorId: rsn(r.creator_id),
    name: rs(r.name),
    description: rsn(r.description),
    scheduledStartTime: rn(r.scheduled_start_time),
    scheduledEndTime: rnn(r.scheduled_end_time),
    privacyLevel: rn(r.privacy_level),
    status: rn(r.status) as ScheduledEventStatus,
    entityType: rn(r.entity_type),
    location: rj<{ location?: string } | null>(r.entity_metadata, null)?.location ?? null,
  };
}

const metadata = (location: string | null | undefined): string | null => (location == null ? null : JSON.stringify({ location: text(location, 'eventName', 'location') }));

export class SqlScheduledEventStore implements ScheduledEventStore {
  constructor(private readonly db: SqlDriver) {}

  async create(e: ScheduledEventRecord): Promise<ScheduledEventRecord> {
    await this.db.run(
      `INSERT INTO guild_scheduled_events (id, guild_id, channel_id, creator_id, name, description, scheduled_start_time, scheduled_end_time,
         privacy_level, status, entity_type, entity_metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        id(e.id), id(e.guildId, 'guild_id'), optId(e.channelId, 'channel_id'), optId(e.creatorId, 'creator_id'), text(e.name, 'eventName', 'name'),
        optText(e.description, 'eventDescription', 'description'), int(e.scheduledStartTime, 'scheduled_start_time'),
        optInt(e.scheduledEndTime, 'scheduled_end_time'), int(e.privacyLevel, 'privacy_level'), int(e.status, 'status'),
        int(e.entityType, 'entity_type'), metadata(e.location),
      ],
      { fk: 'guild' },
    );
    return (await this.get(e.guildId, e.id))!;
  }

  async get(guildId: Snowflake, eventId: Snowflake): Promise<ScheduledEventRecord | null> {
    const row = await this.db.get('SELECT * FROM guild_scheduled_events WHERE id = ? AND guild_id = ?', [id(eventId), id(guildId, 'guild_id')]);
    return row ? eventFromRow(row) : null;
  }

  async listByGuild(guildId: Snowflake): Promise<ScheduledEventRecord[]> {
    const rows = await this.db.all('SELECT * FROM guild_scheduled_events WHERE guild_id = ? ORDER BY id', [id(guildId, 'guild_id')]);
    return rows.map(eventFromRow);
  }

  async countUncompleted(guildId: Snowflake): Promise<number> {
    const row = await this.db.get(`SELECT count(*) AS n FROM guild_scheduled_events WHERE guild_id = ? AND status IN (${marks(UNCOMPLETED.length)})`, [id(guildId, 'guild_id'), ...UNCOMPLETED]);
    return rn(row?.n ?? 0);
  }

  async update(guildId: Snowflake, eventId: Snowflake, patch: Partial<Omit<ScheduledEventRecord, 'id' | 'guildId' | 'creatorId'>>, opts: { ifStatus?: number } = {}): Promise<ScheduledEventRecord | null> {
    const set = setClause(patch, {
      channelId: ['channel_id', (v) => optId(v, 'channel_id')],
      name: ['name', (v) => text(v, 'eventName', 'name')],
      description: ['description', (v) => optText(v, 'eventDescription', 'description')],
      scheduledStartTime: ['scheduled_start_time', (v) => int(v, 'scheduled_start_time')],
      scheduledEndTime: ['scheduled_end_time', (v) => optInt(v, 'scheduled_end_time')],
      privacyLevel: ['privacy_level', (v) => int(v, 'privacy_level')],
      status: ['status', (v) => int(v, 'status')],
      entityType: ['entity_type', (v) => int(v, 'entity_type')],
      location: ['entity_metadata', (v) => metadata(v)],
    });
    const guard = opts.ifStatus !== undefined ? ' AND status = ?' : '';
    const guardParams = opts.ifStatus !== undefined ? [int(opts.ifStatus, 'status')] : [];
    if (set.sql) {
      const { changes } = await this.db.run(`UPDATE guild_scheduled_events SET ${set.sql} WHERE id = ? AND guild_id = ?${guard}`, [...set.params, id(eventId), id(guildId, 'guild_id'), ...guardParams]);
      if (changes === 0 && guard) return null;
    }
    return this.get(guildId, eventId);
  }

  async delete(guildId: Snowflake, eventId: Snowflake): Promise<boolean> {
    const { changes } = await this.db.run('DELETE FROM guild_scheduled_events WHERE id = ? AND guild_id = ?', [id(eventId), id(guildId, 'guild_id')]);
    return changes > 0;
  }

  async addUser(eventId: Snowflake, userId: Snowflake): Promise<boolean> {
    const e = id(eventId);
    const u = id(userId, 'user_id');
    // One statement: an event deleted meanwhile adds nobody, and a second add is a no-op, on both databases.
    const { changes } = await this.db.run(
      `INSERT INTO guild_scheduled_event_users (event_id, user_id) SELECT id, ? FROM guild_scheduled_events WHERE id = ?
       AND NOT EXISTS (SELECT 1 FROM guild_scheduled_event_users WHERE event_id = ? AND user_id = ?)`,
      [u, e, e, u],
    );
    if (changes > 0) return true;
    if (!(await this.db.get('SELECT 1 AS x FROM guild_scheduled_events WHERE id = ?', [e]))) throw new NotFoundError('scheduled_event', eventId);
    return false;
  }

  async removeUser(eventId: Snowflake, userId: Snowflake): Promise<boolean> {
    const { changes } = await this.db.run('DELETE FROM guild_scheduled_event_users WHERE event_id = ? AND user_id = ?', [id(eventId), id(userId, 'user_id')]);
    return changes > 0;
  }

  async listUsers(eventId: Snowflake, page: { before?: Snowflake; after?: Snowflake; limit?: number } = {}): Promise<Snowflake[]> {
    const where = ['event_id = ?'];
    const params: SqlValue[] = [id(eventId)];
    if (page.after !== undefined) (where.push('user_id > ?'), params.push(id(page.after, 'after')));
    if (page.before !== undefined) (where.push('user_id < ?'), params.push(id(page.before, 'before')));
    // `before` alone pages backwards: the newest ids below it, returned ascending.
    const backwards = page.before !== undefined && page.after === undefined;
    const rows = await this.db.all(
      `SELECT user_id FROM guild_scheduled_event_users WHERE ${where.join(' AND ')} ORDER BY user_id ${backwards ? 'DESC' : 'ASC'} LIMIT ?`,
      [...params, pageLimit(page.limit, USER_PAGE)],
    );
    const out = rows.map((r) => rs(r.user_id));
    return backwards ? out.reverse() : out;
  }

  async countUsers(eventIds: readonly Snowflake[]): Promise<Map<Snowflake, number>> {
    const out = new Map<Snowflake, number>();
    for (const part of chunks(ids([...new Set(eventIds)], 'event_id'))) {
      const rows = await this.db.all(`SELECT event_id, count(*) AS n FROM guild_scheduled_event_users WHERE event_id IN (${marks(part.length)}) GROUP BY event_id`, part);
      for (const r of rows) out.set(rs(r.event_id), rn(r.n));
    }
    return out;
  }

  async interestedIn(userId: Snowflake, eventIds: readonly Snowflake[]): Promise<Set<Snowflake>> {
    return new Set(await idsAmong(this.db, { table: 'guild_scheduled_event_users', column: 'event_id', where: ['user_id', userId] }, eventIds));
  }
}
