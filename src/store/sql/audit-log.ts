/** The guild audit log (types.ts AuditLogStore); entries are also written inside other writes (outbox.ts writeOutbox). */
import { InvalidInputError } from '../errors.ts';
import type { AuditLogEntryRecord, AuditLogQuery, AuditLogStore } from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { Row, SqlDriver, SqlValue } from './driver.ts';
import { chunks, id, int, json, optId, rj, rn, rs, rsn } from './values.ts';

function entryFromRow(r: Row): AuditLogEntryRecord {
  return {
    id: rs(r.id),
    guildId: rs(r.guild_id),
    userId: rsn(r.user_id),
    targetId: rsn(r.target_id),
    actionType: rn(r.action_type),
    changes: rj(r.changes, null),
    options: rj(r.options, null),
    reason: rsn(r.reason),
    createdAt: rn(r.created_at),
  };
}

function reasonText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string' || v.length > 512) throw new InvalidInputError('reason', 'length must be 0–512');
  return v;
}

function targetText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string' || v.length > 64) throw new InvalidInputError('target_id', 'not an id');
  return v;
}

/** Stores the entries on `db` (a write's transaction, or the store's own connection). */
export async function insertAuditEntries(db: SqlDriver, entries: readonly AuditLogEntryRecord[]): Promise<void> {
  for (const chunk of chunks([...entries], 100)) {
    await db.run(
      `INSERT INTO audit_log_entries (id, guild_id, user_id, target_id, action_type, changes, options, reason, created_at)
       VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      chunk.flatMap((e): SqlValue[] => [
        id(e.id), id(e.guildId, 'guild_id'), optId(e.userId, 'user_id'), targetText(e.targetId), int(e.actionType, 'action_type'),
        e.changes ? json(e.changes, 'changes') : null, e.options ? json(e.options, 'options') : null, reasonText(e.reason), int(e.createdAt, 'created_at'),
      ]),
      { fk: 'guild' },
    );
  }
}

export class SqlAuditLogStore implements AuditLogStore {
  constructor(private readonly db: SqlDriver) {}

  create(entry: AuditLogEntryRecord): Promise<void> {
    return insertAuditEntries(this.db, [entry]);
  }

  async list(guildId: Snowflake, q: AuditLogQuery): Promise<AuditLogEntryRecord[]> {
    const where = ['guild_id = ?', 'created_at >= ?'];
    const params: SqlValue[] = [id(guildId, 'guild_id'), int(Math.floor(q.since), 'since')];
    if (q.userId !== undefined) (where.push('user_id = ?'), params.push(id(q.userId, 'user_id')));
    if (q.actionType !== undefined) (where.push('action_type = ?'), params.push(int(q.actionType, 'action_type')));
    if (q.before !== undefined) (where.push('id < ?'), params.push(id(q.before, 'before')));
    if (q.after !== undefined) (where.push('id > ?'), params.push(id(q.after, 'after')));
    const limit = int(q.limit, 'limit');
    if (limit < 1 || limit > 100) throw new InvalidInputError('limit', 'must be an integer 1–100');
    const ascending = q.after !== undefined && q.before === undefined;
    const rows = await this.db.all(
      `SELECT id, guild_id, user_id, target_id, action_type, changes, options, reason, created_at FROM audit_log_entries
       WHERE ${where.join(' AND ')} ORDER BY id ${ascending ? 'ASC' : 'DESC'} LIMIT ?`,
      [...params, limit],
    );
    return rows.map(entryFromRow);
  }

  async prune(before: number): Promise<number> {
    const { changes } = await this.db.run('DELETE FROM audit_log_entries WHERE created_at < ?', [int(Math.floor(before), 'before')]);
    return changes;
  }
}
