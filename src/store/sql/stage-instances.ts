/** Open stages (types.ts StageInstanceStore). */
import type { StageInstanceRecord, StageInstanceStore } from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import { InvalidInputError } from '../errors.ts';
import type { Row, SqlDriver } from './driver.ts';
import { id, optId, rn, rs, rsn, setClause, text } from './values.ts';

function stageFromRow(r: Row): StageInstanceRecord {
  return {
    id: rs(r.id),
    guildId: rs(r.guild_id),
    channelId: rs(r.channel_id),
    topic: rs(r.topic),
    privacyLevel: rn(r.privacy_level),
    scheduledEventId: rsn(r.scheduled_event_id),
  };
}

/** A topic: 1–120 characters, as Discord allows. */
function topic(v: unknown): string {
  const t = text(v, 'shortText', 'topic');
  if (t.length < 1 || t.length > 120) throw new InvalidInputError('topic', 'length must be 1–120');
  return t;
}

function privacyLevel(v: unknown): number {
  if (v !== 2) throw new InvalidInputError('privacy_level', 'must be 2 (GUILD_ONLY)');
  return v;
}

export class SqlStageInstanceStore implements StageInstanceStore {
  constructor(private readonly db: SqlDriver) {}

  async create(s: StageInstanceRecord): Promise<StageInstanceRecord> {
    await this.db.run(
      'INSERT INTO stage_instances (id, guild_id, channel_id, topic, privacy_level, scheduled_event_id) VALUES (?, ?, ?, ?, ?, ?)',
      [id(s.id), id(s.guildId, 'guild_id'), id(s.channelId, 'channel_id'), topic(s.topic), privacyLevel(s.privacyLevel), optId(s.scheduledEventId, 'scheduled_event_id')],
      { fk: 'channel' },
    );
    return (await this.getByChannel(s.channelId))!;
  }

  async getByChannel(channelId: Snowflake): Promise<StageInstanceRecord | null> {
    const row = await this.db.get('SELECT * FROM stage_instances WHERE channel_id = ?', [id(channelId, 'channel_id')]);
    return row ? stageFromRow(row) : null;
  }

  async listByGuild(guildId: Snowflake): Promise<StageInstanceRecord[]> {
    const rows = await this.db.all('SELECT * FROM stage_instances WHERE guild_id = ? ORDER BY id', [id(guildId, 'guild_id')]);
    return rows.map(stageFromRow);
  }

  async update(channelId: Snowflake, patch: Partial<Pick<StageInstanceRecord, 'topic' | 'privacyLevel'>>): Promise<StageInstanceRecord | null> {
    const set = setClause(patch, { topic: ['topic', topic], privacyLevel: ['privacy_level', privacyLevel] });
    if (set.sql) await this.db.run(`UPDATE stage_instances SET ${set.sql} WHERE channel_id = ?`, [...set.params, id(channelId, 'channel_id')]);
    return this.getByChannel(channelId);
  }

  async delete(channelId: Snowflake, opts: { id?: Snowflake } = {}): Promise<StageInstanceRecord | null> {
    return this.db.transaction(async (tx) => {
      const row = await tx.get('SELECT * FROM stage_instances WHERE channel_id = ?', [id(channelId, 'channel_id')]);
      if (!row || (opts.id !== undefined && rs(row.id) !== opts.id)) return null;
      await tx.run('DELETE FROM stage_instances WHERE id = ?', [row.id as bigint]);
      return stageFromRow(row);
    });
  }
}
