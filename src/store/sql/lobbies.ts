/** Lobbies, their members and messages (types.ts LobbyStore). */
import type { LobbyLimits, LobbyMemberInput, LobbyMemberRecord, LobbyMembersChange, LobbyMessageRecord, LobbyMetadata, LobbyRecord, LobbyStore } from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import { NotFoundError } from '../errors.ts';
import type { Row, SqlDriver } from './driver.ts';
import { chunks, id, ids, int, marks, optId, rj, rn, rs, rsn } from './values.ts';

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
  };
}

export class SqlLobbyStore implements LobbyStore {
  constructor(private readonly db: SqlDriver) {}

  async create(lobby: LobbyRecord, members: readonly LobbyMemberInput[], limits: LobbyLimits): Promise<LobbyMembersChange> {
    return this.db.transaction(async (tx) => {
      await tx.run(
        'INSERT INTO lobbies (id, application_id, secret, metadata, idle_timeout_seconds, linked_channel_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [id(lobby.id), id(lobby.applicationId, 'application_id'), lobby.secret, metadataColumn(lobby.metadata), int(lobby.idleTimeoutSeconds, 'idle_timeout_seconds'), optId(lobby.linkedChannelId, 'linked_channel_id'), int(lobby.createdAt, 'created_at')],
        { fk: 'channel' },
      );
      return this.#change(tx, lobby, members, [], limits, false);
    });
  }

  async get(lobbyId: Snowflake): Promise<LobbyRecord | null> {
    const row = await this.db.get('SELECT * FROM lobbies WHERE id = ?', [id(lobbyId)]);
    return row ? lobbyFromRow(row) : null;
  }

  async getBySecret(applicationId: Snowflake, secret: string): Promise<LobbyRecord | null> {
    const row = await this.db.get('SELECT * FROM lobbies WHERE application_id = ? AND secret = ?', [id(applicationId, 'application_id'), secret]);
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
      sets.push('idle_timeout_seconds = ?');
      params.push(int(patch.idleTimeoutSeconds, 'idle_timeout_seconds'));
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

  async changeMembers(
    lobbyId: Snowflake, upserts: readonly LobbyMemberInput[], removals: readonly Snowflake[], limits: LobbyLimits, opts: { replace?: boolean } = {},
  ): Promise<LobbyMembersChange> {
    return this.db.transaction(async (tx) => {
      const row = await tx.get('SELECT * FROM lobbies WHERE id = ?', [id(lobbyId)]);
      if (!row) throw new NotFoundError('lobby', lobbyId);
      return this.#change(tx, lobbyFromRow(row), upserts, removals, limits, opts.replace ?? false);
    });
  }

  /** Inside a transaction: removals first (so a replaced list makes room), then the upserts in order. */
  async #change(
    tx: SqlDriver, lobby: LobbyRecord, upserts: readonly LobbyMemberInput[], removals: readonly Snowflake[], limits: LobbyLimits, replace: boolean,
  ): Promise<LobbyMembersChange> {
    const key = id(lobby.id);
    const kept = new Set(upserts.map((u) => u.userId));
    const existing = (await tx.all('SELECT user_id FROM lobby_members WHERE lobby_id = ?', [key])).map((r) => rs(r.user_id));
    const toRemove = existing.filter((u) => removals.includes(u) || (replace && !kept.has(u)));
    for (const part of chunks(toRemove)) await tx.run(`DELETE FROM lobby_members WHERE lobby_id = ? AND user_id IN (${marks(part.length)})`, [key, ...ids(part, 'user_id')]);
    const present = new Set(existing.filter((u) => !toRemove.includes(u)));
    const change: LobbyMembersChange = { upserted: [], removed: toRemove, dropped: [] };
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
      const keepName = m.additionalName === undefined;
      await tx.run(
        `INSERT INTO lobby_members (lobby_id, user_id, metadata, flags, additional_name) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (lobby_id, user_id) DO UPDATE SET metadata = excluded.metadata, flags = excluded.flags${keepName ? '' : ', additional_name = excluded.additional_name'}`,
        [key, user, metadataColumn(m.metadata), int(m.flags, 'flags'), m.additionalName ?? null],
      );
      present.add(m.userId);
      const stored = await tx.get('SELECT * FROM lobby_members WHERE lobby_id = ? AND user_id = ?', [key, user]);
      change.upserted.push({ member: memberFromRow(stored!), added });
    }
    return change;
  }

  async link(lobbyId: Snowflake, channelId: Snowflake | null): Promise<LobbyRecord | null> {
    await this.db.run('UPDATE lobbies SET linked_channel_id = ? WHERE id = ?', [optId(channelId, 'channel_id'), id(lobbyId)], { fk: 'channel' });
    return this.get(lobbyId);
  }

  async addMessage(m: LobbyMessageRecord): Promise<void> {
    await this.db.run(
      'INSERT INTO lobby_messages (lobby_id, id, author_id, content, flags, additional_name, moderation_metadata) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [id(m.lobbyId, 'lobby_id'), id(m.id), id(m.authorId, 'author_id'), m.content, int(m.flags, 'flags'), m.additionalName, metadataColumn(m.moderationMetadata)],
      { fk: 'lobby' },
    );
  }

  async messages(lobbyId: Snowflake, limit: number): Promise<LobbyMessageRecord[]> {
    const rows = await this.db.all('SELECT * FROM lobby_messages WHERE lobby_id = ? ORDER BY id DESC LIMIT ?', [id(lobbyId), int(limit, 'limit')]);
    return rows.map(messageFromRow);
  }

  async setModerationMetadata(lobbyId: Snowflake, messageId: Snowflake, metadata: LobbyMetadata): Promise<LobbyMessageRecord | null> {
    const key = [id(lobbyId), id(messageId, 'message_id')];
    await this.db.run('UPDATE lobby_messages SET moderation_metadata = ? WHERE lobby_id = ? AND id = ?', [metadataColumn(metadata), ...key]);
    const row = await this.db.get('SELECT * FROM lobby_messages WHERE lobby_id = ? AND id = ?', key);
    return row ? messageFromRow(row) : null;
  }
}
