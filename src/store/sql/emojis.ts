/** Custom guild emoji (types.ts GuildEmojiStore). */
import type { GuildEmojiRecord, GuildEmojiStore } from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { Row, SqlDriver } from './driver.ts';
import { bool, chunks, id, ids, int, jsonArray, marks, optId, rb, rj, rn, rs, rsn, setClause, text } from './values.ts';

function emojiFromRow(r: Row): GuildEmojiRecord {
  return {
    id: rs(r.id),
    guildId: rs(r.guild_id),
    name: rs(r.name),
    roles: rj<string[]>(r.roles, []).map(String),
    userId: rsn(r.user_id),
    animated: rb(r.animated),
    createdAt: rn(r.created_at),
  };
}

const roleList = (v: unknown): string => {
  ids(v as unknown[], 'roles');
  return jsonArray(v, 'roles');
};

export class SqlGuildEmojiStore implements GuildEmojiStore {
  constructor(private readonly db: SqlDriver) {}

  async create(e: GuildEmojiRecord): Promise<GuildEmojiRecord> {
    await this.db.run(
      'INSERT INTO guild_emojis (id, guild_id, name, roles, user_id, animated, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [id(e.id), id(e.guildId, 'guild_id'), text(e.name, 'shortText', 'name'), roleList(e.roles), optId(e.userId, 'user_id'), bool(e.animated, 'animated'), int(e.createdAt, 'created_at')],
      { fk: 'guild' },
    );
    return (await this.get(e.id))!;
  }

  async get(emojiId: Snowflake): Promise<GuildEmojiRecord | null> {
    const row = await this.db.get('SELECT * FROM guild_emojis WHERE id = ?', [id(emojiId)]);
    return row ? emojiFromRow(row) : null;
  }

  /** One query per chunk of 500 ids; the ids are sorted first so the result is ascending across chunks too. */
  async getMany(emojiIds: readonly Snowflake[]): Promise<GuildEmojiRecord[]> {
    const wanted = [...new Set(ids(emojiIds, 'id'))].sort((a, b) => (a < b ? -1 : 1));
    const out: GuildEmojiRecord[] = [];
    for (const chunk of chunks(wanted)) {
      const rows = await this.db.all(`SELECT * FROM guild_emojis WHERE id IN (${marks(chunk.length)}) ORDER BY id`, chunk);
      out.push(...rows.map(emojiFromRow));
    }
    return out;
  }

  async listByGuild(guildId: Snowflake): Promise<GuildEmojiRecord[]> {
    const rows = await this.db.all('SELECT * FROM guild_emojis WHERE guild_id = ? ORDER BY id', [id(guildId, 'guild_id')]);
    return rows.map(emojiFromRow);
  }

  async update(emojiId: Snowflake, patch: Partial<Pick<GuildEmojiRecord, 'name' | 'roles'>>): Promise<GuildEmojiRecord | null> {
    const set = setClause(patch, {
      name: ['name', (v) => text(v, 'shortText', 'name')],
      roles: ['roles', roleList],
    });
    if (set.sql) await this.db.run(`UPDATE guild_emojis SET ${set.sql} WHERE id = ?`, [...set.params, id(emojiId)]);
    return this.get(emojiId);
  }

  async delete(emojiId: Snowflake): Promise<boolean> {
    const { changes } = await this.db.run('DELETE FROM guild_emojis WHERE id = ?', [id(emojiId)]);
    return changes > 0;
  }
}
