/** Users, tokens and applications. */
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type {
  ApplicationRecord, ApplicationStore, InteractionsKey, Patch, TokenRecord, TokenStore, UserMfaRecord, UserRecord, UserStore,
} from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { Row, SqlDriver } from './driver.ts';
import {
  bool, chunks, id, ids, int, marks, optText, rb, rn, rnn, rs, rsn, setClause, text,
} from './values.ts';

// ------------------------------------------------------------------------------------------------- users

/**
 * Every column of a user row: a schema before a migration that added one (migration tests run today's store on
 * older schemas) reads as the user without it (userFromRow treats a missing mfa_enabled as off).
 */
const USER_COLUMNS = '*';

export function userFromRow(r: Row): UserRecord {
  return {
    id: rs(r.id),
    username: rs(r.username),
    discriminator: rs(r.discriminator),
    globalName: rsn(r.global_name),
    avatar: rsn(r.avatar),
    banner: rsn(r.banner),
    bio: rs(r.bio ?? ''),
    email: rsn(r.email),
    passwordHash: rsn(r.password_hash),
    bot: rb(r.bot),
    system: rb(r.system),
    flags: rn(r.flags),
    createdAt: rn(r.created_at),
    ...(r.mfa_enabled != null && rb(r.mfa_enabled) ? { mfaEnabled: true } : {}),
  };
}

function discriminator(v: unknown): string {
  if (typeof v !== 'string' || !/^\d{1,4}$/.test(v)) throw new InvalidInputError('discriminator', 'must be 1–4 digits');
  return v;
}

export async function insertUser(db: SqlDriver, u: UserRecord): Promise<void> {
  const username = text(u.username, 'username', 'username');
  const email = optText(u.email, 'email', 'email');
  await db.run(
    `INSERT INTO users (id, username, username_lower, discriminator, global_name, avatar, banner, bio, email, email_lower,
       password_hash, bot, system, flags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      id(u.id), username, username.toLowerCase(), discriminator(u.discriminator),
      optText(u.globalName, 'globalName', 'global_name'), optText(u.avatar, 'shortText', 'avatar'),
      optText(u.banner, 'shortText', 'banner'), text(u.bio ?? '', 'bio', 'bio'), email, email?.toLowerCase() ?? null,
      optText(u.passwordHash, 'shortText', 'password_hash'), bool(u.bot, 'bot'), bool(u.system, 'system'),
      int(u.flags, 'flags'), int(u.createdAt, 'created_at'),
    ],
  );
}

export class SqlUserStore implements UserStore {
  constructor(private readonly db: SqlDriver) {}

  async create(user: UserRecord, token?: TokenRecord): Promise<UserRecord> {
    if (token === undefined) {
      await insertUser(this.db, user);
    } else {
      if (token.userId !== user.id) throw new InvalidInputError('user_id', 'token of another user');
      await this.db.transaction(async (tx) => {
        await insertUser(tx, user);
        await insertToken(tx, token);
      });
    }
    return (await this.get(user.id))!;
  }

  async get(userId: Snowflake): Promise<UserRecord | null> {
    const row = await this.db.get(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`, [id(userId)]);
    return row ? userFromRow(row) : null;
  }

  async getMany(userIds: readonly Snowflake[]): Promise<UserRecord[]> {
    const wanted = ids(userIds, 'id');
    const found = new Map<string, UserRecord>();
    for (const chunk of chunks([...new Set(wanted)])) {
      const rows = await this.db.all(`SELECT ${USER_COLUMNS} FROM users WHERE id IN (${marks(chunk.length)})`, chunk);
      for (const r of rows) found.set(rs(r.id), userFromRow(r));
    }
    return wanted.map((w) => found.get(w.toString())).filter((u): u is UserRecord => u !== undefined);
  }

  async findByLogin(login: string): Promise<UserRecord | null> {
    if (typeof login !== 'string' || login.length > 320) return null;
    const key = login.toLowerCase();
    const row = await this.db.get(
      `SELECT ${USER_COLUMNS} FROM users WHERE username_lower = ? OR email_lower = ? ORDER BY id LIMIT 1`,
      [key, key],
    );
    return row ? userFromRow(row) : null;
  }

  async replacePasswordHash(userId: Snowflake, expected: string, next: string): Promise<boolean> {
    const { changes } = await this.db.run('UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?', [
      text(next, 'shortText', 'password_hash'), id(userId), text(expected, 'shortText', 'password_hash'),
    ]);
    return changes > 0;
  }

  async getMfa(userId: Snowflake): Promise<UserMfaRecord | null> {
    const row = await this.db.get('SELECT mfa_secret, mfa_last_step FROM users WHERE id = ? AND mfa_secret IS NOT NULL', [id(userId)]);
    return row ? { secret: rs(row.mfa_secret), lastStep: rnn(row.mfa_last_step) } : null;
  }

  async setMfa(userId: Snowflake, secret: string | null, opts: { backupCodeHashes?: readonly string[]; lastStep?: number } = {}): Promise<void> {
    const key = id(userId);
    const value = secret === null ? null : text(secret, 'shortText', 'mfa_secret');
    const hashes = (opts.backupCodeHashes ?? []).map((h) => text(h, 'shortText', 'code_hash'));
    const lastStep = opts.lastStep === undefined ? null : int(opts.lastStep, 'last_step');
    await this.db.transaction(async (tx) => {
      const { changes } = await tx.run('UPDATE users SET mfa_enabled = ?, mfa_secret = ?, mfa_last_step = ? WHERE id = ?', [value === null ? 0 : 1, value, lastStep, key]);
      if (changes === 0) throw new NotFoundError('user', userId);
      await tx.run('DELETE FROM user_backup_codes WHERE user_id = ?', [key]);
      for (const h of hashes) await tx.run('INSERT INTO user_backup_codes (user_id, code_hash) VALUES (?, ?)', [key, h]);
    });
  }

  async claimMfaStep(userId: Snowflake, step: number): Promise<boolean> {
    const s = int(step, 'step');
    const { changes } = await this.db.run(
      'UPDATE users SET mfa_last_step = ? WHERE id = ? AND mfa_secret IS NOT NULL AND (mfa_last_step IS NULL OR mfa_last_step < ?)', [s, id(userId), s],
    );
    return changes > 0;
  }

  async replaceBackupCodes(userId: Snowflake, codeHashes: readonly string[]): Promise<boolean> {
    const key = id(userId);
    const hashes = codeHashes.map((h) => text(h, 'shortText', 'code_hash'));
    return this.db.transaction(async (tx) => {
      if (!(await tx.get('SELECT 1 AS on_ FROM users WHERE id = ? AND mfa_secret IS NOT NULL', [key]))) return false;
      await tx.run('DELETE FROM user_backup_codes WHERE user_id = ?', [key]);
      for (const h of hashes) await tx.run('INSERT INTO user_backup_codes (user_id, code_hash) VALUES (?, ?)', [key, h]);
      return true;
    });
  }

  async consumeBackupCode(userId: Snowflake, codeHash: string): Promise<boolean> {
    const { changes } = await this.db.run(
      'UPDATE user_backup_codes SET consumed = 1 WHERE user_id = ? AND code_hash = ? AND consumed = 0', [id(userId), text(codeHash, 'shortText', 'code_hash')],
    );
    return changes > 0;
  }

  async update(userId: Snowflake, patch: Patch<UserRecord, 'id' | 'createdAt'>): Promise<UserRecord> {
    const key = id(userId);
    const set = setClause(patch, {
      username: ['username', (v) => text(v, 'username', 'username')],
      discriminator: ['discriminator', discriminator],
      globalName: ['global_name', (v) => optText(v, 'globalName', 'global_name')],
      avatar: ['avatar', (v) => optText(v, 'shortText', 'avatar')],
      banner: ['banner', (v) => optText(v, 'shortText', 'banner')],
      bio: ['bio', (v) => text(v, 'bio', 'bio')],
      email: ['email', (v) => optText(v, 'email', 'email')],
      passwordHash: ['password_hash', (v) => optText(v, 'shortText', 'password_hash')],
      bot: ['bot', (v) => bool(v, 'bot')],
      system: ['system', (v) => bool(v, 'system')],
      flags: ['flags', (v) => int(v, 'flags')],
    });
    // The lowercased shadow columns follow their source column.
    if (patch.username !== undefined) {
      set.sql += ', username_lower = ?';
      set.params.push(patch.username.toLowerCase());
    }
    if (patch.email !== undefined) {
      set.sql += ', email_lower = ?';
      set.params.push(patch.email?.toLowerCase() ?? null);
    }
    const sets = set.sql.replace(/^, /, '');
    if (sets) {
      const { changes } = await this.db.run(`UPDATE users SET ${sets} WHERE id = ?`, [...set.params, key]);
      if (changes === 0) throw new NotFoundError('user', userId);
    }
    const user = await this.get(userId);
    if (!user) throw new NotFoundError('user', userId);
    return user;
  }
}

// ------------------------------------------------------------------------------------------------ tokens

const TOKEN_COLUMNS = 'user_id, hash, kind, created_at, last_used_at, client_os, client_platform';
/** For listWithUser: the users columns and the token columns (prefixed t_, as both tables have created_at) of a join. */
const USER_COLUMNS_OF_U = 'u.*';
const TOKEN_COLUMNS_AS_T = 'hash, kind, created_at, last_used_at, client_os, client_platform'.split(', ').map((c) => `t.${c} AS t_${c}`).join(', ');

function tokenFromRow(r: Row): TokenRecord {
  return {
    userId: rs(r.user_id),
    hash: rs(r.hash),
    kind: rs(r.kind) as TokenRecord['kind'],
    createdAt: rn(r.created_at),
    lastUsedAt: rn(r.last_used_at),
    clientOs: rsn(r.client_os),
    clientPlatform: rsn(r.client_platform),
  };
}

function tokenKind(v: unknown): TokenRecord['kind'] {
  if (v !== 'user' && v !== 'bot') throw new InvalidInputError('kind', "must be 'user' or 'bot'");
  return v;
}

async function insertToken(db: SqlDriver, token: TokenRecord): Promise<void> {
  await db.run(
    `INSERT INTO tokens (${TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [
      id(token.userId, 'user_id'), text(token.hash, 'shortText', 'hash'), tokenKind(token.kind), int(token.createdAt, 'created_at'),
      int(token.lastUsedAt, 'last_used_at'), optText(token.clientOs, 'shortText', 'client_os'), optText(token.clientPlatform, 'shortText', 'client_platform'),
    ],
    { fk: 'user' },
  );
}

/** A no-op UPDATE of the user's row: it locks the row (PostgreSQL), so token writes of one user serialise. */
async function lockUser(tx: SqlDriver, userId: Snowflake): Promise<void> {
  const { changes } = await tx.run('UPDATE users SET flags = flags WHERE id = ?', [id(userId, 'user_id')]);
  if (changes === 0) throw new NotFoundError('user', userId);
}

export class SqlTokenStore implements TokenStore {
  constructor(private readonly db: SqlDriver) {}

  async create(token: TokenRecord): Promise<void> {
    await insertToken(this.db, token);
  }

  async listForUser(userId: Snowflake): Promise<TokenRecord[]> {
    const rows = await this.db.all(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE user_id = ? ORDER BY created_at, hash`, [id(userId, 'user_id')]);
    return rows.map(tokenFromRow);
  }

  async listWithUser(userId: Snowflake): Promise<{ user: UserRecord; tokens: TokenRecord[] } | null> {
    // A row per token (one with null token columns when there is none), the user's columns on each.
    const rows = await this.db.all(
      `SELECT ${USER_COLUMNS_OF_U}, ${TOKEN_COLUMNS_AS_T} FROM users u LEFT JOIN tokens t ON t.user_id = u.id WHERE u.id = ? ORDER BY t.created_at, t.hash`,
      [id(userId, 'user_id')],
    );
    if (rows.length === 0) return null;
    const tokens = rows.filter((r) => r.t_hash != null).map((r) => tokenFromRow({
      user_id: r.id, hash: r.t_hash, kind: r.t_kind, created_at: r.t_created_at, last_used_at: r.t_last_used_at,
      client_os: r.t_client_os, client_platform: r.t_client_platform,
    }));
    return { user: userFromRow(rows[0]!), tokens };
  }

  async delete(userId: Snowflake, hash: string): Promise<void> {
    await this.db.run('DELETE FROM tokens WHERE user_id = ? AND hash = ?', [id(userId, 'user_id'), String(hash)]);
  }

  async deleteForUser(userId: Snowflake, kind?: TokenRecord['kind']): Promise<number> {
    const key = id(userId, 'user_id');
    const { changes } = kind === undefined
      ? await this.db.run('DELETE FROM tokens WHERE user_id = ?', [key])
      : await this.db.run('DELETE FROM tokens WHERE user_id = ? AND kind = ?', [key, tokenKind(kind)]);
    return changes;
  }

  async replaceForUser(userId: Snowflake, kind: TokenRecord['kind'], token: TokenRecord, opts: { passwordHash?: string } = {}): Promise<TokenRecord[]> {
    const key = id(userId, 'user_id');
    const k = tokenKind(kind);
    if (token.userId !== userId || token.kind !== kind) throw new InvalidInputError('token', 'must be of that user and kind');
    const passwordHash = opts.passwordHash === undefined ? undefined : text(opts.passwordHash, 'shortText', 'password_hash');
    return this.db.transaction(async (tx) => {
      if (passwordHash !== undefined) {
        const { changes } = await tx.run('UPDATE users SET password_hash = ? WHERE id = ?', [passwordHash, key]);
        if (changes === 0) throw new NotFoundError('user', userId);
      }
      const removed = await tx.all(`DELETE FROM tokens WHERE user_id = ? AND kind = ? RETURNING ${TOKEN_COLUMNS}`, [key, k]);
      await insertToken(tx, token);
      return removed.map(tokenFromRow);
    });
  }

  async createCapped(token: TokenRecord, keepAtMost: number): Promise<TokenRecord[]> {
    const max = int(keepAtMost, 'keep_at_most');
    if (max < 1) throw new InvalidInputError('keep_at_most', 'must be at least 1');
    const key = id(token.userId, 'user_id');
    const k = tokenKind(token.kind);
    return this.db.transaction(async (tx) => {
      await lockUser(tx, token.userId);
      await insertToken(tx, token);
      // Oldest use first; the new token is never among the removed (it is the one just used).
      const rows = await tx.all(
        `SELECT ${TOKEN_COLUMNS} FROM tokens WHERE user_id = ? AND kind = ? AND hash <> ? ORDER BY last_used_at, created_at, hash`,
        [key, k, token.hash],
      );
      const removed = rows.slice(0, Math.max(0, rows.length + 1 - max)).map(tokenFromRow);
      for (const t of removed) await tx.run('DELETE FROM tokens WHERE user_id = ? AND hash = ?', [key, t.hash]);
      return removed;
    });
  }

  async touch(userId: Snowflake, hash: string, at: number): Promise<void> {
    await this.db.run('UPDATE tokens SET last_used_at = ? WHERE user_id = ? AND hash = ? AND last_used_at < ?', [
      int(at, 'last_used_at'), id(userId, 'user_id'), String(hash), at,
    ]);
  }
}

// ---------------------------------------------------------------------------------------- applications

function appFromRow(r: Row): ApplicationRecord {
  return {
    id: rs(r.id),
    name: rs(r.name),
    description: rs(r.description ?? ''),
    icon: rsn(r.icon),
    ownerId: rs(r.owner_id),
    botUserId: rs(r.bot_user_id),
    botPublic: rb(r.bot_public),
    botRequireCodeGrant: rb(r.bot_require_code_grant),
    flags: rn(r.flags),
    createdAt: rn(r.created_at),
    // Only when set: a record made without them reads back as it was written.
    ...(r.verify_key != null && r.interactions_private_key != null ? { interactionsKey: { publicKey: rs(r.verify_key), privateKey: rs(r.interactions_private_key) } } : {}),
    ...(r.interactions_endpoint_url != null ? { interactionsEndpointUrl: rs(r.interactions_endpoint_url) } : {}),
  };
}

export class SqlApplicationStore implements ApplicationStore {
  constructor(private readonly db: SqlDriver) {}

  async create(app: ApplicationRecord, botUser: UserRecord): Promise<ApplicationRecord> {
    if (app.botUserId !== botUser.id) throw new InvalidInputError('bot_user_id', 'must be the bot user id');
    await this.db.transaction(async (tx) => {
      await insertUser(tx, botUser);
      await tx.run(
        `INSERT INTO applications (id, name, description, icon, owner_id, bot_user_id, bot_public, bot_require_code_grant, flags, created_at,
           verify_key, interactions_private_key, interactions_endpoint_url)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          id(app.id), text(app.name, 'applicationName', 'name'), text(app.description ?? '', 'applicationDescription', 'description'),
          optText(app.icon, 'shortText', 'icon'), id(app.ownerId, 'owner_id'), id(app.botUserId, 'bot_user_id'),
          bool(app.botPublic, 'bot_public'), bool(app.botRequireCodeGrant, 'bot_require_code_grant'),
          int(app.flags, 'flags'), int(app.createdAt, 'created_at'),
          optText(app.interactionsKey?.publicKey, 'shortText', 'verify_key'), optText(app.interactionsKey?.privateKey, 'shortText', 'interactions_private_key'),
          optText(app.interactionsEndpointUrl, 'url', 'interactions_endpoint_url'),
        ],
        { fk: 'user' },
      );
    });
    return (await this.get(app.id))!;
  }

  async get(appId: Snowflake): Promise<ApplicationRecord | null> {
    const row = await this.db.get('SELECT * FROM applications WHERE id = ?', [id(appId)]);
    return row ? appFromRow(row) : null;
  }

  async getByBotUser(botUserId: Snowflake): Promise<ApplicationRecord | null> {
    const row = await this.db.get('SELECT * FROM applications WHERE bot_user_id = ?', [id(botUserId, 'bot_user_id')]);
    return row ? appFromRow(row) : null;
  }

  async listByOwner(ownerId: Snowflake): Promise<ApplicationRecord[]> {
    const rows = await this.db.all('SELECT * FROM applications WHERE owner_id = ? ORDER BY id', [id(ownerId, 'owner_id')]);
    return rows.map(appFromRow);
  }

  async update(appId: Snowflake, patch: Patch<ApplicationRecord, 'id' | 'ownerId' | 'botUserId' | 'createdAt' | 'interactionsKey'>): Promise<ApplicationRecord> {
    const key = id(appId);
    const set = setClause(patch, {
      name: ['name', (v) => text(v, 'applicationName', 'name')],
      description: ['description', (v) => text(v, 'applicationDescription', 'description')],
      icon: ['icon', (v) => optText(v, 'shortText', 'icon')],
      botPublic: ['bot_public', (v) => bool(v, 'bot_public')],
      botRequireCodeGrant: ['bot_require_code_grant', (v) => bool(v, 'bot_require_code_grant')],
      flags: ['flags', (v) => int(v, 'flags')],
      interactionsEndpointUrl: ['interactions_endpoint_url', (v) => optText(v, 'url', 'interactions_endpoint_url')],
    });
    if (set.sql) {
      const { changes } = await this.db.run(`UPDATE applications SET ${set.sql} WHERE id = ?`, [...set.params, key]);
      if (changes === 0) throw new NotFoundError('application', appId);
    }
    const app = await this.get(appId);
    if (!app) throw new NotFoundError('application', appId);
    return app;
  }

  async setInteractionsKeyIfAbsent(appId: Snowflake, key: InteractionsKey): Promise<ApplicationRecord> {
    // Two processes may make a key for the same application at once: the first one stored wins, the other reads it.
    await this.db.run('UPDATE applications SET verify_key = ?, interactions_private_key = ? WHERE id = ? AND verify_key IS NULL', [
      text(key.publicKey, 'shortText', 'verify_key'), text(key.privateKey, 'shortText', 'interactions_private_key'), id(appId),
    ]);
    const app = await this.get(appId);
    if (!app) throw new NotFoundError('application', appId);
    return app;
  }
}
