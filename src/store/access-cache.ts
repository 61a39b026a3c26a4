/**
 * What a permission check reads (api/access.ts), kept in memory: the channel, the guild, the guild's roles, the
 * caller's member with their roles, and the channel's permission overwrites; and the guild's auto moderation rules,
 * which every message sent in a guild reads too. Every guild route and every message
 * create reads them; served from memory, a message create costs about 10% less CPU, and caching the channel saves
 * about 2.5% more (docs/performance.md).
 *
 * Exact for the process's own writes: the store reports every row of these tables that a write inserts, updates or
 * deletes, as the row changes (Store.watchRows: SQLite triggers, so a cascade or any new write method is seen too),
 * and the entry it names is dropped then. A read that overlapped such a change is returned but not kept, and a
 * failed group COMMIT drops everything (store/read-cache.ts). So a role taken away is enforced by the very next
 * request. The channel is kept without trusting its last_message_id, which every message moves: updates of that
 * column alone are not watched, and a channel served from memory gets it from the store each time (a one-column
 * read instead of the whole row): the row as of the read, or with a later last_message_id when a write to it ran
 * in between. A caller that says it does not read last_message_id (`staleLastMessageId`: a message create) gets the
 * copy in memory as it is.
 *
 * Only for a process that is the sole writer of its database, as for the identity cache (src/server.ts decides):
 * watchRows sees this connection's writes only.
 */
import { isSnowflake, type Snowflake } from '../protocol/snowflake.ts';
import { ReadCache, type ReadCacheOptions } from './read-cache.ts';
import { subStore } from './sub-store.ts';
import type { AutoModRuleRecord, ChannelRecord, GuildRecord, MemberRecord, OverwriteRecord, RoleRecord, RowChangeListener, Store, WatchedTables } from './types.ts';

/** The watched tables with the key that names the entry a change drops. */
export const ACCESS_TABLES: WatchedTables = {
  channels: { keys: ['id'], unwatched: ['last_message_id'] },
  guilds: ['id'],
  roles: ['guild_id'],
  members: ['guild_id', 'user_id'],
  member_roles: ['guild_id', 'user_id'],
  overwrites: ['channel_id'],
  auto_moderation_rules: ['guild_id'],
};

export class AccessCache implements RowChangeListener {
  /** By channel id; the lastMessageId of an entry is not kept up to date (read it from the store). */
  readonly channels: ReadCache<Snowflake, ChannelRecord>;
  /** By guild id. */
  readonly guilds: ReadCache<Snowflake, GuildRecord>;
  /** A guild's roles, by guild id. */
  readonly roles: ReadCache<Snowflake, RoleRecord[]>;
  /** By `${guildId}:${userId}`. */
  readonly members: ReadCache<string, MemberRecord>;
  /** A channel's overwrites, by channel id. */
  readonly overwrites: ReadCache<Snowflake, OverwriteRecord[]>;
  /** A guild's auto moderation rules, by guild id: every message sent in a guild reads them. */
  readonly autoModRules: ReadCache<Snowflake, AutoModRuleRecord[]>;

  constructor(opts: ReadCacheOptions) {
    this.channels = new ReadCache({ maxEntries: 10_000, ...opts });
    this.guilds = new ReadCache({ maxEntries: 1_000, ...opts });
    this.roles = new ReadCache({ maxEntries: 1_000, ...opts });
    this.members = new ReadCache({ maxEntries: 10_000, ...opts });
    this.overwrites = new ReadCache({ maxEntries: 10_000, ...opts });
    this.autoModRules = new ReadCache({ maxEntries: 1_000, ...opts });
  }

  changed(table: string, keys: readonly string[]): void {
    switch (table) {
      case 'channels':
        return this.channels.invalidate(keys[0]);
      case 'guilds':
        return this.guilds.invalidate(keys[0]);
      case 'roles':
        return this.roles.invalidate(keys[0]);
      case 'members':
      case 'member_roles':
        return this.members.invalidate(memberKey(keys[0]!, keys[1]!));
      case 'overwrites':
        return this.overwrites.invalidate(keys[0]);
      case 'auto_moderation_rules':
        return this.autoModRules.invalidate(keys[0]);
    }
  }

  reset(): void {
    for (const cache of this.#caches()) cache.clear();
  }

  /** Reads served from memory and from the store, over the six kinds. */
  get counts(): { hits: number; misses: number } {
    let hits = 0;
    let misses = 0;
    for (const cache of this.#caches()) {
      hits += cache.hits;
      misses += cache.misses;
    }
    return { hits, misses };
  }

  #caches(): Array<ReadCache<string, object>> {
    return [this.channels, this.guilds, this.roles, this.members, this.overwrites, this.autoModRules];
  }
}

function memberKey(guildId: Snowflake, userId: Snowflake): string {
  return `${guildId}:${userId}`;
}

/**
 * `store` with the six reads served through `cache`, once the store reports the changes of their tables to it.
 * The result inherits everything else from `store`. Refused for a store without watchRows.
 */
export async function withAccessCache(store: Store, cache: AccessCache): Promise<Store> {
  if (!store.watchRows) throw new Error('access cache: this store cannot report row changes');
  await store.watchRows(ACCESS_TABLES, cache);
  const { channels, guilds, roles, members, overwrites, autoModeration } = store;
  // Keys are the ids as the triggers report them, canonical decimals: a read by any other spelling of an id (the
  // store parses `0123` as 123) goes to the store, or a change reported under `123` would not reach its entry.
  return Object.create(store, {
    channels: subStore(channels, {
      get: (id: Snowflake, opts?: { staleLastMessageId?: boolean }) => (isSnowflake(id) ? cachedChannel(cache, channels, id, opts?.staleLastMessageId ?? false) : channels.get(id)),
    }),
    guilds: subStore(guilds, {
      get: (id: Snowflake) => (isSnowflake(id) ? cache.guilds.read(id, () => guilds.get(id)) : guilds.get(id)),
    }),
    roles: subStore(roles, {
      listByGuild: (guildId: Snowflake) => (isSnowflake(guildId) ? cache.roles.read(guildId, () => roles.listByGuild(guildId)) : roles.listByGuild(guildId)),
    }),
    members: subStore(members, {
      get: (guildId: Snowflake, userId: Snowflake) => (isSnowflake(guildId) && isSnowflake(userId)
        ? cache.members.read(memberKey(guildId, userId), () => members.get(guildId, userId))
        : members.get(guildId, userId)),
    }),
    overwrites: subStore(overwrites, {
      listByChannel: (channelId: Snowflake) => (isSnowflake(channelId) ? cache.overwrites.read(channelId, () => overwrites.listByChannel(channelId)) : overwrites.listByChannel(channelId)),
    }),
    autoModeration: subStore(autoModeration, {
      listByGuild: (guildId: Snowflake) => (isSnowflake(guildId) ? cache.autoModRules.read(guildId, () => autoModeration.listByGuild(guildId)) : autoModeration.listByGuild(guildId)),
    }),
  }) as Store;
}

/**
 * The channel from memory with its last_message_id from the store; a read of the whole row when not in memory.
 * `stale`: the caller does not read last_message_id, so the copy in memory answers as it is (a message create:
 * the one-column read was 2% of its CPU).
 */
async function cachedChannel(cache: AccessCache, channels: Store['channels'], id: Snowflake, stale: boolean): Promise<ChannelRecord | null> {
  let loaded = false;
  const channel = await cache.channels.read(id, () => {
    loaded = true;
    return channels.get(id);
  });
  if (!channel || loaded || stale) return channel;
  const fresh = await channels.getLastMessageId(id);
  // Deleted between the two reads.
  if (!fresh) return null;
  return fresh.lastMessageId === channel.lastMessageId ? channel : Object.freeze({ ...channel, lastMessageId: fresh.lastMessageId });
}
