/** Lobbies, their members and messages (types.ts LobbyStore). */
import type { LobbyLimits, LobbyMemberInput, LobbyMemberRecord, LobbyMembersChange, LobbyMessageRecord, LobbyMetadata, LobbyRecord, LobbyStore } from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import { LimitReachedError, NotFoundError } from '../errors.ts';
import type { Row, SqlDriver, SqlValue } from './driver.ts';
import { chunks, id, ids, int, marks, optId, rj, rn, rs, rsn } from './values.ts';
import { idsAmong } from './ids-among.ts';

const metadataColumn = (m: LobbyMetadata | null): string | null => (m === null ? null : JSON.stringify(m));
const metadataOf = (v: unknown): LobbyMetadata | null => (v === null || v === undefined ? null : rj<LobbyMetadata | null>(v, null));

function lobbyFromRow(r: Row): LobbyRecord {
  return {
    id: rs(r.id),
    applicationId: rs(r.application_id),
    secret: rsn(r.secret),
    metadata: metadataOf(r.metadata),
    idleTimeoutSeconds: rn(r.idle_timeout_seconds),
    linkedChannelId: rsn(r.linked_channel_id),
    createdAt: rn(r.created_at),
  };
}

function memberFromRow(r: Row): LobbyMemberRecord {
  return { lobbyId: rs(r.lobby_id), userId: rs(r.user_id), metadata: metadataOf(r.metadata), flags: rn(r.flags), additionalName: rsn(r.additional_name) };
}

function messageFromRow(r: Row): LobbyMessageRecord {
  return {
    id: rs(r.id), lobbyId: rs(r.lobby_id), authorId: rs(r.author_id), content: rs(r.content), flags: rn(r.flags),
    additionalName: rsn(r.additional_name), moderationMetadata: metadataOf(r.moderation_metadata),
    ...(r.source_channel_id != null ? { sourceChannelId: rs(r.source_channel_id) } : {}),
  };
}

/**
 * PostgreSQL advisory lock namespaces (the two-key form, its own key space): a secret's lock and a user's can never
 * be the same lock, so the order secret → lobby row → users cannot turn into a cycle.
 */
const PG_LOCK_SECRET = 0x4c6f6201;
const PG_LOCK_USER = 0x4c6f6202;

function insertLobby(tx: SqlDriver, lobby: LobbyRecord): Promise<unknown> {
  return tx.run(
    'INSERT INTO lobbies (id, application_id, secret, metadata, idle_timeout_seconds, linked_channel_id, created_at, idle_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    [
      id(lobby.id), id(lobby.applicationId, 'application_id'), lobby.secret, metadataColumn(lobby.metadata), int(lobby.idleTimeoutSeconds, 'idle_timeout_seconds'),
      optId(lobby.linkedChannelId, 'linked_channel_id'), int(lobby.createdAt, 'created_at'), int(lobby.createdAt + lobby.idleTimeoutSeconds * 1000, 'idle_at'),
    ],
    { fk: 'channel' },
  );
}

/**
 * The lobby row matching `where`, locked until the transaction ends (PostgreSQL; SQLite's transaction holds the
 * database), with its idle deadline.
 */
async function lockedLobbyWhere(tx: SqlDriver, where: string, params: SqlValue[]): Promise<{ lobby: LobbyRecord; idleAt: number } | null> {
  const row = await tx.get(`SELECT * FROM lobbies WHERE ${where}${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`, params);
  return row ? { lobby: lobbyFromRow(row), idleAt: rn(row.idle_at) } : null;
}

async function lockedLobby(tx: SqlDriver, lobbyId: Snowflake): Promise<LobbyRecord | null> {
  return (await lockedLobbyWhere(tx, 'id = ?', [id(lobbyId)]))?.lobby ?? null;
}

export class SqlLobbyStore implements LobbyStore {
  constructor(private readonly db: SqlDriver) {}

  async create(lobby: LobbyRecord, members: readonly LobbyMemberInput[], limits: LobbyLimits): Promise<LobbyMembersChange> {
    return this.db.transaction(async (tx) => {
      await insertLobby(tx, lobby);
      return this.#change(tx, lobby, members, [], limits, false);
    });
  }

  async get(lobbyId: Snowflake): Promise<LobbyRecord | null> {
    const row = await this.db.get('SELECT * FROM lobbies WHERE id = ?', [id(lobbyId)]);
    return row ? lobbyFromRow(row) : null;
  }

  async getBySecret(applicationId: Snowflake, secret: string): Promise<LobbyRecord | null> {
    const row = await this.db.get('SELECT * FROM lobbies WHERE application_id = ? AND secret = ? ORDER BY id DESC LIMIT 1', [id(applicationId, 'application_id'), secret]);
    return row ? lobbyFromRow(row) : null;
  }

  async listForUser(userId: Snowflake): Promise<LobbyRecord[]> {
    const rows = await this.db.all('SELECT l.* FROM lobbies l JOIN lobby_members m ON m.lobby_id = l.id WHERE m.user_id = ? ORDER BY l.id', [id(userId, 'user_id')]);
    return rows.map(lobbyFromRow);
  }

  async update(lobbyId: Snowflake, patch: Partial<Pick<LobbyRecord, 'metadata' | 'idleTimeoutSeconds'>>): Promise<LobbyRecord | null> {
    const sets: string[] = [];
    const params: Array<string | number | bigint | null> = [];
    if (patch.metadata !== undefined) {
      sets.push('metadata = ?');
      params.push(metadataColumn(patch.metadata));
    }
    if (patch.idleTimeoutSeconds !== undefined) {
      // The deadline moves by the difference: still counted from the last activity (the right side reads old values).
      const seconds = int(patch.idleTimeoutSeconds, 'idle_timeout_seconds');
      sets.push('idle_timeout_seconds = ?', 'idle_at = idle_at + (? - idle_timeout_seconds) * 1000');
      params.push(seconds, seconds);
    }
    if (sets.length) await this.db.run(`UPDATE lobbies SET ${sets.join(', ')} WHERE id = ?`, [...params, id(lobbyId)]);
    return this.get(lobbyId);
  }

  async delete(lobbyId: Snowflake): Promise<{ lobby: LobbyRecord; memberIds: Snowflake[] } | null> {
    return this.db.transaction(async (tx) => {
      const row = await tx.get('SELECT * FROM lobbies WHERE id = ?', [id(lobbyId)]);
      if (!row) return null;
      const members = await tx.all('SELECT user_id FROM lobby_members WHERE lobby_id = ? ORDER BY user_id', [row.id as bigint]);
      await tx.run('DELETE FROM lobbies WHERE id = ?', [row.id as bigint]);
      return { lobby: lobbyFromRow(row), memberIds: members.map((m) => rs(m.user_id)) };
    });
  }

  async members(lobbyId: Snowflake): Promise<LobbyMemberRecord[]> {
    return (await this.db.all('SELECT * FROM lobby_members WHERE lobby_id = ? ORDER BY user_id', [id(lobbyId)])).map(memberFromRow);
  }

  async member(lobbyId: Snowflake, userId: Snowflake): Promise<LobbyMemberRecord | null> {
    const row = await this.db.get('SELECT * FROM lobby_members WHERE lobby_id = ? AND user_id = ?', [id(lobbyId), id(userId, 'user_id')]);
    return row ? memberFromRow(row) : null;
  }

  membersAmong(lobbyId: Snowflake, userIds: readonly Snowflake[]): Promise<Snowflake[]> {
    return idsAmong(this.db, { table: 'lobby_members', column: 'user_id', where: ['lobby_id', lobbyId] }, userIds);
  }

  async changeMembers(
    lobbyId: Snowflake, upserts: readonly LobbyMemberInput[], removals: readonly Snowflake[], limits: LobbyLimits, opts: { replace?: boolean } = {},
  ): Promise<LobbyMembersChange> {
    return this.db.transaction(async (tx) => {
      const lobby = await lockedLobby(tx, lobbyId);
      if (!lobby) throw new NotFoundError('lobby', lobbyId);
      return this.#change(tx, lobby, upserts, removals, limits, opts.replace ?? false);
    });
  }

  async createOrJoin(
    fresh: LobbyRecord, member: LobbyMemberInput, lobbyMetadata: LobbyMetadata | null | undefined, limits: LobbyLimits,
  ): Promise<{ lobby: LobbyRecord; created: boolean; metadataChanged: boolean; change: LobbyMembersChange }> {
    const secret = fresh.secret!;
    return this.db.transaction(async (tx) => {
      const app = id(fresh.applicationId, 'application_id');
      // One secret, one lobby: creators of the same secret wait for each other (PostgreSQL; SQLite has one writer).
      // The read after the lock must see what the one before committed: READ COMMITTED whatever the server's
      // default (under REPEATABLE READ the snapshot would predate the wait, and both would create).
      if (tx.dialect === 'postgres') {
        await tx.run('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
        await tx.get('SELECT pg_advisory_xact_lock(?, hashtext(?))', [PG_LOCK_SECRET, `${fresh.applicationId}.${secret}`]);
      }
      let lobby = (await lockedLobbyWhere(tx, 'application_id = ? AND secret = ? ORDER BY id DESC LIMIT 1', [app, secret]))?.lobby ?? null;
      // Its secret expired: the lobby stays as it is, its members still find it by the secret, and for anyone else
      // the secret makes a new one (Discord: "new users won't be able to join").
      if (lobby && limits.secretTtlMs !== undefined && lobby.createdAt <= fresh.createdAt - limits.secretTtlMs) {
        const already = await tx.get('SELECT 1 AS x FROM lobby_members WHERE lobby_id = ? AND user_id = ?', [id(lobby.id), id(member.userId, 'user_id')]);
        if (!already) lobby = null;
      }
      const created = !lobby;
      if (!lobby) {
        lobby = { ...fresh, metadata: lobbyMetadata ?? null };
        await insertLobby(tx, lobby);
      }
      const metadataChanged = !created && lobbyMetadata !== undefined && JSON.stringify(lobbyMetadata) !== JSON.stringify(lobby.metadata);
      if (metadataChanged) {
        await tx.run('UPDATE lobbies SET metadata = ? WHERE id = ?', [metadataColumn(lobbyMetadata ?? null), id(lobby.id)]);
        lobby = { ...lobby, metadata: lobbyMetadata ?? null };
      }
      const change = await this.#change(tx, lobby, [member], [], limits, false);
      // Thrown inside the transaction, so the lobby it created and the metadata it wrote roll back with it.
      if (change.dropped.length) throw new LimitReachedError('lobby_members', 0);
      return { lobby, created, metadataChanged, change };
    });
  }

  async linkedChannelIds(): Promise<Snowflake[]> {
    return (await this.db.all('SELECT linked_channel_id FROM lobbies WHERE linked_channel_id IS NOT NULL ORDER BY linked_channel_id')).map((r) => rs(r.linked_channel_id));
  }

  async listLinkedTo(channelIds: readonly Snowflake[]): Promise<LobbyRecord[]> {
    const out: LobbyRecord[] = [];
    for (const part of chunks(channelIds)) {
      out.push(...(await this.db.all(`SELECT * FROM lobbies WHERE linked_channel_id IN (${marks(part.length)}) ORDER BY id`, ids(part, 'channel_id'))).map(lobbyFromRow));
    }
    return out;
  }

  /**
   * Inside a transaction holding the lobby's row lock: removals first (so a replaced list makes room), then the
   * upserts in order (a user named twice: the last one counts). On PostgreSQL each user joining takes a lock on
   * (application, user), so two lobbies of one application cannot both take a user's last free place.
   */
  async #change(
    tx: SqlDriver, lobby: LobbyRecord, upsertList: readonly LobbyMemberInput[], removals: readonly Snowflake[], limits: LobbyLimits, replace: boolean,
  ): Promise<LobbyMembersChange> {
    const key = id(lobby.id);
    const upserts = [...new Map(upsertList.map((u) => [u.userId, u])).values()];
    const kept = new Set(upserts.map((u) => u.userId));
    const removing = new Set(removals);
    const existing = (await tx.all('SELECT user_id FROM lobby_members WHERE lobby_id = ?', [key])).map((r) => rs(r.user_id));
    const toRemove = existing.filter((u) => removing.has(u) || (replace && !kept.has(u)));
    for (const part of chunks(toRemove)) await tx.run(`DELETE FROM lobby_members WHERE lobby_id = ? AND user_id IN (${marks(part.length)})`, [key, ...ids(part, 'user_id')]);
    const present = new Set(existing.filter((u) => !toRemove.includes(u)));
    const change: LobbyMembersChange = { upserted: [], removed: toRemove, dropped: [] };
    const joining = upserts.filter((m) => !present.has(m.userId)).map((m) => m.userId).sort();
    if (tx.dialect === 'postgres') {
      for (const userId of joining) await tx.get('SELECT pg_advisory_xact_lock(?, hashtext(?))', [PG_LOCK_USER, `${lobby.applicationId}.${userId}`]);
    }
    for (const m of upserts) {
      const user = id(m.userId, 'user_id');
      const added = !present.has(m.userId);
      if (added) {
        const full = present.size >= limits.perLobby;
        const count = full ? 0 : rn((await tx.get(
          'SELECT COUNT(*) AS n FROM lobby_members m JOIN lobbies l ON l.id = m.lobby_id WHERE m.user_id = ? AND l.application_id = ?',
          [user, id(lobby.applicationId, 'application_id')],
        ))!.n);
        if (full || count >= limits.perUser) {
          change.dropped.push(m.userId);
          continue;
        }
      }
      // Only the fields given change an existing member.
      const updates = [
        ...(m.metadata !== undefined ? ['metadata = excluded.metadata'] : []),
        ...(m.flags !== undefined ? ['flags = excluded.flags'] : []),
        ...(m.additionalName !== undefined ? ['additional_name = excluded.additional_name'] : []),
      ];
      await tx.run(
        `INSERT INTO lobby_members (lobby_id, user_id, metadata, flags, additional_name) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (lobby_id, user_id) DO ${updates.length ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}`,
        [key, user, metadataColumn(m.metadata ?? null), int(m.flags ?? 0, 'flags'), m.additionalName ?? null],
      );
      present.add(m.userId);
      const stored = await tx.get('SELECT * FROM lobby_members WHERE lobby_id = ? AND user_id = ?', [key, user]);
      change.upserted.push({ member: memberFromRow(stored!), added });
    }
    return change;
  }

  async dueIdle(now: number, limit: number): Promise<LobbyRecord[]> {
    const rows = await this.db.all('SELECT * FROM lobbies WHERE idle_at <= ? ORDER BY idle_at, id LIMIT ?', [int(now, 'now'), int(limit, 'limit')]);
    return rows.map(lobbyFromRow);
  }

  async touch(lobbyIds: readonly Snowflake[], now: number): Promise<void> {
    for (const part of chunks(lobbyIds)) {
      await this.db.run(`UPDATE lobbies SET idle_at = CAST(? AS BIGINT) + idle_timeout_seconds * 1000 WHERE id IN (${marks(part.length)})`, [int(now, 'now'), ...ids(part, 'lobby_id')]);
    }
  }

  async deleteIfIdle(lobbyId: Snowflake, now: number): Promise<{ lobby: LobbyRecord; memberIds: Snowflake[] } | null> {
    return this.db.transaction(async (tx) => {
      const found = await lockedLobbyWhere(tx, 'id = ?', [id(lobbyId)]);
      if (!found || found.idleAt > now) return null;
      const lobby = found.lobby;
      const members = await tx.all('SELECT user_id FROM lobby_members WHERE lobby_id = ? ORDER BY user_id', [id(lobbyId)]);
      await tx.run('DELETE FROM lobbies WHERE id = ?', [id(lobbyId)]);
      return { lobby, memberIds: members.map((m) => rs(m.user_id)) };
    });
  }

  async link(lobbyId: Snowflake, channelId: Snowflake | null): Promise<LobbyRecord | null> {
    await this.db.run('UPDATE lobbies SET linked_channel_id = ? WHERE id = ?', [optId(channelId, 'channel_id'), id(lobbyId)], { fk: 'channel' });
    return this.get(lobbyId);
  }

  async addMessage(m: LobbyMessageRecord): Promise<void> {
    await this.db.run(
      'INSERT INTO lobby_messages (lobby_id, id, author_id, content, flags, additional_name, moderation_metadata, source_channel_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [id(m.lobbyId, 'lobby_id'), id(m.id), id(m.authorId, 'author_id'), m.content, int(m.flags, 'flags'), m.additionalName, metadataColumn(m.moderationMetadata), m.sourceChannelId ? id(m.sourceChannelId, 'source_channel_id') : null],
      { fk: 'lobby' },
    );
  }

  async messages(lobbyId: Snowflake, limit: number): Promise<LobbyMessageRecord[]> {
    const rows = await this.db.all('SELECT * FROM lobby_messages WHERE lobby_id = ? ORDER BY id DESC LIMIT ?', [id(lobbyId), int(limit, 'limit')]);
    return rows.map(messageFromRow);
  }

  async editMessage(lobbyId: Snowflake, messageId: Snowflake, content: string): Promise<LobbyMessageRecord | null> {
    const key = [id(lobbyId), id(messageId, 'message_id')];
    const changed = await this.db.run('UPDATE lobby_messages SET content = ? WHERE lobby_id = ? AND id = ?', [content, ...key]);
    if (changed.changes === 0) return null;
    const row = await this.db.get('SELECT * FROM lobby_messages WHERE lobby_id = ? AND id = ?', key);
    return row ? messageFromRow(row) : null;
  }

  async deleteMessages(lobbyId: Snowflake, messageIds: readonly Snowflake[]): Promise<Snowflake[]> {
    return this.db.transaction(async (tx) => {
      const out: Snowflake[] = [];
      for (const part of chunks(messageIds)) {
        const params = [id(lobbyId), ...ids(part, 'message_id')];
        const where = `lobby_id = ? AND id IN (${marks(part.length)})`;
        out.push(...(await tx.all(`SELECT id FROM lobby_messages WHERE ${where}`, params)).map((r) => rs(r.id)));
        await tx.run(`DELETE FROM lobby_messages WHERE ${where}`, params);
      }
      return out.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    });
  }

  async setModerationMetadata(lobbyId: Snowflake, messageId: Snowflake, metadata: LobbyMetadata): Promise<LobbyMessageRecord | null> {
    const key = [id(lobbyId), id(messageId, 'message_id')];
    await this.db.run('UPDATE lobby_messages SET moderation_metadata = ? WHERE lobby_id = ? AND id = ?', [metadataColumn(metadata), ...key]);
    const row = await this.db.get('SELECT * FROM lobby_messages WHERE lobby_id = ? AND id = ?', key);
    return row ? messageFromRow(row) : null;
  }
}
