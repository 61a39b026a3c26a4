/** Guild templates (types.ts GuildTemplateStore, migration 36). */
import type { GuildTemplateRecord, GuildTemplateStore } from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { Row, SqlDriver } from './driver.ts';
import { id, int, json, optText, rj, rn, rs, rsn, setClause, text } from './values.ts';

function templateFromRow(r: Row): GuildTemplateRecord {
  return {
    code: rs(r.code),
    guildId: rs(r.guild_id),
    name: rs(r.name),
    description: rsn(r.description),
    usageCount: rn(r.usage_count),
    creatorId: rs(r.creator_id),
    createdAt: rn(r.created_at),
    updatedAt: rn(r.updated_at),
    snapshot: rj<Record<string, unknown>>(r.snapshot, {}),
  };
}

export class SqlGuildTemplateStore implements GuildTemplateStore {
  constructor(private readonly db: SqlDriver) {}

  async create(t: GuildTemplateRecord): Promise<GuildTemplateRecord> {
    await this.db.run(
      `INSERT INTO guild_templates (code, guild_id, name, description, usage_count, creator_id, created_at, updated_at, snapshot)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        text(t.code, 'templateCode', 'code'), id(t.guildId, 'guild_id'), text(t.name, 'templateName', 'name'),
        optText(t.description, 'templateDescription', 'description'), int(t.usageCount, 'usage_count'), id(t.creatorId, 'creator_id'),
        int(t.createdAt, 'created_at'), int(t.updatedAt, 'updated_at'), json(t.snapshot, 'snapshot'),
      ],
      { fk: 'guild' },
    );
    return (await this.get(t.code))!;
  }

  async get(code: string): Promise<GuildTemplateRecord | null> {
    if (typeof code !== 'string' || code.length > 32) return null;
    const row = await this.db.get('SELECT * FROM guild_templates WHERE code = ?', [code]);
    return row ? templateFromRow(row) : null;
  }

  async listByGuild(guildId: Snowflake): Promise<GuildTemplateRecord[]> {
    const rows = await this.db.all('SELECT * FROM guild_templates WHERE guild_id = ? ORDER BY created_at, code', [id(guildId, 'guild_id')]);
    return rows.map(templateFromRow);
  }

  async update(guildId: Snowflake, code: string, patch: Partial<Pick<GuildTemplateRecord, 'name' | 'description' | 'snapshot' | 'updatedAt'>>): Promise<GuildTemplateRecord | null> {
    const set = setClause(patch, {
      name: ['name', (v) => text(v, 'templateName', 'name')],
      description: ['description', (v) => optText(v, 'templateDescription', 'description')],
      snapshot: ['snapshot', (v) => json(v, 'snapshot')],
      updatedAt: ['updated_at', (v) => int(v, 'updated_at')],
    });
    if (set.sql) await this.db.run(`UPDATE guild_templates SET ${set.sql} WHERE code = ? AND guild_id = ?`, [...set.params, code, id(guildId, 'guild_id')]);
    const t = await this.get(code);
    return t && t.guildId === guildId ? t : null;
  }

  async delete(guildId: Snowflake, code: string): Promise<GuildTemplateRecord | null> {
    const t = await this.get(code);
    if (!t || t.guildId !== guildId) return null;
    const { changes } = await this.db.run('DELETE FROM guild_templates WHERE code = ? AND guild_id = ?', [code, id(guildId, 'guild_id')]);
    return changes > 0 ? t : null;
  }

  async countUse(code: string): Promise<void> {
    await this.db.run('UPDATE guild_templates SET usage_count = usage_count + 1 WHERE code = ?', [code]);
  }
}
