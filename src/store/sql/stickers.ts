/** Guild stickers (types.ts GuildStickerStore). */
import type { GuildStickerRecord, GuildStickerStore, StickerFormatValue } from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { Row, SqlDriver } from './driver.ts';
import { chunks, id, int, marks, optId, optText, rn, rs, rsn, setClause, text } from './values.ts';

function stickerFromRow(r: Row): GuildStickerRecord {
  return {
    id: rs(r.id),
    guildId: rs(r.guild_id),
    name: rs(r.name),
    description: rsn(r.description),
    tags: rs(r.tags),
    formatType: rn(r.format_type) as StickerFormatValue,
    userId: rsn(r.user_id),
    createdAt: rn(r.created_at),
  };
}

export class SqlGuildStickerStore implements GuildStickerStore {
  constructor(private readonly db: SqlDriver) {}

  async create(s: GuildStickerRecord): Promise<GuildStickerRecord> {
    await this.db.run(
      'INSERT INTO guild_stickers (id, guild_id, name, description, tags, format_type, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [
        id(s.id), id(s.guildId, 'guild_id'), text(s.name, 'shortText', 'name'), optText(s.description, 'shortText', 'description'),
        text(s.tags, 'shortText', 'tags'), int(s.formatType, 'format_type'), optId(s.userId, 'user_id'), int(s.createdAt, 'created_at'),
      ],
      { fk: 'guild' },
    );
    return (await this.get(s.id))!;
  }

  async get(stickerId: Snowflake): Promise<GuildStickerRecord | null> {
    const row = await this.db.get('SELECT * FROM guild_stickers WHERE id = ?', [id(stickerId)]);
    return row ? stickerFromRow(row) : null;
  }

  async getMany(stickerIds: readonly Snowflake[]): Promise<GuildStickerRecord[]> {
    const out: GuildStickerRecord[] = [];
    for (const part of chunks([...new Set(stickerIds)])) {
      const rows = await this.db.all(`SELECT * FROM guild_stickers WHERE id IN (${marks(part.length)}) ORDER BY id`, part.map((s) => id(s)));
      out.push(...rows.map(stickerFromRow));
    }
    return out;
  }

  async listByGuild(guildId: Snowflake): Promise<GuildStickerRecord[]> {
    const rows = await this.db.all('SELECT * FROM guild_stickers WHERE guild_id = ? ORDER BY id', [id(guildId, 'guild_id')]);
    return rows.map(stickerFromRow);
  }

  async update(stickerId: Snowflake, patch: Partial<Pick<GuildStickerRecord, 'name' | 'description' | 'tags'>>): Promise<GuildStickerRecord | null> {
    const set = setClause(patch, {
      name: ['name', (v) => text(v, 'shortText', 'name')],
      description: ['description', (v) => optText(v, 'shortText', 'description')],
      tags: ['tags', (v) => text(v, 'shortText', 'tags')],
    });
    if (set.sql) await this.db.run(`UPDATE guild_stickers SET ${set.sql} WHERE id = ?`, [...set.params, id(stickerId)]);
    return this.get(stickerId);
  }

  async delete(stickerId: Snowflake): Promise<boolean> {
    const { changes } = await this.db.run('DELETE FROM guild_stickers WHERE id = ?', [id(stickerId)]);
    return changes > 0;
  }
}
