/** Users' notification settings per guild (types.ts UserGuildSettingsStore; migration 16). DMs are guild_id 0. */
import type { Snowflake } from '../../protocol/snowflake.ts';
import {
  defaultGuildSettings, type ChannelNotificationOverride, type MessageNotificationLevel, type UserGuildSettingsRecord,
} from '../notification-settings.ts';
import type { UserGuildSettingsStore } from '../types.ts';
import type { Row, SqlDriver } from './driver.ts';
import { bool, chunks, id, ids, int, json, marks, optInt, rb, rj, rn, rnn, rs } from './values.ts';

/** The row key of a guild id: 0 stands for DMs (Discord's `@me`). */
const guildKey = (guildId: Snowflake | null): bigint => (guildId === null ? 0n : id(guildId, 'guild_id'));

function fromRow(r: Row): UserGuildSettingsRecord {
  const guild = rs(r.guild_id);
  return {
    userId: rs(r.user_id),
    guildId: guild === '0' ? null : guild,
    messageNotifications: rnn(r.message_notifications) as MessageNotificationLevel | null,
    suppressEveryone: rb(r.suppress_everyone),
    suppressRoles: rb(r.suppress_roles),
    muted: rb(r.muted),
    muteEndTime: rnn(r.mute_end_time),
    muteTimeWindow: rnn(r.mute_time_window),
    mobilePush: rb(r.mobile_push),
    hideMutedChannels: rb(r.hide_muted_channels),
    channelOverrides: rj<ChannelNotificationOverride[]>(r.channel_overrides, []),
    version: rn(r.version),
  };
}

export class SqlUserGuildSettingsStore implements UserGuildSettingsStore {
  constructor(private readonly db: SqlDriver) {}

  async get(userId: Snowflake, guildId: Snowflake | null): Promise<UserGuildSettingsRecord> {
    const row = await this.db.get('SELECT * FROM user_guild_settings WHERE user_id = ? AND guild_id = ?', [id(userId, 'user_id'), guildKey(guildId)]);
    return row ? fromRow(row) : defaultGuildSettings(userId, guildId);
  }

  async getMany(userIds: readonly Snowflake[], guildId: Snowflake | null): Promise<UserGuildSettingsRecord[]> {
    const users = [...new Set(userIds)];
    ids(users, 'user_id');
    const found = new Map<string, UserGuildSettingsRecord>();
    for (const chunk of chunks(users, 500)) {
      const rows = await this.db.all(
        `SELECT * FROM user_guild_settings WHERE guild_id = ? AND user_id IN (${marks(chunk.length)})`,
        [guildKey(guildId), ...ids(chunk, 'user_id')],
      );
      for (const r of rows) found.set(rs(r.user_id), fromRow(r));
    }
    return users.map((u) => found.get(u) ?? defaultGuildSettings(u, guildId));
  }

  async listForUser(userId: Snowflake): Promise<UserGuildSettingsRecord[]> {
    const rows = await this.db.all('SELECT * FROM user_guild_settings WHERE user_id = ? ORDER BY guild_id', [id(userId, 'user_id')]);
    return rows.map(fromRow);
  }

  async put(record: UserGuildSettingsRecord): Promise<UserGuildSettingsRecord> {
    return (await this.write(record, null))!;
  }

  putIfVersion(record: UserGuildSettingsRecord, version: number): Promise<UserGuildSettingsRecord | null> {
    return this.write(record, int(version, 'version'));
  }

  /** The upsert; with `ifVersion`, the update applies only to that stored version (no row back otherwise). */
  private async write(record: UserGuildSettingsRecord, ifVersion: number | null): Promise<UserGuildSettingsRecord | null> {
    const guarded = ifVersion !== null;
    const level = optInt(record.messageNotifications, 'message_notifications');
    const overrides = record.channelOverrides.map((o) => ({
      channelId: String(id(o.channelId, 'channel_id')),
      messageNotifications: int(o.messageNotifications, 'message_notifications'),
      muted: o.muted === true,
      muteEndTime: optInt(o.muteEndTime, 'mute_end_time'),
      muteTimeWindow: optInt(o.muteTimeWindow ?? null, 'mute_time_window'),
      collapsed: o.collapsed === true,
    }));
    const row = await this.db.get(
      `INSERT INTO user_guild_settings (user_id, guild_id, message_notifications, suppress_everyone, suppress_roles, muted,
         mute_end_time, mute_time_window, mobile_push, hide_muted_channels, channel_overrides, version)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT (user_id, guild_id) DO UPDATE SET message_notifications = excluded.message_notifications,
         suppress_everyone = excluded.suppress_everyone, suppress_roles = excluded.suppress_roles, muted = excluded.muted,
         mute_end_time = excluded.mute_end_time, mute_time_window = excluded.mute_time_window, mobile_push = excluded.mobile_push,
         hide_muted_channels = excluded.hide_muted_channels, channel_overrides = excluded.channel_overrides,
         version = user_guild_settings.version + 1
       ${guarded ? 'WHERE user_guild_settings.version = ?' : ''}
       RETURNING *`,
      [
        id(record.userId, 'user_id'), guildKey(record.guildId), level, bool(record.suppressEveryone, 'suppress_everyone'),
        bool(record.suppressRoles, 'suppress_roles'), bool(record.muted, 'muted'), optInt(record.muteEndTime, 'mute_end_time'),
        optInt(record.muteTimeWindow ?? null, 'mute_time_window'), bool(record.mobilePush, 'mobile_push'),
        bool(record.hideMutedChannels, 'hide_muted_channels'), json(overrides, 'channel_overrides'),
        ...(guarded ? [ifVersion] : []),
      ],
      { fk: 'user' },
    );
    return row ? fromRow(row) : null;
  }
}
