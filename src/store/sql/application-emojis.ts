/** Emoji owned by applications (types.ts ApplicationEmojiStore). */
import type { ApplicationEmojiRecord, ApplicationEmojiStore } from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { Row, SqlDriver } from './driver.ts';
import { bool, chunks, id, ids, int, marks, optId, rb, rn, rs, rsn, text } from './values.ts';

function emojiFromRow(r: Row): ApplicationEmojiRecord {
  return {
    id: rs(r.id),
    applicationId: rs(r.application_id),
    name: rs(r.name),
    userId: rsn(r.user_id),
    animated: rb(r.animated),
    createdAt: rn(r.created_at),
  };
}

export class SqlApplicationEmojiStore implements ApplicationEmojiStore {
  constructor(private readonly db: SqlDriver) {}

  async create(e: ApplicationEmojiRecord): Promise<ApplicationEmojiRecord> {
    await this.db.run(
      'INSERT INTO application_emojis (id, application_id, name, user_id, animated, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      [id(e.id), id(e.applicationId, 'application_id'), text(e.name, 'shortText', 'name'), optId(e.userId, 'user_id'), bool(e.animated, 'animated'), int(e.createdAt, 'created_at')],
      { fk: 'application' },
    );
    return (await this.get(e.id))!;
  }

  async get(emojiId: Snowflake): Promise<ApplicationEmojiRecord | null> {
    const row = await this.db.get('SELECT * FROM application_emojis WHERE id = ?', [id(emojiId)]);
    return row ? emojiFromRow(row) : null;
  }

  /** One query per chunk of 500 ids, sorted first so the result is ascending across chunks too. */
  async getMany(emojiIds: readonly Snowflake[]): Promise<ApplicationEmojiRecord[]> {
    const wanted = [...new Set(ids(emojiIds, 'id'))].sort((a, b) => (a < b ? -1 : 1));
    const out: ApplicationEmojiRecord[] = [];
    for (const chunk of chunks(wanted)) {
      const rows = await this.db.all(`SELECT * FROM application_emojis WHERE id IN (${marks(chunk.length)}) ORDER BY id`, chunk);
      out.push(...rows.map(emojiFromRow));
    }
    return out;
  }

  async listByApplication(applicationId: Snowflake): Promise<ApplicationEmojiRecord[]> {
    const rows = await this.db.all('SELECT * FROM application_emojis WHERE application_id = ? ORDER BY id', [id(applicationId, 'application_id')]);
    return rows.map(emojiFromRow);
  }

  async countByApplication(applicationId: Snowflake): Promise<number> {
    const row = await this.db.get('SELECT COUNT(*) AS n FROM application_emojis WHERE application_id = ?', [id(applicationId, 'application_id')]);
    return rn(row?.n ?? 0);
  }

  async rename(emojiId: Snowflake, name: string): Promise<ApplicationEmojiRecord | null> {
    await this.db.run('UPDATE application_emojis SET name = ? WHERE id = ?', [text(name, 'shortText', 'name'), id(emojiId)]);
    return this.get(emojiId);
  }

  async delete(emojiId: Snowflake): Promise<boolean> {
    const { changes } = await this.db.run('DELETE FROM application_emojis WHERE id = ?', [id(emojiId)]);
    return changes > 0;
  }
}
