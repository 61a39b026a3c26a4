/** Record builders and assertions shared by the store contract suite. */
import assert from 'node:assert/strict';
import { SnowflakeGenerator, DISCORD_EPOCH, type Snowflake } from '../../src/protocol/snowflake.ts';
import {
  ChannelType, type ApplicationRecord, type ChannelRecord, type GuildCreateBundle, type MemberRecord, type MessageRecord, type RoleRecord, type Store,
  type UserRecord,
} from '../../src/store/types.ts';
import { StoreError } from '../../src/store/errors.ts';

const gen = new SnowflakeGenerator({ workerId: 3 });
let counter = 0;

export const newId = (): Snowflake => gen.next();
/** A snowflake made at `ms` (Unix ms) with `increment` in its low bits. */
export const idAt = (ms: number, increment = 0): Snowflake => (((BigInt(ms) - DISCORD_EPOCH) << 22n) | BigInt(increment)).toString();
export const uniq = (prefix: string): string => `${prefix}${(++counter).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export function user(over: Partial<UserRecord> = {}): UserRecord {
  return {
    id: newId(), username: uniq('user'), discriminator: '0', globalName: null, avatar: null, banner: null, bio: '',
    email: null, passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA', bot: false, system: false, flags: 0, createdAt: 1_700_000_000_000,
    ...over,
  };
}

export function role(guildId: Snowflake, over: Partial<RoleRecord> = {}): RoleRecord {
  return {
    id: newId(), guildId, name: 'role', color: 0, hoist: false, position: 1, permissions: '0', managed: false, mentionable: false,
    icon: null, unicodeEmoji: null, botId: null, flags: 0, ...over,
  };
}

export function channel(guildId: Snowflake | null, over: Partial<ChannelRecord> = {}): ChannelRecord {
  return {
    id: newId(), type: guildId === null ? ChannelType.DM : ChannelType.GUILD_TEXT, guildId, name: guildId === null ? null : 'general',
    topic: null, position: 0, parentId: null, nsfw: false, rateLimitPerUser: 0, lastMessageId: null, lastPinTimestamp: null,
    ownerId: null, icon: null, bitrate: null, userLimit: null, createdAt: 1_700_000_000_000, ...over,
  };
}

export function member(guildId: Snowflake, userId: Snowflake, over: Partial<MemberRecord> = {}): MemberRecord {
  return {
    guildId, userId, nick: null, avatar: null, roles: [], joinedAt: 1_700_000_000_000, deaf: false, mute: false, pending: false,
    communicationDisabledUntil: null, flags: 0, ...over,
  };
}

export function bundle(ownerId: Snowflake, over: { channels?: number; name?: string } = {}): GuildCreateBundle {
  const guildId = newId();
  const channels = Array.from({ length: over.channels ?? 1 }, (_, i) => channel(guildId, { name: `ch-${i}`, position: i }));
  return {
    guild: {
      id: guildId, name: over.name ?? 'A guild', icon: null, banner: null, splash: null, description: null, ownerId, systemChannelId: channels[0]?.id ?? null,
      afkChannelId: null, afkTimeout: 300, verificationLevel: 0, defaultMessageNotifications: 0, explicitContentFilter: 0,
      preferredLocale: 'en-US', features: [], createdAt: 1_700_000_000_000,
    },
    roles: [role(guildId, { id: guildId, name: '@everyone', position: 0, permissions: '104324673' })],
    channels,
    owner: member(guildId, ownerId),
  };
}

export function message(channelId: Snowflake, authorId: Snowflake, over: Partial<MessageRecord> = {}): MessageRecord {
  return {
    id: newId(), channelId, guildId: null, authorId, content: 'hello', type: 0, flags: 0, tts: false, mentionEveryone: false,
    mentions: [], mentionRoles: [], mentionChannels: [], embeds: [], attachments: [], components: [], stickerItems: [],
    nonce: null, pinned: false, webhookId: null, applicationId: null, messageReference: null, editedAt: null, ...over,
  };
}

/** A user, a guild they own and its first channel, ready for member / message tests. */
export async function guildWithChannel(store: Store) {
  const owner = await store.users.create(user());
  const b = bundle(owner.id);
  const guild = await store.guilds.create(b);
  return { owner, guild, channel: b.channels[0], bundle: b };
}

/** Asserts the promise rejects with an error of `kind` whose fields match `props`. */
export async function rejectsWith(
  promise: Promise<unknown>,
  kind: abstract new (...args: never[]) => StoreError,
  props: Record<string, unknown> = {},
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof kind, `expected ${kind.name}, got ${String(err)}`);
    for (const [k, v] of Object.entries(props)) assert.equal((err as unknown as Record<string, unknown>)[k], v, `${kind.name}.${k}`);
    return true;
  });
}

export const ids = (records: ReadonlyArray<{ id: string }>): string[] => records.map((r) => r.id);

/** An application of `ownerId` with its bot user (an application's id is its bot's). */
export async function application(store: Store, ownerId: Snowflake, name = 'Test App'): Promise<ApplicationRecord> {
  const bot = user({ bot: true, passwordHash: null });
  return store.applications.create({
    id: bot.id, name, description: '', icon: null, ownerId, botUserId: bot.id, botPublic: true, botRequireCodeGrant: false, flags: 0, createdAt: 1,
  }, bot);
}
