/** Guilds, roles, members and bans. */
import { InvalidInputError, NotFoundError, StoreError, StoreUnavailableError } from '../errors.ts';
import { PAGE_LIMITS } from '../limits.ts';
import type {
  BanRecord, BanResult, BanStore, FeatureChange, GuildCreateBundle, GuildRecord, GuildStore, InviteRecord, MemberRecord, MemberStore, Patch, RoleRecord,
  RemovedAttachment, RoleStore, TemporaryMembership, WithOutbox,
} from '../types.ts';
import { snowflakeFromTimestamp, type Snowflake } from '../../protocol/snowflake.ts';
import { bucketOf } from '../../protocol/snowflake.ts';
import type { Row, SqlDriver, SqlValue } from './driver.ts';
import { insertChannel, overwriteParams, PUT_OVERWRITE, usableInvite, useInvite } from './channels.ts';
import { COMMUNITY_COLUMNS, communityFromRow } from './guild-community.ts';
import { hasOutbox, removedAttachments, writeOutbox } from './outbox.ts';
import {
  bits, bool, chunks, id, ids, int, json, marks, optId, optInt, optText, pageLimit, rb, rj, rn, rnn, rs, rsn, setClause, text,
} from './values.ts';
import { idsAmong } from './ids-among.ts';

// ------------------------------------------------------------------------------------------------ guilds

function guildFromRow(r: Row): GuildRecord {
  return {
    id: rs(r.id),
    name: rs(r.name),
    icon: rsn(r.icon),
    banner: rsn(r.banner),
    splash: rsn(r.splash),
    description: rsn(r.description),
    ownerId: rs(r.owner_id),
    systemChannelId: rsn(r.system_channel_id),
    afkChannelId: rsn(r.afk_channel_id),
    afkTimeout: rn(r.afk_timeout),
    verificationLevel: rn(r.verification_level),
    defaultMessageNotifications: rn(r.default_message_notifications),
    explicitContentFilter: rn(r.explicit_content_filter),
    preferredLocale: rs(r.preferred_locale),
    features: rj<string[]>(r.features, []),
    createdAt: rn(r.created_at),
    ...communityFromRow(r),
    ...settingsFromRow(r),
  };
}

/** Modify Guild's later settings, each present only when set (as the community ones: a new guild reads as created). */
function settingsFromRow(r: Row): Partial<GuildRecord> {
  const out: Partial<GuildRecord> = {};
  if (r.system_channel_flags != null && rn(r.system_channel_flags) !== 0) out.systemChannelFlags = rn(r.system_channel_flags);
  if (r.rules_channel_id != null) out.rulesChannelId = rs(r.rules_channel_id);
  if (r.public_updates_channel_id != null) out.publicUpdatesChannelId = rs(r.public_updates_channel_id);
  if (r.safety_alerts_channel_id != null) out.safetyAlertsChannelId = rs(r.safety_alerts_channel_id);
  if (r.premium_progress_bar_enabled != null && rb(r.premium_progress_bar_enabled)) out.premiumProgressBarEnabled = true;
  if (r.invites_disabled_until != null) out.invitesDisabledUntil = rn(r.invites_disabled_until);
  if (r.dms_disabled_until != null) out.dmsDisabledUntil = rn(r.dms_disabled_until);
  if (r.mfa_level != null && rn(r.mfa_level) !== 0) out.mfaLevel = rn(r.mfa_level);
  return out;
}

function features(v: unknown): string {
  if (!Array.isArray(v) || !v.every((f) => typeof f === 'string')) throw new InvalidInputError('features', 'not a list of strings');
  return json(v, 'features');
}

/** Compare-and-set rounds of a feature change before it gives up (each lost round is another edit landing). */
const FEATURE_CHANGE_ROUNDS = 16;

export class SqlGuildStore implements GuildStore {
  constructor(private readonly db: SqlDriver) {}

  async create(bundle: GuildCreateBundle): Promise<GuildRecord> {
    const g = bundle.guild;
    const guildId = id(g.id);
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO guilds (id, name, icon, banner, splash, description, owner_id, system_channel_id, afk_channel_id, afk_timeout,
           verification_level, default_message_notifications, explicit_content_filter, preferred_locale, features, created_at, system_channel_flags)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          guildId, text(g.name, 'guildName', 'name'), optText(g.icon, 'shortText', 'icon'),
          optText(g.banner ?? null, 'shortText', 'banner'), optText(g.splash ?? null, 'shortText', 'splash'),
          optText(g.description, 'topic', 'description'), id(g.ownerId, 'owner_id'),
          optId(g.systemChannelId, 'system_channel_id'), optId(g.afkChannelId, 'afk_channel_id'),
          int(g.afkTimeout, 'afk_timeout'), int(g.verificationLevel, 'verification_level'),
          int(g.defaultMessageNotifications, 'default_message_notifications'),
          int(g.explicitContentFilter, 'explicit_content_filter'), text(g.preferredLocale, 'shortText', 'preferred_locale'),
          features(g.features), int(g.createdAt, 'created_at'), int(g.systemChannelFlags ?? 0, 'system_channel_flags'),
        ],
      );
      for (const role of bundle.roles) {
        if (role.guildId !== g.id) throw new InvalidInputError('roles', 'role of another guild');
        await insertRole(tx, role);
      }
      for (const channel of bundle.channels) {
        if (channel.guildId !== g.id) throw new InvalidInputError('channels', 'channel of another guild');
        await insertChannel(tx, channel);
      }
      const channelIds = new Set(bundle.channels.map((c) => c.id));
      for (const o of bundle.overwrites ?? []) {
        if (!channelIds.has(o.channelId)) throw new InvalidInputError('overwrites', 'overwrite of a channel not created here');
        await tx.run(PUT_OVERWRITE, overwriteParams(o));
      }
      if (bundle.owner.guildId !== g.id) throw new InvalidInputError('owner', 'member of another guild');
      await insertMember(tx, bundle.owner);
    });
    return (await this.get(g.id))!;
  }

  async get(guildId: Snowflake): Promise<GuildRecord | null> {
    const row = await this.db.get('SELECT * FROM guilds WHERE id = ?', [id(guildId)]);
    return row ? guildFromRow(row) : null;
  }

  async getMany(guildIds: readonly Snowflake[]): Promise<GuildRecord[]> {
    const wanted = ids(guildIds, 'id');
    const found = new Map<string, GuildRecord>();
    for (const chunk of chunks([...new Set(wanted)])) {
      const rows = await this.db.all(`SELECT * FROM guilds WHERE id IN (${marks(chunk.length)})`, chunk);
      for (const r of rows) found.set(rs(r.id), guildFromRow(r));
    }
    return wanted.map((w) => found.get(w.toString())).filter((g): g is GuildRecord => g !== undefined);
  }

  async update(guildId: Snowflake, patch: Patch<GuildRecord, 'id' | 'createdAt'>, opts?: { features?: FeatureChange }): Promise<GuildRecord> {
    const key = id(guildId);
    const set = setClause(patch, {
      name: ['name', (v) => text(v, 'guildName', 'name')],
      icon: ['icon', (v) => optText(v, 'shortText', 'icon')],
      banner: ['banner', (v) => optText(v, 'shortText', 'banner')],
      splash: ['splash', (v) => optText(v, 'shortText', 'splash')],
      description: ['description', (v) => optText(v, 'topic', 'description')],
      ownerId: ['owner_id', (v) => id(v, 'owner_id')],
      systemChannelId: ['system_channel_id', (v) => optId(v, 'system_channel_id')],
      afkChannelId: ['afk_channel_id', (v) => optId(v, 'afk_channel_id')],
      afkTimeout: ['afk_timeout', (v) => int(v, 'afk_timeout')],
      verificationLevel: ['verification_level', (v) => int(v, 'verification_level')],
      defaultMessageNotifications: ['default_message_notifications', (v) => int(v, 'default_message_notifications')],
      explicitContentFilter: ['explicit_content_filter', (v) => int(v, 'explicit_content_filter')],
      preferredLocale: ['preferred_locale', (v) => text(v, 'shortText', 'preferred_locale')],
      features: ['features', features],
      systemChannelFlags: ['system_channel_flags', (v) => int(v, 'system_channel_flags')],
      rulesChannelId: ['rules_channel_id', (v) => optId(v, 'rules_channel_id')],
      publicUpdatesChannelId: ['public_updates_channel_id', (v) => optId(v, 'public_updates_channel_id')],
      safetyAlertsChannelId: ['safety_alerts_channel_id', (v) => optId(v, 'safety_alerts_channel_id')],
      premiumProgressBarEnabled: ['premium_progress_bar_enabled', (v) => bool(v, 'premium_progress_bar_enabled')],
      invitesDisabledUntil: ['invites_disabled_until', (v) => optInt(v, 'invites_disabled_until')],
      dmsDisabledUntil: ['dms_disabled_until', (v) => optInt(v, 'dms_disabled_until')],
      mfaLevel: ['mfa_level', (v) => int(v, 'mfa_level')],
      ...COMMUNITY_COLUMNS,
    });
    if (opts?.features) {
      if (patch.features !== undefined) throw new InvalidInputError('features', 'both a list and a change');
      await this.#changeFeatures(key, guildId, set, opts.features);
    } else if (set.sql) {
      const { changes } = await this.db.run(`UPDATE guilds SET ${set.sql} WHERE id = ?`, [...set.params, key]);
      if (changes === 0) throw new NotFoundError('guild', guildId);
    }
    const guild = await this.get(guildId);
    if (!guild) throw new NotFoundError('guild', guildId);
    return guild;
  }

  /**
   * Writes `set` and the features changed from the list the row holds, compared and set: the UPDATE names the
   * list it read, and a concurrent edit in between makes it match nothing, so it reads again. Dialect-neutral
   * (no row lock), and an edit is a handful of statements, so a few rounds always suffice.
   */
  async #changeFeatures(key: SqlValue, guildId: Snowflake, set: { sql: string; params: SqlValue[] }, change: FeatureChange): Promise<void> {
    const add = (change.add ?? []).map((f) => text(f, 'shortText', 'features'));
    const remove = new Set((change.remove ?? []).map((f) => text(f, 'shortText', 'features')));
    for (let round = 0; round < FEATURE_CHANGE_ROUNDS; round++) {
      const row = await this.db.get('SELECT features FROM guilds WHERE id = ?', [key]);
      if (!row) throw new NotFoundError('guild', guildId);
      const current = rj<string[]>(row.features, []);
      const next = current.filter((f) => !remove.has(f));
      for (const f of add) if (!remove.has(f) && !next.includes(f)) next.push(f);
      const { changes } = await this.db.run(
        `UPDATE guilds SET ${set.sql ? `${set.sql}, ` : ''}features = ? WHERE id = ? AND features = ?`,
        [...set.params, features(next), key, rs(row.features)],
      );
      if (changes > 0) return;
    }
    throw new StoreUnavailableError(`guild ${guildId}: its features kept changing under ${FEATURE_CHANGE_ROUNDS} edits`);
  }

  async delete(guildId: Snowflake, opts?: WithOutbox<Snowflake[]>): Promise<void> {
    const key = id(guildId);
    // Foreign keys cascade to channels (and their messages, reactions, pins, overwrites, invites, read states),
    // roles, members with their roles, bans and invites.
    const remove = async (db: SqlDriver) => {
      const { changes } = await db.run('DELETE FROM guilds WHERE id = ?', [key]);
      if (changes === 0) throw new NotFoundError('guild', guildId);
    };
    if (!hasOutbox(opts)) return remove(this.db);
    await this.db.transaction(async (tx) => {
      const channels = (await tx.all('SELECT id FROM channels WHERE guild_id = ?', [key])).map((r) => rs(r.id));
      await remove(tx);
      await writeOutbox(tx, opts, channels);
    });
  }

  async listIdsForUser(userId: Snowflake): Promise<Snowflake[]> {
    const rows = await this.db.all('SELECT guild_id FROM members WHERE user_id = ? ORDER BY guild_id', [id(userId, 'user_id')]);
    return rows.map((r) => rs(r.guild_id));
  }
}

// ------------------------------------------------------------------------------------------------- roles

function roleFromRow(r: Row): RoleRecord {
  return {
    id: rs(r.id),
    guildId: rs(r.guild_id),
    name: rs(r.name),
    color: rn(r.color),
    hoist: rb(r.hoist),
    position: rn(r.position),
    permissions: rs(r.permissions),
    managed: rb(r.managed),
    mentionable: rb(r.mentionable),
    icon: rsn(r.icon),
    unicodeEmoji: rsn(r.unicode_emoji),
    botId: rsn(r.bot_id),
    flags: rn(r.flags),
    ...(r.secondary_color != null ? { secondaryColor: rn(r.secondary_color) } : {}),
    ...(r.tertiary_color != null ? { tertiaryColor: rn(r.tertiary_color) } : {}),
  };
}

async function insertRole(db: SqlDriver, role: RoleRecord): Promise<void> {
  // Gradient colors are rare: their columns are named only when set.
  const extra: Array<[string, SqlValue]> = [];
  if (role.secondaryColor != null) extra.push(['secondary_color', int(role.secondaryColor, 'secondary_color')]);
  if (role.tertiaryColor != null) extra.push(['tertiary_color', int(role.tertiaryColor, 'tertiary_color')]);
  await db.run(
    `INSERT INTO roles (guild_id, id, name, color, hoist, position, permissions, managed, mentionable, icon, unicode_emoji, bot_id, flags${extra.map(([c]) => `, ${c}`).join('')})
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?${', ?'.repeat(extra.length)})`,
    [
      id(role.guildId, 'guild_id'), id(role.id), text(role.name, 'roleName', 'name'), int(role.color, 'color'),
      bool(role.hoist, 'hoist'), int(role.position, 'position'), bits(role.permissions, 'permissions'),
      bool(role.managed, 'managed'), bool(role.mentionable, 'mentionable'), optText(role.icon, 'shortText', 'icon'),
      optText(role.unicodeEmoji, 'shortText', 'unicode_emoji'), optId(role.botId, 'bot_id'), int(role.flags, 'flags'),
      ...extra.map(([, v]) => v),
    ],
    { fk: 'guild' },
  );
}

export class SqlRoleStore implements RoleStore {
  constructor(private readonly db: SqlDriver) {}

  async create(role: RoleRecord): Promise<RoleRecord> {
    await insertRole(this.db, role);
    return (await this.get(role.guildId, role.id))!;
  }

  async get(guildId: Snowflake, roleId: Snowflake): Promise<RoleRecord | null> {
    const row = await this.db.get('SELECT * FROM roles WHERE guild_id = ? AND id = ?', [id(guildId, 'guild_id'), id(roleId)]);
    return row ? roleFromRow(row) : null;
  }

  async listByGuild(guildId: Snowflake): Promise<RoleRecord[]> {
    const rows = await this.db.all('SELECT * FROM roles WHERE guild_id = ? ORDER BY position, id', [id(guildId, 'guild_id')]);
    return rows.map(roleFromRow);
  }

  async update(guildId: Snowflake, roleId: Snowflake, patch: Patch<RoleRecord, 'id' | 'guildId'>): Promise<RoleRecord> {
    const keys = [id(guildId, 'guild_id'), id(roleId)];
    const set = setClause(patch, {
      name: ['name', (v) => text(v, 'roleName', 'name')],
      color: ['color', (v) => int(v, 'color')],
      hoist: ['hoist', (v) => bool(v, 'hoist')],
      position: ['position', (v) => int(v, 'position')],
      permissions: ['permissions', (v) => bits(v, 'permissions')],
      managed: ['managed', (v) => bool(v, 'managed')],
      mentionable: ['mentionable', (v) => bool(v, 'mentionable')],
      icon: ['icon', (v) => optText(v, 'shortText', 'icon')],
      unicodeEmoji: ['unicode_emoji', (v) => optText(v, 'shortText', 'unicode_emoji')],
      botId: ['bot_id', (v) => optId(v, 'bot_id')],
      flags: ['flags', (v) => int(v, 'flags')],
      secondaryColor: ['secondary_color', (v) => optInt(v ?? null, 'secondary_color')],
      tertiaryColor: ['tertiary_color', (v) => optInt(v ?? null, 'tertiary_color')],
    });
    if (set.sql) {
      const { changes } = await this.db.run(`UPDATE roles SET ${set.sql} WHERE guild_id = ? AND id = ?`, [...set.params, ...keys]);
      if (changes === 0) throw new NotFoundError('role', roleId);
    }
    const role = await this.get(guildId, roleId);
    if (!role) throw new NotFoundError('role', roleId);
    return role;
  }

  async setPositions(guildId: Snowflake, updates: ReadonlyArray<{ id: Snowflake; position: number }>): Promise<void> {
    const g = id(guildId, 'guild_id');
    const rows = updates.map((u) => [int(u.position, 'position'), id(u.id)] as const);
    await this.db.transaction(async (tx) => {
      for (const [position, roleId] of rows) {
        const { changes } = await tx.run('UPDATE roles SET position = ? WHERE guild_id = ? AND id = ?', [position, g, roleId]);
        if (changes === 0) throw new NotFoundError('role', roleId.toString());
      }
    });
  }

  async delete(guildId: Snowflake, roleId: Snowflake): Promise<void> {
    const g = id(guildId, 'guild_id');
    const r = id(roleId);
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM overwrites WHERE id = ? AND type = 0 AND channel_id IN (SELECT id FROM channels WHERE guild_id = ?)', [r, g]);
      // member_roles rows go with the role (ON DELETE CASCADE).
      const { changes } = await tx.run('DELETE FROM roles WHERE guild_id = ? AND id = ?', [g, r]);
      if (changes === 0) throw new NotFoundError('role', roleId);
    });
  }
}

// ----------------------------------------------------------------------------------------------- members

type MemberBase = Omit<MemberRecord, 'roles'>;

function memberFromRow(r: Row): MemberBase {
  return {
    guildId: rs(r.guild_id),
    userId: rs(r.user_id),
    nick: rsn(r.nick),
    avatar: rsn(r.avatar),
    joinedAt: rn(r.joined_at),
    deaf: rb(r.deaf),
    mute: rb(r.mute),
    pending: rb(r.pending),
    communicationDisabledUntil: rnn(r.communication_disabled_until),
    flags: rn(r.flags),
    // Per-server profile fields only when set (MemberRecord): most members have none.
    ...(r.banner != null ? { banner: rs(r.banner) } : {}),
    ...(r.bio ? { bio: rs(r.bio) } : {}),
    ...(r.temporary ? { temporary: true } : {}),
  };
}

/** The member's role ids as stored: @everyone (id == guild id) left out, duplicates removed. */
function roleSet(guildId: bigint, roles: unknown): bigint[] {
  if (!Array.isArray(roles)) throw new InvalidInputError('roles', 'not a list');
  return [...new Set(ids(roles, 'roles').filter((r) => r !== guildId))];
}

/**
 * Thrown inside a transaction to roll back what it gave when the invite turns out unusable; a StoreError, so the
 * driver hands it back as it is (driver.ts).
 */
class InviteNotUsable extends StoreError {}

/**
 * Gives the member those of `roleIds` that are roles of the guild now and that they lack (not @everyone); returns
 * the ids given. Each insert reads the role in the same statement, so a role deleted meanwhile is skipped, not an
 * error, and of two grants of one role at once only one inserts it.
 */
async function giveExistingRoles(db: SqlDriver, guildId: bigint, userId: bigint, roleIds: readonly Snowflake[]): Promise<Snowflake[]> {
  const given: Snowflake[] = [];
  for (const r of new Set(ids(roleIds, 'role_ids'))) {
    if (r === guildId) continue;
    const { changes } = await db.run('INSERT INTO member_roles (guild_id, user_id, role_id) SELECT ?, ?, id FROM roles WHERE guild_id = ? AND id = ? ON CONFLICT DO NOTHING', [guildId, userId, guildId, r]);
    if (changes > 0) given.push(String(r));
  }
  return given;
}

export async function insertMember(db: SqlDriver, m: MemberRecord): Promise<void> {
  const g = id(m.guildId, 'guild_id');
  const u = id(m.userId, 'user_id');
  const roles = roleSet(g, m.roles);
  // A new member rarely comes with a per-server profile or as temporary: those columns are named only when set.
  const extra: Array<[string, SqlValue]> = [];
  if (m.banner != null || m.bio) extra.push(['banner', optText(m.banner ?? null, 'shortText', 'banner')], ['bio', text(m.bio ?? '', 'bio', 'bio')]);
  if (m.temporary) extra.push(['temporary', bool(true, 'temporary')]);
  await db.run(
    `INSERT INTO members (guild_id, user_id, nick, avatar, joined_at, deaf, mute, pending, communication_disabled_until, flags${extra.map(([c]) => `, ${c}`).join('')})
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?${', ?'.repeat(extra.length)})`,
    [
      g, u, optText(m.nick, 'nick', 'nick'), optText(m.avatar, 'shortText', 'avatar'), int(m.joinedAt, 'joined_at'),
      bool(m.deaf, 'deaf'), bool(m.mute, 'mute'), bool(m.pending, 'pending'),
      optInt(m.communicationDisabledUntil, 'communication_disabled_until'), int(m.flags, 'flags'),
      ...extra.map(([, v]) => v),
    ],
    { fk: 'guild' },
  );
  for (const r of roles) {
    await db.run('INSERT INTO member_roles (guild_id, user_id, role_id) VALUES (?, ?, ?)', [g, u, r], { fk: 'role' });
  }
}

export class SqlMemberStore implements MemberStore {
  constructor(private readonly db: SqlDriver) {}

  /** Attaches role ids to member rows with one query per 500 members. */
  async #withRoles(db: SqlDriver, guildId: bigint, rows: Row[]): Promise<MemberRecord[]> {
    const members = rows.map(memberFromRow);
    const roles = new Map<string, Snowflake[]>(members.map((m) => [m.userId, []]));
    for (const chunk of chunks(members.map((m) => BigInt(m.userId)))) {
      const rr = await db.all(
        `SELECT user_id, role_id FROM member_roles WHERE guild_id = ? AND user_id IN (${marks(chunk.length)}) ORDER BY role_id`,
        [guildId, ...chunk],
      );
      for (const r of rr) roles.get(rs(r.user_id))?.push(rs(r.role_id));
    }
    return members.map((m) => ({ ...m, roles: roles.get(m.userId) ?? [] }));
  }

  /** One member with their roles in one read: a row per role (one with a null role when they hold none). */
  async #get(db: SqlDriver, g: bigint, u: bigint): Promise<MemberRecord | null> {
    const rows = await db.all(
      `SELECT m.*, r.role_id AS held_role_id FROM members m LEFT JOIN member_roles r ON r.guild_id = m.guild_id AND r.user_id = m.user_id
       WHERE m.guild_id = ? AND m.user_id = ? ORDER BY r.role_id`,
      [g, u],
    );
    if (rows.length === 0) return null;
    return { ...memberFromRow(rows[0]!), roles: rows.flatMap((r) => (r.held_role_id == null ? [] : [rs(r.held_role_id)])) };
  }

  async add(member: MemberRecord): Promise<MemberRecord> {
    await this.db.transaction((tx) => insertMember(tx, member));
    return (await this.get(member.guildId, member.userId))!;
  }

  async addWithRole(member: MemberRecord, role: RoleRecord): Promise<MemberRecord> {
    if (role.guildId !== member.guildId) throw new InvalidInputError('role', 'role of another guild');
    const holding = Array.isArray(member.roles) && member.roles.includes(role.id) ? member : { ...member, roles: [...(member.roles ?? []), role.id] };
    return this.db.transaction(async (tx) => {
      await insertRole(tx, role);
      await insertMember(tx, holding);
      return (await this.#get(tx, id(member.guildId, 'guild_id'), id(member.userId, 'user_id')))!;
    });
  }

  async addWithInvite(member: MemberRecord, code: string, now: number = Date.now()): Promise<{ member: MemberRecord; invite: InviteRecord } | null> {
    if (typeof code !== 'string' || code.length === 0 || code.length > 32) return null;
    return this.db.transaction(async (tx) => {
      // The use first: an unusable invite adds nobody; a member that cannot be added rolls the use back.
      const invite = await useInvite(tx, code, now, member.userId);
      if (!invite) return null;
      if (invite.guildId !== member.guildId) throw new InvalidInputError('code', 'invite of another guild');
      await insertMember(tx, member);
      const g = id(member.guildId, 'guild_id');
      const u = id(member.userId, 'user_id');
      const given = await giveExistingRoles(tx, g, u, invite.roleIds ?? []);
      if (given.length > 0 && member.temporary) await tx.run('UPDATE members SET temporary = 0 WHERE guild_id = ? AND user_id = ?', [g, u]);
      return { member: (await this.#get(tx, g, u))!, invite };
    });
  }

  async acceptInviteRoles(guildId: Snowflake, userId: Snowflake, code: string, now: number = Date.now()): Promise<{ member: MemberRecord; invite: InviteRecord; added: Snowflake[] } | null> {
    const g = id(guildId, 'guild_id');
    const u = id(userId, 'user_id');
    if (typeof code !== 'string' || code.length === 0 || code.length > 32) return null;
    try {
      return await this.db.transaction(async (tx) => {
        const member = await this.#get(tx, g, u);
        const row = await tx.get('SELECT role_ids, guild_id FROM invites WHERE code = ?', [code]);
        if (!member || !row || rsn(row.guild_id) !== guildId) return null;
        // The roles first: of two accepts at once, only the one whose inserts land counts a use (the other's wait on
        // the same rows and then insert nothing).
        const given = await giveExistingRoles(tx, g, u, JSON.parse(String(row.role_ids)) as Snowflake[]);
        if (given.length === 0) {
          // Nothing new: no use, but answered as a use would be (expiry, uses left, the target list).
          const invite = await usableInvite(tx, code, now, userId);
          return invite && { member, invite, added: [] };
        }
        const invite = await useInvite(tx, code, now, userId);
        if (!invite) throw new InviteNotUsable();
        if (member.temporary) await tx.run('UPDATE members SET temporary = 0 WHERE guild_id = ? AND user_id = ?', [g, u]);
        return { member: (await this.#get(tx, g, u))!, invite, added: given };
      });
    } catch (err) {
      if (err instanceof InviteNotUsable) return null;
      throw err;
    }
  }

  async get(guildId: Snowflake, userId: Snowflake): Promise<MemberRecord | null> {
    return this.#get(this.db, id(guildId, 'guild_id'), id(userId, 'user_id'));
  }

  async list(guildId: Snowflake, opts: { after?: Snowflake; limit?: number } = {}): Promise<MemberRecord[]> {
    const g = id(guildId, 'guild_id');
    const after = opts.after === undefined ? 0n : id(opts.after, 'after');
    const limit = pageLimit(opts.limit, PAGE_LIMITS.members);
    const rows = await this.db.all('SELECT * FROM members WHERE guild_id = ? AND user_id > ? ORDER BY user_id LIMIT ?', [g, after, limit]);
    return this.#withRoles(this.db, g, rows);
  }

  async search(guildId: Snowflake, query: string, limit: number): Promise<MemberRecord[]> {
    const g = id(guildId, 'guild_id');
    const n = pageLimit(limit, PAGE_LIMITS.memberSearch);
    if (typeof query !== 'string') throw new InvalidInputError('query', 'not a string');
    const q = query.toLowerCase();
    // substr/length count characters alike in both databases, and need no LIKE escaping.
    const len = [...q].length;
    const rows = await this.db.all(
      `SELECT m.* FROM members m LEFT JOIN users u ON u.id = m.user_id
       WHERE m.guild_id = ? AND (substr(u.username_lower, 1, ?) = ? OR substr(lower(u.global_name), 1, ?) = ?
         OR substr(lower(m.nick), 1, ?) = ?)
       ORDER BY m.user_id LIMIT ?`,
      [g, len, q, len, q, len, q, n],
    );
    return this.#withRoles(this.db, g, rows);
  }

  async listBots(guildId: Snowflake): Promise<MemberRecord[]> {
    const g = id(guildId, 'guild_id');
    const rows = await this.db.all('SELECT m.* FROM members m JOIN users u ON u.id = m.user_id WHERE m.guild_id = ? AND u.bot = 1 ORDER BY m.user_id', [g]);
    return this.#withRoles(this.db, g, rows);
  }

  async getMany(guildId: Snowflake, userIds: readonly Snowflake[]): Promise<MemberRecord[]> {
    const g = id(guildId, 'guild_id');
    const wanted = ids(userIds, 'user_id');
    const found = new Map<string, MemberRecord>();
    for (const chunk of chunks([...new Set(wanted)])) {
      const rows = await this.db.all(`SELECT * FROM members WHERE guild_id = ? AND user_id IN (${marks(chunk.length)})`, [g, ...chunk]);
      for (const m of await this.#withRoles(this.db, g, rows)) found.set(m.userId, m);
    }
    return wanted.map((w) => found.get(w.toString())).filter((m): m is MemberRecord => m !== undefined);
  }

  async nicknamesOf(userId: Snowflake): Promise<Array<{ guildId: Snowflake; nick: string | null }>> {
    const rows = await this.db.all('SELECT guild_id, nick FROM members WHERE user_id = ? ORDER BY guild_id', [id(userId, 'user_id')]);
    return rows.map((r) => ({ guildId: rs(r.guild_id), nick: r.nick == null ? null : String(r.nick) }));
  }

  async holdersOf(guildId: Snowflake, roleIds: readonly Snowflake[]): Promise<Snowflake[]> {
    const g = id(guildId, 'guild_id');
    const out = new Set<string>();
    for (const chunk of chunks([...new Set(ids(roleIds, 'role_id'))])) {
      const rows = await this.db.all(`SELECT DISTINCT user_id FROM member_roles WHERE guild_id = ? AND role_id IN (${marks(chunk.length)})`, [g, ...chunk]);
      for (const r of rows) out.add(rs(r.user_id));
    }
    return [...out].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
  }

  async count(guildId: Snowflake): Promise<number> {
    const row = await this.db.get('SELECT count(*) AS n FROM members WHERE guild_id = ?', [id(guildId, 'guild_id')]);
    return rn(row?.n ?? 0);
  }

  async countByRole(guildId: Snowflake): Promise<Map<Snowflake, number>> {
    const rows = await this.db.all('SELECT role_id, count(*) AS n FROM member_roles WHERE guild_id = ? GROUP BY role_id', [id(guildId, 'guild_id')]);
    return new Map(rows.map((r) => [rs(r.role_id), rn(r.n)]));
  }

  async update(guildId: Snowflake, userId: Snowflake, patch: Patch<MemberRecord, 'guildId' | 'userId' | 'joinedAt'>): Promise<MemberRecord> {
    const g = id(guildId, 'guild_id');
    const u = id(userId, 'user_id');
    const set = setClause(patch, {
      nick: ['nick', (v) => optText(v, 'nick', 'nick')],
      avatar: ['avatar', (v) => optText(v, 'shortText', 'avatar')],
      banner: ['banner', (v) => optText(v ?? null, 'shortText', 'banner')],
      bio: ['bio', (v) => text(v ?? '', 'bio', 'bio')],
      temporary: ['temporary', (v) => bool(Boolean(v), 'temporary')],
      deaf: ['deaf', (v) => bool(v, 'deaf')],
      mute: ['mute', (v) => bool(v, 'mute')],
      pending: ['pending', (v) => bool(v, 'pending')],
      communicationDisabledUntil: ['communication_disabled_until', (v) => optInt(v, 'communication_disabled_until')],
      flags: ['flags', (v) => int(v, 'flags')],
    });
    const roles = patch.roles === undefined ? null : roleSet(g, patch.roles);
    return this.db.transaction(async (tx) => {
      const { changes } = set.sql
        ? await tx.run(`UPDATE members SET ${set.sql} WHERE guild_id = ? AND user_id = ?`, [...set.params, g, u])
        : await tx.run('UPDATE members SET flags = flags WHERE guild_id = ? AND user_id = ?', [g, u]);
      if (changes === 0) throw new NotFoundError('member', userId);
      if (roles) {
        await tx.run('DELETE FROM member_roles WHERE guild_id = ? AND user_id = ?', [g, u]);
        for (const r of roles) {
          await tx.run('INSERT INTO member_roles (guild_id, user_id, role_id) VALUES (?, ?, ?)', [g, u, r], { fk: 'role' });
        }
      }
      return (await this.#get(tx, g, u))!;
    });
  }

  async addRole(guildId: Snowflake, userId: Snowflake, roleId: Snowflake): Promise<MemberRecord> {
    const g = id(guildId, 'guild_id');
    const u = id(userId, 'user_id');
    const r = id(roleId, 'role_id');
    return this.db.transaction(async (tx) => {
      const member = await this.#get(tx, g, u);
      if (!member) throw new NotFoundError('member', userId);
      if (r === g) return member;
      await tx.run('INSERT INTO member_roles (guild_id, user_id, role_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [g, u, r], { fk: 'role' });
      return (await this.#get(tx, g, u))!;
    });
  }

  async grant(guildId: Snowflake, userId: Snowflake, change: { roleIds: readonly Snowflake[]; flags: number }): Promise<MemberRecord> {
    const g = id(guildId, 'guild_id');
    const u = id(userId, 'user_id');
    const roles = roleSet(g, change.roleIds);
    const flags = int(change.flags, 'flags');
    return this.db.transaction(async (tx) => {
      const { changes } = await tx.run('UPDATE members SET flags = flags | ? WHERE guild_id = ? AND user_id = ?', [flags, g, u]);
      if (changes === 0) throw new NotFoundError('member', userId);
      // The role may have been deleted since the caller read it: skipped, not an error.
      await giveExistingRoles(tx, g, u, roles.map(String));
      return (await this.#get(tx, g, u))!;
    });
  }

  async removeRole(guildId: Snowflake, userId: Snowflake, roleId: Snowflake): Promise<MemberRecord> {
    const g = id(guildId, 'guild_id');
    const u = id(userId, 'user_id');
    const r = id(roleId, 'role_id');
    return this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM member_roles WHERE guild_id = ? AND user_id = ? AND role_id = ?', [g, u, r]);
      const member = await this.#get(tx, g, u);
      if (!member) throw new NotFoundError('member', userId);
      return member;
    });
  }

  async remove(guildId: Snowflake, userId: Snowflake): Promise<void> {
    const { changes } = await this.db.run('DELETE FROM members WHERE guild_id = ? AND user_id = ?', [id(guildId, 'guild_id'), id(userId, 'user_id')]);
    if (changes === 0) throw new NotFoundError('member', userId);
  }

  async listTemporary(after: { userId: Snowflake; guildId: Snowflake } | null, limit: number): Promise<TemporaryMembership[]> {
    const n = pageLimit(limit, PAGE_LIMITS.members);
    // The partial index members_temporary holds only temporary rows, in this order.
    const rows = after
      ? await this.db.all(
        `SELECT m.guild_id, m.user_id, m.joined_at, EXISTS (SELECT 1 FROM member_roles r WHERE r.guild_id = m.guild_id AND r.user_id = m.user_id) AS has_roles
           FROM members m WHERE m.temporary = 1 AND (m.user_id > ? OR (m.user_id = ? AND m.guild_id > ?)) ORDER BY m.user_id, m.guild_id LIMIT ?`,
        [id(after.userId, 'user_id'), id(after.userId, 'user_id'), id(after.guildId, 'guild_id'), n],
      )
      : await this.db.all(
        `SELECT m.guild_id, m.user_id, m.joined_at, EXISTS (SELECT 1 FROM member_roles r WHERE r.guild_id = m.guild_id AND r.user_id = m.user_id) AS has_roles
           FROM members m WHERE m.temporary = 1 ORDER BY m.user_id, m.guild_id LIMIT ?`,
        [n],
      );
    return rows.map((r) => ({ guildId: rs(r.guild_id), userId: rs(r.user_id), joinedAt: rn(r.joined_at), hasRoles: rb(r.has_roles) }));
  }

  async removeTemporary(guildId: Snowflake, userId: Snowflake): Promise<boolean> {
    const g = id(guildId, 'guild_id');
    const u = id(userId, 'user_id');
    const { changes } = await this.db.run(
      `DELETE FROM members WHERE guild_id = ? AND user_id = ? AND temporary = 1
         AND NOT EXISTS (SELECT 1 FROM member_roles r WHERE r.guild_id = ? AND r.user_id = ?)`,
      [g, u, g, u],
    );
    return changes > 0;
  }
}

// -------------------------------------------------------------------------------------------------- bans

function banFromRow(r: Row): BanRecord {
  return { guildId: rs(r.guild_id), userId: rs(r.user_id), reason: rsn(r.reason), createdAt: rn(r.created_at) };
}

export class SqlBanStore implements BanStore {
  constructor(private readonly db: SqlDriver) {}

  async create(ban: BanRecord, deleteMessagesSince?: number, opts?: WithOutbox<BanResult>): Promise<BanResult> {
    const g = id(ban.guildId, 'guild_id');
    const u = id(ban.userId, 'user_id');
    const reason = optText(ban.reason, 'reason', 'reason');
    const createdAt = int(ban.createdAt, 'created_at');
    const since = deleteMessagesSince === undefined ? null : int(deleteMessagesSince, 'delete_messages_since');
    return this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO bans (guild_id, user_id, reason, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (guild_id, user_id) DO UPDATE SET reason = excluded.reason, created_at = excluded.created_at`,
        [g, u, reason, createdAt],
        { fk: 'guild' },
      );
      const { changes } = await tx.run('DELETE FROM members WHERE guild_id = ? AND user_id = ?', [g, u]);
      const deletedMessages = new Map<Snowflake, Snowflake[]>();
      let removed: RemovedAttachment[] = [];
      if (since !== null) {
        const floor = snowflakeFromTimestamp(since);
        // bucket >= … keeps the scan to the recent partitions of each channel.
        const rows = await tx.all(
          `DELETE FROM messages WHERE channel_id IN (SELECT id FROM channels WHERE guild_id = ?)
             AND bucket >= ? AND id >= ? AND author_id = ? RETURNING channel_id, id, attachments, message_snapshot`,
          [g, bucketOf(floor), BigInt(floor), u],
        );
        removed = removedAttachments(rows);
        rows.sort((a, b) => (BigInt(a.id as string) < BigInt(b.id as string) ? -1 : 1));
        for (const r of rows) {
          const ch = rs(r.channel_id);
          const list = deletedMessages.get(ch) ?? [];
          list.push(rs(r.id));
          deletedMessages.set(ch, list);
        }
      }
      const result = { deletedMessages, wasMember: changes > 0 };
      await writeOutbox(tx, opts, result, removed);
      return result;
    });
  }

  async get(guildId: Snowflake, userId: Snowflake): Promise<BanRecord | null> {
    const row = await this.db.get('SELECT * FROM bans WHERE guild_id = ? AND user_id = ?', [id(guildId, 'guild_id'), id(userId, 'user_id')]);
    return row ? banFromRow(row) : null;
  }

  bannedAmong(guildId: Snowflake, userIds: readonly Snowflake[]): Promise<Snowflake[]> {
    return idsAmong(this.db, { table: 'bans', column: 'user_id', where: ['guild_id', guildId] }, userIds);
  }

  /**
   * Ascending by user id. With `after`: the first `limit` bans above it (and below `before`, if given). With only
   * `before`: the `limit` bans just below it, still returned ascending.
   */
  async list(guildId: Snowflake, opts: { after?: Snowflake; before?: Snowflake; limit?: number } = {}): Promise<BanRecord[]> {
    const g = id(guildId, 'guild_id');
    const limit = pageLimit(opts.limit, PAGE_LIMITS.bans);
    const before = opts.before === undefined ? null : id(opts.before, 'before');
    if (opts.after === undefined && before !== null) {
      const rows = await this.db.all('SELECT * FROM bans WHERE guild_id = ? AND user_id < ? ORDER BY user_id DESC LIMIT ?', [g, before, limit]);
      return rows.map(banFromRow).reverse();
    }
    const after = opts.after === undefined ? 0n : id(opts.after, 'after');
    const rows = before === null
      ? await this.db.all('SELECT * FROM bans WHERE guild_id = ? AND user_id > ? ORDER BY user_id LIMIT ?', [g, after, limit])
      : await this.db.all('SELECT * FROM bans WHERE guild_id = ? AND user_id > ? AND user_id < ? ORDER BY user_id LIMIT ?', [g, after, before, limit]);
    return rows.map(banFromRow);
  }

  async delete(guildId: Snowflake, userId: Snowflake): Promise<void> {
    const { changes } = await this.db.run('DELETE FROM bans WHERE guild_id = ? AND user_id = ?', [id(guildId, 'guild_id'), id(userId, 'user_id')]);
    if (changes === 0) throw new NotFoundError('ban', userId);
  }
}
