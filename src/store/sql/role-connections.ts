/** Linked roles (types.ts RoleConnectionStore): an application's metadata records and its users' connections. */
import type { RoleConnectionMetadataRecord, RoleConnectionStore, UserRoleConnectionRecord } from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { SqlDriver } from './driver.ts';
import { id, json, optText, rj, rs, rsn } from './values.ts';

export class SqlRoleConnectionStore implements RoleConnectionStore {
  constructor(private readonly db: SqlDriver) {}

  async getMetadata(applicationId: Snowflake): Promise<RoleConnectionMetadataRecord[]> {
    const row = await this.db.get('SELECT records FROM application_role_connection_metadata WHERE application_id = ?', [id(applicationId, 'application_id')]);
    return row ? rj<RoleConnectionMetadataRecord[]>(row.records, []) : [];
  }

  async setMetadata(applicationId: Snowflake, records: readonly RoleConnectionMetadataRecord[]): Promise<void> {
    await this.db.run(
      `INSERT INTO application_role_connection_metadata (application_id, records) VALUES (?, ?)
       ON CONFLICT (application_id) DO UPDATE SET records = excluded.records`,
      [id(applicationId, 'application_id'), json(records, 'records')],
      { fk: 'application' },
    );
  }

  async get(userId: Snowflake, applicationId: Snowflake): Promise<UserRoleConnectionRecord | null> {
    const row = await this.db.get('SELECT * FROM user_role_connections WHERE user_id = ? AND application_id = ?', [id(userId, 'user_id'), id(applicationId, 'application_id')]);
    if (!row) return null;
    return {
      userId: rs(row.user_id), applicationId: rs(row.application_id), platformName: rsn(row.platform_name), platformUsername: rsn(row.platform_username),
      metadata: rj<Record<string, string>>(row.metadata, {}),
    };
  }

  async put(c: UserRoleConnectionRecord): Promise<UserRoleConnectionRecord> {
    await this.db.run(
      `INSERT INTO user_role_connections (user_id, application_id, platform_name, platform_username, metadata) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (user_id, application_id) DO UPDATE SET platform_name = excluded.platform_name, platform_username = excluded.platform_username, metadata = excluded.metadata`,
      [id(c.userId, 'user_id'), id(c.applicationId, 'application_id'), optText(c.platformName, 'shortText', 'platform_name'), optText(c.platformUsername, 'shortText', 'platform_username'), json(c.metadata, 'metadata')],
      { fk: 'application' },
    );
    return (await this.get(c.userId, c.applicationId))!;
  }
}
