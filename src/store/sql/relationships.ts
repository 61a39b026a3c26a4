/** Relationships between users: friends, blocks, pending requests (types.ts RelationshipStore). */
import type { RelationshipPair, RelationshipRecord, RelationshipStore } from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import { InvalidInputError } from '../errors.ts';
import type { Row, SqlDriver } from './driver.ts';
import { id, int, rn, rs, rsn, text } from './values.ts';

function fromRow(r: Row): RelationshipRecord {
  return { userId: rs(r.user_id), targetId: rs(r.target_id), type: rn(r.type) as RelationshipRecord['type'], nickname: rsn(r.nickname), since: rn(r.since) };
}

export class SqlRelationshipStore implements RelationshipStore {
  constructor(private readonly db: SqlDriver) {}

  async listNotes(userId: Snowflake): Promise<Map<Snowflake, string>> {
    const rows = await this.db.all('SELECT target_id, note FROM user_notes WHERE user_id = ? ORDER BY target_id', [id(userId, 'user_id')]);
    return new Map(rows.map((r) => [rs(r.target_id), rs(r.note)]));
  }

  async getNote(userId: Snowflake, targetId: Snowflake): Promise<string | null> {
    const row = await this.db.get('SELECT note FROM user_notes WHERE user_id = ? AND target_id = ?', [id(userId, 'user_id'), id(targetId, 'target_id')]);
    return row ? rs(row.note) : null;
  }

  async setNote(userId: Snowflake, targetId: Snowflake, note: string): Promise<void> {
    const keys = [id(userId, 'user_id'), id(targetId, 'target_id')];
    if (note === '') {
      await this.db.run('DELETE FROM user_notes WHERE user_id = ? AND target_id = ?', keys);
      return;
    }
    await this.db.run(
      'INSERT INTO user_notes (user_id, target_id, note) VALUES (?, ?, ?) ON CONFLICT (user_id, target_id) DO UPDATE SET note = excluded.note',
      [...keys, text(note, 'note', 'note')],
    );
  }

  async listForUser(userId: Snowflake): Promise<RelationshipRecord[]> {
    const rows = await this.db.all('SELECT * FROM relationships WHERE user_id = ? ORDER BY target_id', [id(userId, 'user_id')]);
    return rows.map(fromRow);
  }

  async get(userId: Snowflake, targetId: Snowflake): Promise<RelationshipRecord | null> {
    const row = await this.db.get('SELECT * FROM relationships WHERE user_id = ? AND target_id = ?', [id(userId, 'user_id'), id(targetId, 'target_id')]);
    return row ? fromRow(row) : null;
  }

  async update(a: Snowflake, b: Snowflake, fn: (current: RelationshipPair) => RelationshipPair): Promise<{ before: RelationshipPair; after: RelationshipPair }> {
    const ka = id(a, 'user_id');
    const kb = id(b, 'target_id');
    if (ka === kb) throw new InvalidInputError('target_id', 'a user has no relationship with themselves');
    // What fn throws leaves the transaction as it is (drivers turn errors inside a transaction into StoreErrors).
    let refusal: { error: unknown } | null = null;
    const result = await this.db.transaction(async (tx) => {
      // No-op UPDATEs lock both users' rows in id order (PostgreSQL), so two changes of one pair serialise.
      for (const k of ka < kb ? [ka, kb] : [kb, ka]) await tx.run('UPDATE users SET flags = flags WHERE id = ?', [k]);
      const read = async (u: bigint, t: bigint) => {
        const row = await tx.get('SELECT * FROM relationships WHERE user_id = ? AND target_id = ?', [u, t]);
        return row ? fromRow(row) : null;
      };
      const before: RelationshipPair = { ab: await read(ka, kb), ba: await read(kb, ka) };
      let after: RelationshipPair;
      try {
        after = fn(before);
      } catch (error) {
        refusal = { error };
        return null;
      }
      const write = async (u: bigint, t: bigint, r: RelationshipRecord | null) => {
        await tx.run('DELETE FROM relationships WHERE user_id = ? AND target_id = ?', [u, t]);
        if (r) {
          await tx.run(
            'INSERT INTO relationships (user_id, target_id, type, nickname, since) VALUES (?, ?, ?, ?, ?)',
            [u, t, int(r.type, 'type'), r.nickname, int(r.since, 'since')],
            { fk: 'user' },
          );
        }
      };
      if (after.ab !== before.ab) await write(ka, kb, after.ab);
      if (after.ba !== before.ba) await write(kb, ka, after.ba);
      return { before, after };
    });
    if (refusal) throw (refusal as { error: unknown }).error;
    return result!;
  }

  async setNickname(userId: Snowflake, targetId: Snowflake, nickname: string | null): Promise<RelationshipRecord | null> {
    const row = await this.db.get('UPDATE relationships SET nickname = ? WHERE user_id = ? AND target_id = ? RETURNING *', [nickname, id(userId, 'user_id'), id(targetId, 'target_id')]);
    return row ? fromRow(row) : null;
  }
}
