/** Channels (with DM recipients), permission overwrites and invites. */
import { InvalidInputError, NotFoundError } from '../errors.ts';
import {
  ChannelType, type ChannelPositionUpdate, type ChannelRecord, type ChannelStore, type ChannelTypeValue, type InviteRecord,
  type InviteStore, type OverwriteRecord, type OverwriteStore, type Patch, type WithOutbox,
} from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { Row, SqlDriver, SqlValue } from './driver.ts';
import { writeOutbox } from './outbox.ts';
import { bits, bool, chunks, id, ids, int, optId, optInt, optText, rb, rn, rnn, rs, rsn, setClause, text } from './values.ts';

// ---------------------------------------------------------------------------------------------- channels

const CHANNEL_TYPES = new Set<number>(Object.values(ChannelType));

export function channelFromRow(r: Row): ChannelRecord {
  return {
    id: rs(r.id),
    type: rn(r.type) as ChannelTypeValue,
    guildId: rsn(r.guild_id),
    name: rsn(r.name),
    topic: rsn(r.topic),
    position: rn(r.position),
    parentId: rsn(r.parent_id),
    nsfw: rb(r.nsfw),
    rateLimitPerUser: rn(r.rate_limit_per_user),
    lastMessageId: rsn(r.last_message_id),
    lastPinTimestamp: rnn(r.last_pin_timestamp),
    ownerId: rsn(r.owner_id),
    icon: rsn(r.icon),
    bitrate: rnn(r.bitrate),
    userLimit: rnn(r.user_limit),
    createdAt: rn(r.created_at),
    ...(r.default_auto_archive_duration != null ? { defaultAutoArchiveDuration: rn(r.default_auto_archive_duration) } : {}),
    ...(r.default_thread_rate_limit_per_user != null ? { defaultThreadRateLimitPerUser: rn(r.default_thread_rate_limit_per_user) } : {}),
    ...(r.voice_status != null ? { voiceStatus: rs(r.voice_status) } : {}),
  };
}

function slowmode(v: unknown): number {
  const n = int(v, 'rate_limit_per_user');
  if (n < 0 || n > 21600) throw new InvalidInputError('rate_limit_per_user', 'must be 0–21600');
  return n;
}

export async function insertChannel(db: SqlDriver, c: ChannelRecord): Promise<void> {
  if (!CHANNEL_TYPES.has(c.type)) throw new InvalidInputError('type', 'unknown channel type');
  const isPrivate = c.type === ChannelType.DM || c.type === ChannelType.GROUP_DM;
  if (isPrivate !== (c.guildId === null)) throw new InvalidInputError('guild_id', isPrivate ? 'must be null for a DM' : 'required for a guild channel');
  // The thread defaults (migration 40) are written only when set: a channel without them inserts the columns every
  // schema since migration 1 has (a store driving an older schema, as the migration tests do, still creates channels).
  const defaults = c.defaultAutoArchiveDuration != null || c.defaultThreadRateLimitPerUser != null;
  await db.run(
    `INSERT INTO channels (id, type, guild_id, name, topic, position, parent_id, nsfw, rate_limit_per_user, last_message_id,
       last_pin_timestamp, owner_id, icon, bitrate, user_limit, created_at${defaults ? ', default_auto_archive_duration, default_thread_rate_limit_per_user' : ''})
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?${defaults ? ', ?, ?' : ''})`,
    [
      id(c.id), c.type, optId(c.guildId, 'guild_id'), optText(c.name, 'channelName', 'name'), optText(c.topic, 'topic', 'topic'),
      int(c.position, 'position'), optId(c.parentId, 'parent_id'), bool(c.nsfw, 'nsfw'), slowmode(c.rateLimitPerUser),
      optId(c.lastMessageId, 'last_message_id'), optInt(c.lastPinTimestamp, 'last_pin_timestamp'), optId(c.ownerId, 'owner_id'),
      optText(c.icon, 'shortText', 'icon'), optInt(c.bitrate, 'bitrate'), optInt(c.userLimit, 'user_limit'), int(c.createdAt, 'created_at'),
      ...(defaults ? [optInt(c.defaultAutoArchiveDuration ?? null, 'default_auto_archive_duration'), c.defaultThreadRateLimitPerUser == null ? null : slowmode(c.defaultThreadRateLimitPerUser)] : []),
    ],
    { fk: 'guild' },
  );
}

export class SqlChannelStore implements ChannelStore {
  constructor(private readonly db: SqlDriver) {}

  async create(channel: ChannelRecord, recipients: readonly Snowflake[] = [], overwrites: readonly OverwriteRecord[] = []): Promise<ChannelRecord> {
    const users = [...new Set(ids(recipients, 'recipients'))];
    const c = id(channel.id);
    ownOverwrites(channel.id, overwrites);
    await this.db.transaction(async (tx) => {
      await insertChannel(tx, channel);
      for (const u of users) await tx.run('INSERT INTO channel_recipients (channel_id, user_id) VALUES (?, ?)', [c, u]);
      for (const o of overwrites) await tx.run(PUT_OVERWRITE, overwriteParams(o), { fk: 'channel' });
    });
    return (await this.get(channel.id))!;
  }

  /** Always the row as stored (`staleLastMessageId` is for caches in front of the store). */
  async get(channelId: Snowflake, _opts?: { staleLastMessageId?: boolean }): Promise<ChannelRecord | null> {
    return getChannel(this.db, id(channelId));
  }

  async getLastMessageId(channelId: Snowflake): Promise<{ lastMessageId: Snowflake | null } | null> {
    const row = await this.db.get('SELECT last_message_id FROM channels WHERE id = ?', [id(channelId)]);
    return row ? { lastMessageId: rsn(row.last_message_id) } : null;
  }

  async advanceLastMessageId(channelId: Snowflake, messageId: Snowflake): Promise<void> {
    const key = id(messageId, 'last_message_id');
    await this.db.run('UPDATE channels SET last_message_id = ? WHERE id = ? AND (last_message_id IS NULL OR last_message_id < ?)', [key, id(channelId), key]);
  }

  async listByGuild(guildId: Snowflake): Promise<ChannelRecord[]> {
    // Threads (10, 11, 12) are not guild channels: they are listed through ThreadStore (sql/threads.ts).
    const rows = await this.db.all('SELECT * FROM channels WHERE guild_id = ? AND type NOT IN (10, 11, 12) ORDER BY position, id', [id(guildId, 'guild_id')]);
    return rows.map(channelFromRow);
  }

  async update(
    channelId: Snowflake,
    patch: Patch<ChannelRecord, 'id' | 'type' | 'guildId' | 'createdAt'>,
    opts: { overwrites?: readonly OverwriteRecord[] } = {},
  ): Promise<ChannelRecord> {
    const key = id(channelId);
    const set = setClause(patch, {
      name: ['name', (v) => optText(v, 'channelName', 'name')],
      topic: ['topic', (v) => optText(v, 'topic', 'topic')],
      position: ['position', (v) => int(v, 'position')],
      parentId: ['parent_id', (v) => optId(v, 'parent_id')],
      nsfw: ['nsfw', (v) => bool(v, 'nsfw')],
      rateLimitPerUser: ['rate_limit_per_user', slowmode],
      lastMessageId: ['last_message_id', (v) => optId(v, 'last_message_id')],
      lastPinTimestamp: ['last_pin_timestamp', (v) => optInt(v, 'last_pin_timestamp')],
      ownerId: ['owner_id', (v) => optId(v, 'owner_id')],
      icon: ['icon', (v) => optText(v, 'shortText', 'icon')],
      bitrate: ['bitrate', (v) => optInt(v, 'bitrate')],
      userLimit: ['user_limit', (v) => optInt(v, 'user_limit')],
      defaultAutoArchiveDuration: ['default_auto_archive_duration', (v) => optInt(v, 'default_auto_archive_duration')],
      defaultThreadRateLimitPerUser: ['default_thread_rate_limit_per_user', (v) => (v == null ? null : slowmode(v))],
      voiceStatus: ['voice_status', (v) => optText(v, 'voiceStatus', 'voice_status')],
    });
    const overwrites = opts.overwrites;
    if (overwrites) ownOverwrites(channelId, overwrites);
    const write = async (db: SqlDriver) => {
      if (set.sql) {
        const { changes } = await db.run(`UPDATE channels SET ${set.sql} WHERE id = ?`, [...set.params, key]);
        if (changes === 0) throw new NotFoundError('channel', channelId);
      }
      if (overwrites) await writeOverwrites(db, key, channelId, overwrites);
      const channel = await getChannel(db, key);
      if (!channel) throw new NotFoundError('channel', channelId);
      return channel;
    };
    // One statement needs no transaction; fields with overwrites do.
    return overwrites ? this.db.transaction(write) : write(this.db);
  }

  async setType(channelId: Snowflake, type: ChannelTypeValue): Promise<void> {
    const { changes } = await this.db.run('UPDATE channels SET type = ? WHERE id = ?', [int(type, 'type'), id(channelId)]);
    if (changes === 0) throw new NotFoundError('channel', channelId);
  }

  async setPositions(guildId: Snowflake, updates: readonly ChannelPositionUpdate[]): Promise<void> {
    const g = id(guildId, 'guild_id');
    const rows = updates.map((u) => ({
      id: id(u.id),
      position: int(u.position, 'position'),
      parent: u.parentId === undefined ? undefined : optId(u.parentId, 'parent_id'),
      lock: u.lockPermissions === undefined ? false : bool(u.lockPermissions, 'lock_permissions') === 1,
    }));
    await this.db.transaction(async (tx) => {
      for (const u of rows) {
        const { changes } = u.parent === undefined
          ? await tx.run('UPDATE channels SET position = ? WHERE id = ? AND guild_id = ?', [u.position, u.id, g])
          : await tx.run('UPDATE channels SET position = ?, parent_id = ? WHERE id = ? AND guild_id = ?', [u.position, u.parent, u.id, g]);
        if (changes === 0) throw new NotFoundError('channel', u.id.toString());
      }
      // After every move, so a lock copies from the parent the batch leaves the channel in.
      for (const u of rows.filter((r) => r.lock)) {
        const parent = await tx.get('SELECT parent_id FROM channels WHERE id = ?', [u.id]);
        if (parent?.parent_id == null) continue;
        await tx.run('DELETE FROM overwrites WHERE channel_id = ?', [u.id]);
        await tx.run(
          'INSERT INTO overwrites (channel_id, id, type, allow, deny) SELECT c.id, o.id, o.type, o.allow, o.deny FROM channels c JOIN overwrites o ON o.channel_id = c.parent_id WHERE c.id = ?',
          [u.id],
        );
      }
    });
  }

  async delete(channelId: Snowflake, opts?: WithOutbox<void>): Promise<void> {
    const key = id(channelId);
    await this.db.transaction(async (tx) => {
      // A channel's threads go with it; other children (a category's channels) are unparented.
      await tx.run('DELETE FROM channels WHERE parent_id = ? AND type IN (10, 11, 12)', [key]);
      await tx.run('UPDATE channels SET parent_id = NULL WHERE parent_id = ?', [key]);
      // Messages (with reactions and pins), overwrites, invites, read states and recipients cascade.
      const { changes } = await tx.run('DELETE FROM channels WHERE id = ?', [key]);
      if (changes === 0) throw new NotFoundError('channel', channelId);
      await writeOutbox(tx, opts, undefined);
    });
  }

  async findDm(userA: Snowflake, userB: Snowflake): Promise<ChannelRecord | null> {
    const row = await this.db.get(
      `SELECT c.* FROM channels c
       JOIN channel_recipients a ON a.channel_id = c.id AND a.user_id = ?
       JOIN channel_recipients b ON b.channel_id = c.id AND b.user_id = ?
       WHERE c.type = ? ORDER BY c.id LIMIT 1`,
      [id(userA, 'user_id'), id(userB, 'user_id'), ChannelType.DM],
    );
    return row ? channelFromRow(row) : null;
  }

  async listPrivateForUser(userId: Snowflake): Promise<ChannelRecord[]> {
    const rows = await this.db.all(
      'SELECT c.* FROM channel_recipients r JOIN channels c ON c.id = r.channel_id WHERE r.user_id = ? ORDER BY c.id',
      [id(userId, 'user_id')],
    );
    return rows.map(channelFromRow);
  }

  async listRecipients(channelId: Snowflake): Promise<Snowflake[]> {
    const rows = await this.db.all('SELECT user_id FROM channel_recipients WHERE channel_id = ? ORDER BY user_id', [id(channelId)]);
    return rows.map((r) => rs(r.user_id));
  }

  async listPrivateWithRecipients(userId: Snowflake): Promise<Array<{ channel: ChannelRecord; recipients: Snowflake[] }>> {
    // A row per (channel, recipient): the user's own recipient rows lead to the channel and to all its recipients.
    const rows = await this.db.all(
      `SELECT c.*, o.user_id AS recipient_id FROM channel_recipients me
       JOIN channels c ON c.id = me.channel_id JOIN channel_recipients o ON o.channel_id = me.channel_id
       WHERE me.user_id = ? ORDER BY c.id, o.user_id`,
      [id(userId, 'user_id')],
    );
    const out: Array<{ channel: ChannelRecord; recipients: Snowflake[] }> = [];
    for (const r of rows) {
      let last = out[out.length - 1];
      if (!last || last.channel.id !== rs(r.id)) out.push((last = { channel: channelFromRow(r), recipients: [] }));
      last.recipients.push(rs(r.recipient_id));
    }
    return out;
  }

  async addRecipient(channelId: Snowflake, userId: Snowflake): Promise<void> {
    await this.db.run(
      'INSERT INTO channel_recipients (channel_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING',
      [id(channelId), id(userId, 'user_id')],
      { fk: 'channel' },
    );
  }

  async removeRecipient(channelId: Snowflake, userId: Snowflake): Promise<void> {
    await this.db.run('DELETE FROM channel_recipients WHERE channel_id = ? AND user_id = ?', [id(channelId), id(userId, 'user_id')]);
  }

  async removeGroupRecipient(channelId: Snowflake, userId: Snowflake): Promise<{ channel: ChannelRecord | null; recipients: Snowflake[] }> {
    const c = id(channelId);
    const u = id(userId, 'user_id');
    return this.db.transaction(async (tx) => {
      // A no-op UPDATE first: it locks the channel row (PostgreSQL), so two recipients leaving at once serialise
      // and the second sees the first gone — otherwise each sees the other remaining and nobody deletes the group.
      const row = await tx.get('UPDATE channels SET owner_id = owner_id WHERE id = ? RETURNING *', [c]);
      if (!row) throw new NotFoundError('channel', channelId);
      const channel = channelFromRow(row);
      if (channel.type !== ChannelType.GROUP_DM) throw new InvalidInputError('type', 'not a group DM');
      await tx.run('DELETE FROM channel_recipients WHERE channel_id = ? AND user_id = ?', [c, u]);
      const recipients = (await tx.all('SELECT user_id FROM channel_recipients WHERE channel_id = ? ORDER BY user_id', [c])).map((r) => rs(r.user_id));
      if (recipients.length === 0) {
        // Messages, overwrites, invites, read states cascade; a group DM has no children to unparent.
        await tx.run('DELETE FROM channels WHERE id = ?', [c]);
        return { channel: null, recipients };
      }
      if (channel.ownerId === null || !recipients.includes(channel.ownerId)) {
        await tx.run('UPDATE channels SET owner_id = ? WHERE id = ?', [BigInt(recipients[0]!), c]);
        channel.ownerId = recipients[0]!;
      }
      return { channel, recipients };
    });
  }
}

async function getChannel(db: SqlDriver, key: bigint): Promise<ChannelRecord | null> {
  const row = await db.get('SELECT * FROM channels WHERE id = ?', [key]);
  return row ? channelFromRow(row) : null;
}

// -------------------------------------------------------------------------------------------- overwrites

function overwriteFromRow(r: Row): OverwriteRecord {
  return { channelId: rs(r.channel_id), id: rs(r.id), type: rn(r.type) as 0 | 1, allow: rs(r.allow), deny: rs(r.deny) };
}

export function overwriteParams(o: OverwriteRecord) {
  if (o.type !== 0 && o.type !== 1) throw new InvalidInputError('type', 'must be 0 (role) or 1 (member)');
  return [id(o.channelId, 'channel_id'), id(o.id), o.type, bits(o.allow, 'allow'), bits(o.deny, 'deny')];
}

/** Every overwrite of a set must name the channel it is written to. */
function ownOverwrites(channelId: Snowflake, overwrites: readonly OverwriteRecord[]): void {
  if (!Array.isArray(overwrites)) throw new InvalidInputError('overwrites', 'not a list');
  for (const o of overwrites) if (o.channelId !== channelId) throw new InvalidInputError('channel_id', 'overwrite of another channel');
}

export const PUT_OVERWRITE = `INSERT INTO overwrites (channel_id, id, type, allow, deny) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (channel_id, id) DO UPDATE SET type = excluded.type, allow = excluded.allow, deny = excluded.deny`;

/**
 * Replaces the channel's overwrite set; call inside a transaction. Each overwrite is validated as it is written,
 * so a bad one half-way throws inside the transaction and the caller's rollback undoes the rest.
 */
async function writeOverwrites(tx: SqlDriver, key: bigint, channelId: Snowflake, overwrites: readonly OverwriteRecord[]): Promise<void> {
  const exists = await tx.get('SELECT 1 AS x FROM channels WHERE id = ?', [key]);
  if (!exists) throw new NotFoundError('channel', channelId);
  await tx.run('DELETE FROM overwrites WHERE channel_id = ?', [key]);
  for (const o of overwrites) await tx.run(PUT_OVERWRITE, overwriteParams(o), { fk: 'channel' });
}

export class SqlOverwriteStore implements OverwriteStore {
  constructor(private readonly db: SqlDriver) {}

  async put(overwrite: OverwriteRecord): Promise<OverwriteRecord> {
    await this.db.run(PUT_OVERWRITE, overwriteParams(overwrite), { fk: 'channel' });
    return { channelId: overwrite.channelId, id: overwrite.id, type: overwrite.type, allow: overwrite.allow, deny: overwrite.deny };
  }

  async listByChannel(channelId: Snowflake): Promise<OverwriteRecord[]> {
    const rows = await this.db.all('SELECT * FROM overwrites WHERE channel_id = ? ORDER BY id', [id(channelId, 'channel_id')]);
    return rows.map(overwriteFromRow);
  }

  async listByGuild(guildId: Snowflake): Promise<OverwriteRecord[]> {
    const rows = await this.db.all(
      'SELECT o.* FROM overwrites o JOIN channels c ON c.id = o.channel_id WHERE c.guild_id = ? ORDER BY o.channel_id, o.id',
      [id(guildId, 'guild_id')],
    );
    return rows.map(overwriteFromRow);
  }

  async replaceForChannel(channelId: Snowflake, overwrites: readonly OverwriteRecord[]): Promise<void> {
    const c = id(channelId, 'channel_id');
    ownOverwrites(channelId, overwrites);
    await this.db.transaction((tx) => writeOverwrites(tx, c, channelId, overwrites));
  }

  async delete(channelId: Snowflake, overwriteId: Snowflake): Promise<void> {
    const { changes } = await this.db.run('DELETE FROM overwrites WHERE channel_id = ? AND id = ?', [id(channelId, 'channel_id'), id(overwriteId)]);
    if (changes === 0) throw new NotFoundError('overwrite', overwriteId);
  }
}

// ----------------------------------------------------------------------------------------------- invites

function inviteFromRow(r: Row): InviteRecord {
  return {
    code: rs(r.code),
    guildId: rsn(r.guild_id),
    channelId: rs(r.channel_id),
    inviterId: rsn(r.inviter_id),
    uses: rn(r.uses),
    maxUses: rn(r.max_uses),
    maxAge: rn(r.max_age),
    temporary: rb(r.temporary),
    createdAt: rn(r.created_at),
    expiresAt: rnn(r.expires_at),
    roleIds: r.role_ids == null ? [] : (JSON.parse(String(r.role_ids)) as Snowflake[]),
    targetUsersAt: r.target_users_at == null ? null : rn(r.target_users_at),
  };
}

/** The roles an invite gives: distinct snowflakes, stored as a JSON list. */
function inviteRoleIds(value: unknown): string {
  if (value === undefined || value === null) return '[]';
  return JSON.stringify([...new Set(ids(value as unknown[], 'role_ids'))].map(String));
}

/** Target users: distinct snowflakes in their first order, at least one. */
function targetUserIds(value: unknown): bigint[] {
  const list = [...new Set(ids(value as unknown[], 'target_user_ids'))];
  if (list.length === 0) throw new InvalidInputError('target_user_ids', 'must not be empty');
  return list;
}

/** Stores an invite's target users (none stored before); call inside a transaction. */
async function insertTargetUsers(tx: SqlDriver, code: string, users: readonly bigint[]): Promise<void> {
  let position = 0;
  for (const chunk of chunks(users, 300)) {
    const values: SqlValue[] = [];
    for (const u of chunk) values.push(code, u, position++);
    await tx.run(`INSERT INTO invite_target_users (code, user_id, position) VALUES ${chunk.map(() => '(?, ?, ?)').join(', ')}`, values);
  }
}

function nonNegative(v: unknown, field: string): number {
  const n = int(v, field);
  if (n < 0) throw new InvalidInputError(field, 'must not be negative');
  return n;
}

const NOT_EXPIRED = '(expires_at IS NULL OR expires_at > ?)';
/** The invite may be used by the user bound to `?`: it is not targeted, or the user is on its list. */
const IS_TARGET = '(target_users_at IS NULL OR EXISTS (SELECT 1 FROM invite_target_users t WHERE t.code = invites.code AND t.user_id = ?))';

/** The invite, if `userId` could use it now (not expired, uses left, not targeted at others); counts nothing. */
export async function usableInvite(db: SqlDriver, code: string, now: number, userId: Snowflake): Promise<InviteRecord | null> {
  const row = await db.get(`SELECT * FROM invites WHERE code = ? AND (max_uses = 0 OR uses < max_uses) AND ${NOT_EXPIRED} AND ${IS_TARGET}`, [code, now, id(userId, 'user_id')]);
  return row ? inviteFromRow(row) : null;
}

/**
 * Counts one use of a valid code (1–32 chars); call inside a transaction. Null when unknown, expired or used up,
 * or (given `userId`) targeted at others; an expired invite is swept, one reaching maxUses deleted.
 */
export async function useInvite(tx: SqlDriver, code: string, now: number, userId?: Snowflake): Promise<InviteRecord | null> {
  // One conditional UPDATE: concurrent uses serialise on the row and each re-checks the limit.
  const row = await tx.get(
    `UPDATE invites SET uses = uses + 1 WHERE code = ? AND (max_uses = 0 OR uses < max_uses) AND ${NOT_EXPIRED}${userId === undefined ? '' : ` AND ${IS_TARGET}`} RETURNING *`,
    userId === undefined ? [code, now] : [code, now, id(userId, 'user_id')],
  );
  if (!row) {
    await tx.run('DELETE FROM invites WHERE code = ? AND expires_at <= ?', [code, now]);
    return null;
  }
  const invite = inviteFromRow(row);
  if (invite.maxUses > 0 && invite.uses >= invite.maxUses) await tx.run('DELETE FROM invites WHERE code = ?', [code]);
  return invite;
}

export class SqlInviteStore implements InviteStore {
  constructor(private readonly db: SqlDriver) {}

  async create(invite: InviteRecord, opts: { targetUserIds?: readonly Snowflake[] } = {}): Promise<InviteRecord> {
    const code = text(invite.code, 'inviteCode', 'code');
    const values = [
      code, optId(invite.guildId, 'guild_id'), id(invite.channelId, 'channel_id'),
      optId(invite.inviterId, 'inviter_id'), nonNegative(invite.uses, 'uses'), nonNegative(invite.maxUses, 'max_uses'),
      nonNegative(invite.maxAge, 'max_age'), bool(invite.temporary, 'temporary'), int(invite.createdAt, 'created_at'),
      optInt(invite.expiresAt, 'expires_at'), inviteRoleIds(invite.roleIds),
    ];
    const targets = opts.targetUserIds === undefined ? null : targetUserIds(opts.targetUserIds);
    return this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO invites (code, guild_id, channel_id, inviter_id, uses, max_uses, max_age, temporary, created_at, expires_at, role_ids, target_users_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [...values, targets ? invite.createdAt : null],
        { fk: 'channel' },
      );
      if (targets) await insertTargetUsers(tx, code, targets);
      return inviteFromRow((await tx.get('SELECT * FROM invites WHERE code = ?', [code]))!);
    });
  }

  async get(code: string, now: number = Date.now()): Promise<InviteRecord | null> {
    if (typeof code !== 'string' || code.length === 0 || code.length > 32) return null;
    const row = await this.db.get('SELECT * FROM invites WHERE code = ?', [code]);
    if (!row) return null;
    const invite = inviteFromRow(row);
    if (invite.expiresAt !== null && invite.expiresAt <= now) {
      await this.db.run('DELETE FROM invites WHERE code = ? AND expires_at <= ?', [code, now]);
      return null;
    }
    return invite;
  }

  /** Unexpired invites of the guild, oldest first. */
  async listByGuild(guildId: Snowflake): Promise<InviteRecord[]> {
    const rows = await this.db.all(`SELECT * FROM invites WHERE guild_id = ? AND ${NOT_EXPIRED} ORDER BY created_at, code`, [id(guildId, 'guild_id'), Date.now()]);
    return rows.map(inviteFromRow);
  }

  /** Unexpired invites of the channel, oldest first. */
  async listByChannel(channelId: Snowflake): Promise<InviteRecord[]> {
    const rows = await this.db.all(`SELECT * FROM invites WHERE channel_id = ? AND ${NOT_EXPIRED} ORDER BY created_at, code`, [id(channelId, 'channel_id'), Date.now()]);
    return rows.map(inviteFromRow);
  }

  async use(code: string, now: number = Date.now()): Promise<InviteRecord | null> {
    if (typeof code !== 'string' || code.length === 0 || code.length > 32) return null;
    return this.db.transaction((tx) => useInvite(tx, code, now));
  }

  async delete(code: string): Promise<void> {
    const { changes } = typeof code === 'string' ? await this.db.run('DELETE FROM invites WHERE code = ?', [code]) : { changes: 0 };
    if (changes === 0) throw new NotFoundError('invite', String(code));
  }

  async targetUsers(code: string): Promise<Snowflake[] | null> {
    if (typeof code !== 'string' || !(await this.db.get('SELECT 1 AS x FROM invites WHERE code = ?', [code]))) return null;
    const rows = await this.db.all('SELECT user_id FROM invite_target_users WHERE code = ? ORDER BY position', [code]);
    return rows.map((r) => rs(r.user_id));
  }

  async targetUserCount(code: string): Promise<number> {
    if (typeof code !== 'string') return 0;
    return rn((await this.db.get('SELECT COUNT(*) AS n FROM invite_target_users WHERE code = ?', [code]))!.n);
  }

  async isTargetUser(code: string, userId: Snowflake): Promise<boolean> {
    if (typeof code !== 'string') return false;
    return Boolean(await this.db.get('SELECT 1 AS x FROM invite_target_users WHERE code = ? AND user_id = ?', [code, id(userId, 'user_id')]));
  }

  async setTargetUsers(code: string, userIds: readonly Snowflake[], now: number): Promise<InviteRecord> {
    const users = targetUserIds(userIds);
    const at = int(now, 'now');
    if (typeof code !== 'string') throw new NotFoundError('invite', String(code));
    return this.db.transaction(async (tx) => {
      const row = await tx.get('UPDATE invites SET target_users_at = ? WHERE code = ? RETURNING *', [at, code]);
      if (!row) throw new NotFoundError('invite', code);
      await tx.run('DELETE FROM invite_target_users WHERE code = ?', [code]);
      await insertTargetUsers(tx, code, users);
      return inviteFromRow(row);
    });
  }
}
