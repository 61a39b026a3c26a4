/** OAuth2 clients, authorization codes and tokens (types.ts OAuth2Store, migration 37). Secrets are stored only as sha-256 hashes. */
import type { OAuth2ClientRecord, OAuth2CodeRecord, OAuth2Store, OAuth2TokenRecord } from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { Row, SqlDriver } from './driver.ts';
import { chunks, id, ids, int, jsonArray, marks, rj, rn, rs, rsn, text } from './values.ts';

const scopesFrom = (v: unknown): string[] => rj<string[]>(v, []);

function codeFromRow(r: Row): OAuth2CodeRecord {
  return { codeHash: rs(r.code_hash), applicationId: rs(r.application_id), userId: rs(r.user_id), scopes: scopesFrom(r.scopes), redirectUri: rs(r.redirect_uri), expiresAt: rn(r.expires_at) };
}

function tokenFromRow(r: Row): OAuth2TokenRecord {
  return {
    accessHash: rs(r.access_hash), refreshHash: rsn(r.refresh_hash), applicationId: rs(r.application_id), userId: rs(r.user_id),
    scopes: scopesFrom(r.scopes), expiresAt: rn(r.expires_at), createdAt: rn(r.created_at),
  };
}

const hash = (v: unknown, field: string) => text(v, 'shortText', field);

export class SqlOAuth2Store implements OAuth2Store {
  constructor(private readonly db: SqlDriver) {}

  async getClient(applicationId: Snowflake): Promise<OAuth2ClientRecord> {
    const row = await this.db.get('SELECT * FROM oauth2_clients WHERE application_id = ?', [id(applicationId, 'application_id')]);
    return { applicationId, secretHash: row ? rsn(row.secret_hash) : null, redirectUris: row ? rj<string[]>(row.redirect_uris, []) : [] };
  }

  async setSecret(applicationId: Snowflake, secretHash: string): Promise<void> {
    await this.#setColumn(applicationId, 'secret_hash', hash(secretHash, 'secret_hash'));
  }

  async setRedirectUris(applicationId: Snowflake, uris: readonly string[]): Promise<void> {
    for (const u of uris) text(u, 'url', 'redirect_uris');
    await this.#setColumn(applicationId, 'redirect_uris', jsonArray([...uris], 'redirect_uris'));
  }

  /** An upsert both databases take: the client's row inserted if missing, then the one column set. */
  async #setColumn(applicationId: Snowflake, column: 'secret_hash' | 'redirect_uris', value: string): Promise<void> {
    const app = id(applicationId, 'application_id');
    await this.db.transaction(async (tx) => {
      await tx.run(`INSERT INTO oauth2_clients (application_id, secret_hash, redirect_uris) SELECT ?, NULL, '[]' WHERE NOT EXISTS (SELECT 1 FROM oauth2_clients WHERE application_id = ?)`,
        [app, app], { fk: 'application' });
      await tx.run(`UPDATE oauth2_clients SET ${column} = ? WHERE application_id = ?`, [value, app]);
    });
  }

  async createCode(c: OAuth2CodeRecord): Promise<void> {
    await this.db.run(
      'INSERT INTO oauth2_codes (code_hash, application_id, user_id, scopes, redirect_uri, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      [hash(c.codeHash, 'code_hash'), id(c.applicationId, 'application_id'), id(c.userId, 'user_id'), jsonArray(c.scopes, 'scopes'), text(c.redirectUri, 'url', 'redirect_uri'), int(c.expiresAt, 'expires_at')],
      { fk: 'application' },
    );
  }

  async takeCode(codeHash: string): Promise<OAuth2CodeRecord | null> {
    const row = await this.db.transaction((tx) => tx.get('DELETE FROM oauth2_codes WHERE code_hash = ? RETURNING *', [hash(codeHash, 'code_hash')]));
    return row ? codeFromRow(row) : null;
  }

  async createToken(t: OAuth2TokenRecord): Promise<void> {
    await this.db.run(
      'INSERT INTO oauth2_tokens (access_hash, refresh_hash, application_id, user_id, scopes, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [
        hash(t.accessHash, 'access_hash'), t.refreshHash === null ? null : hash(t.refreshHash, 'refresh_hash'), id(t.applicationId, 'application_id'),
        id(t.userId, 'user_id'), jsonArray(t.scopes, 'scopes'), int(t.expiresAt, 'expires_at'), int(t.createdAt, 'created_at'),
      ],
      { fk: 'application' },
    );
  }

  async getToken(accessHash: string): Promise<OAuth2TokenRecord | null> {
    const row = await this.db.get('SELECT * FROM oauth2_tokens WHERE access_hash = ?', [hash(accessHash, 'access_hash')]);
    return row ? tokenFromRow(row) : null;
  }

  async takeRefresh(refreshHash: string): Promise<OAuth2TokenRecord | null> {
    const row = await this.db.transaction((tx) => tx.get('DELETE FROM oauth2_tokens WHERE refresh_hash = ? RETURNING *', [hash(refreshHash, 'refresh_hash')]));
    return row ? tokenFromRow(row) : null;
  }

  async listGrants(userId: Snowflake, now: number): Promise<Array<{ applicationId: Snowflake; scopes: string[]; createdAt: number }>> {
    const rows = await this.db.all('SELECT application_id, scopes, created_at FROM oauth2_tokens WHERE user_id = ? AND expires_at > ? ORDER BY created_at, access_hash', [
      id(userId, 'user_id'), int(now, 'now'),
    ]);
    const byApp = new Map<string, { applicationId: Snowflake; scopes: string[]; createdAt: number }>();
    for (const r of rows) {
      const appId = rs(r.application_id);
      const grant = byApp.get(appId) ?? { applicationId: appId, scopes: [], createdAt: rn(r.created_at) };
      for (const scope of scopesFrom(r.scopes)) if (!grant.scopes.includes(scope)) grant.scopes.push(scope);
      byApp.set(appId, grant);
    }
    return [...byApp.values()];
  }

  async usersGranting(applicationId: Snowflake, userIds: readonly Snowflake[], scope: string, now: number): Promise<Snowflake[]> {
    const out = new Set<Snowflake>();
    for (const part of chunks([...new Set(userIds)])) {
      const rows = await this.db.all(
        `SELECT user_id, scopes FROM oauth2_tokens WHERE user_id IN (${marks(part.length)}) AND application_id = ? AND (expires_at > ? OR refresh_hash IS NOT NULL)`,
        [...ids(part, 'user_id'), id(applicationId, 'application_id'), int(now, 'now')],
      );
      for (const r of rows) if (scopesFrom(r.scopes).includes(scope)) out.add(rs(r.user_id));
    }
    return [...out];
  }

  async revokeApplication(userId: Snowflake, applicationId: Snowflake): Promise<boolean> {
    const params = [id(userId, 'user_id'), id(applicationId, 'application_id')];
    return this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM oauth2_codes WHERE user_id = ? AND application_id = ?', params);
      const { changes } = await tx.run('DELETE FROM oauth2_tokens WHERE user_id = ? AND application_id = ?', params);
      return changes > 0;
    });
  }

  async revoke(applicationId: Snowflake, tokenHash: string): Promise<boolean> {
    const { changes } = await this.db.run('DELETE FROM oauth2_tokens WHERE application_id = ? AND (access_hash = ? OR refresh_hash = ?)', [
      id(applicationId, 'application_id'), hash(tokenHash, 'token'), hash(tokenHash, 'token'),
    ]);
    return changes > 0;
  }
}
