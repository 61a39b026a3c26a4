/** Guild soundboard sounds (types.ts GuildSoundStore). */
import type { GuildSoundRecord, GuildSoundStore } from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import { InvalidInputError } from '../errors.ts';
import type { Row, SqlDriver } from './driver.ts';
import { id, int, optId, optText, rn, rs, rsn, setClause, text } from './values.ts';

function soundFromRow(r: Row): GuildSoundRecord {
  return {
    id: rs(r.id),
    guildId: rs(r.guild_id),
    name: rs(r.name),
    volume: rn(r.volume),
    emojiId: rsn(r.emoji_id),
    emojiName: rsn(r.emoji_name),
    userId: rsn(r.user_id),
    createdAt: rn(r.created_at),
  };
}

/** A volume: a finite number from 0 to 1. */
function volume(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) throw new InvalidInputError('volume', 'not a number from 0 to 1');
  return v;
}

export class SqlGuildSoundStore implements GuildSoundStore {
  constructor(private readonly db: SqlDriver) {}

  async create(s: GuildSoundRecord): Promise<GuildSoundRecord> {
    await this.db.run(
      'INSERT INTO guild_soundboard_sounds (id, guild_id, name, volume, emoji_id, emoji_name, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [
        id(s.id), id(s.guildId, 'guild_id'), text(s.name, 'shortText', 'name'), volume(s.volume), optId(s.emojiId, 'emoji_id'),
        optText(s.emojiName, 'shortText', 'emoji_name'), optId(s.userId, 'user_id'), int(s.createdAt, 'created_at'),
      ],
      { fk: 'guild' },
    );
    return (await this.get(s.id))!;
  }

  async get(soundId: Snowflake): Promise<GuildSoundRecord | null> {
    const row = await this.db.get('SELECT * FROM guild_soundboard_sounds WHERE id = ?', [id(soundId)]);
    return row ? soundFromRow(row) : null;
  }

  async listByGuild(guildId: Snowflake): Promise<GuildSoundRecord[]> {
    const rows = await this.db.all('SELECT * FROM guild_soundboard_sounds WHERE guild_id = ? ORDER BY id', [id(guildId, 'guild_id')]);
    return rows.map(soundFromRow);
  }

  async update(soundId: Snowflake, patch: Partial<Pick<GuildSoundRecord, 'name' | 'volume' | 'emojiId' | 'emojiName'>>): Promise<GuildSoundRecord | null> {
    const set = setClause(patch, {
      name: ['name', (v) => text(v, 'shortText', 'name')],
      volume: ['volume', (v) => volume(v)],
      emojiId: ['emoji_id', (v) => optId(v, 'emoji_id')],
      emojiName: ['emoji_name', (v) => optText(v, 'shortText', 'emoji_name')],
    });
    if (set.sql) await this.db.run(`UPDATE guild_soundboard_sounds SET ${set.sql} WHERE id = ?`, [...set.params, id(soundId)]);
    return this.get(soundId);
  }

  async delete(soundId: Snowflake): Promise<boolean> {
    const { changes } = await this.db.run('DELETE FROM guild_soundboard_sounds WHERE id = ?', [id(soundId)]);
    return changes > 0;
  }
}
