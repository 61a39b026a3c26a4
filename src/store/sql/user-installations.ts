/** Applications installed to users' accounts (types.ts UserInstallationStore; migration 13). */
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { UserInstallationRecord, UserInstallationStore } from '../types.ts';
import type { Row, SqlDriver } from './driver.ts';
import { id, json, rj, rn, rs } from './values.ts';

function fromRow(r: Row): UserInstallationRecord {
  return { applicationId: rs(r.application_id), userId: rs(r.user_id), scopes: rj<string[]>(r.scopes, []), createdAt: rn(r.created_at) };
}

export class SqlUserInstallationStore implements UserInstallationStore {
  constructor(private readonly db: SqlDriver) {}

  async put(record: UserInstallationRecord): Promise<UserInstallationRecord> {
    const scopes = json([...new Set(record.scopes)].slice(0, 32), 'scopes');
    const app = id(record.applicationId, 'application_id');
    const user = id(record.userId, 'user_id');
    await this.db.run(
      `INSERT INTO user_installations (application_id, user_id, scopes, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (application_id, user_id) DO UPDATE SET scopes = excluded.scopes`,
      [app, user, scopes, record.createdAt],
      { fk: 'application' },
    );
    return (await this.get(record.applicationId, record.userId))!;
  }

  async get(applicationId: Snowflake, userId: Snowflake): Promise<UserInstallationRecord | null> {
    const row = await this.db.get('SELECT * FROM user_installations WHERE application_id = ? AND user_id = ?', [id(applicationId, 'application_id'), id(userId, 'user_id')]);
    return row ? fromRow(row) : null;
  }

  async listByUser(userId: Snowflake): Promise<UserInstallationRecord[]> {
    const rows = await this.db.all('SELECT * FROM user_installations WHERE user_id = ? ORDER BY created_at, application_id', [id(userId, 'user_id')]);
    return rows.map(fromRow);
  }

  async delete(applicationId: Snowflake, userId: Snowflake): Promise<boolean> {
    const { changes } = await this.db.run('DELETE FROM user_installations WHERE application_id = ? AND user_id = ?', [id(applicationId, 'application_id'), id(userId, 'user_id')]);
    return changes > 0;
  }
}
