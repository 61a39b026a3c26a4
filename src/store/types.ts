/**
 * Storage interfaces, one per aggregate, with their contract in the doc comments. Every implementation
 * (store/sql over SQLite or PostgreSQL) passes the one contract suite in test/contract/store.
 *
 * Conventions that hold for every method:
 * - Ids are snowflakes as decimal strings; times are Unix milliseconds (numbers); permission bitfields are
 *   decimal strings (arbitrary size on the wire, stored as text).
 * - `get*` returns `null` for an unknown id; `update*` / `delete*` of an unknown id throw NotFoundError.
 * - Writes that touch several rows are one transaction: they happen whole or not at all.
 * - Errors are the typed errors of store/errors.ts, never a raw driver error.
 * - Records returned are plain objects the caller may keep; the store never mutates them later.
 */
import type { Snowflake } from '../protocol/snowflake.ts';
import type { UserGuildSettingsRecord } from './notification-settings.ts';

// ---------------------------------------------------------------------------------------------- records

export interface UserRecord {
  id: Snowflake;
  /** Unique, case-insensitively (Discord's "pomelo" usernames): 2–32 chars. */
  username: string;
  discriminator: string;
  globalName: string | null;
  avatar: string | null;
  banner: string | null;
  bio: string;
  email: string | null;
  /** scrypt hash (`scrypt$N$r$p$salt$hash`), null for bot users. */
  passwordHash: string | null;
  bot: boolean;
  system: boolean;
  flags: number;
  createdAt: number;
  /** True when the account logs in with a second factor (TOTP, api/routes/mfa.ts); absent when it does not. */
  mfaEnabled?: boolean;
}

/** A user's TOTP secret (base32) and the last time step a code of it was accepted at (none yet: null). */
export interface UserMfaRecord {
  secret: string;
  lastStep: number | null;
}

export interface TokenRecord {
  userId: Snowflake;
  /** sha256 of the token's secret part, hex. The secret itself is never stored. */
  hash: string;
  kind: 'user' | 'bot';
  createdAt: number;
  /** When the token last authenticated something (idle expiry, the sessions list); kept to about the minute. */
  lastUsedAt: number;
  /** The client the token was issued to, as it described itself at log-in (the sessions list); null when unknown. */
  clientOs: string | null;
  clientPlatform: string | null;
}

export interface ApplicationRecord {
  /** Same as the bot user's id, as on Discord. */
  id: Snowflake;
  name: string;
  description: string;
  icon: string | null;
  ownerId: Snowflake;
  botUserId: Snowflake;
  botPublic: boolean;
  botRequireCodeGrant: boolean;
  /** Application flags; the GATEWAY_* bits enable privileged intents. */
  flags: number;
  createdAt: number;
  /**
   * The Ed25519 key pair that signs interactions POSTed to `interactionsEndpointUrl`: the public key as 64 hex
   * characters (Discord's `verify_key`) and the private key as base64 PKCS#8. Absent on applications made before
   * it existed, until first needed (api/interactions/signing.ts).
   */
  interactionsKey?: InteractionsKey;
  /** Where interactions are POSTed instead of INTERACTION_CREATE on the gateway; absent or null: the gateway. */
  interactionsEndpointUrl?: string | null;
}

export interface InteractionsKey {
  publicKey: string;
  privateKey: string;
}

export interface GuildRecord {
  id: Snowflake;
  name: string;
  icon: string | null;
  banner: string | null;
  /** The invite splash. */
  splash: string | null;
  description: string | null;
  ownerId: Snowflake;
  systemChannelId: Snowflake | null;
  afkChannelId: Snowflake | null;
  afkTimeout: number;
  verificationLevel: number;
  defaultMessageNotifications: number;
  explicitContentFilter: number;
  preferredLocale: string;
  features: string[];
  createdAt: number;
  /** Community settings (sql/guild-community.ts); each is absent while unset (widget off, no code, no screen). */
  widgetEnabled?: boolean;
  widgetChannelId?: Snowflake | null;
  /** Lower case; unique across guilds. */
  vanityUrlCode?: string | null;
  vanityUses?: number;
  welcomeScreen?: WelcomeScreenRecord | null;
  /** The onboarding (questions new members answer for roles); absent until set. */
  onboarding?: OnboardingRecord | null;
  /** Settings of Modify Guild; absent reads as 0, null and false. */
  systemChannelFlags?: number;
  rulesChannelId?: Snowflake | null;
  publicUpdatesChannelId?: Snowflake | null;
  safetyAlertsChannelId?: Snowflake | null;
  premiumProgressBarEnabled?: boolean;
  /**
   * Incident actions (Discord's security actions), Unix ms: until when joining through invites is paused, and until
   * when members who are not friends may not start DMs through the guild; absent or null when not paused.
   */
  invitesDisabledUntil?: number | null;
  dmsDisabledUntil?: number | null;
  /** Server-wide 2FA (Discord's mfa_level): 1 when moderator permissions need two-factor log-in; absent reads as 0. */
  mfaLevel?: number;
}

/** Discord's welcome screen object as stored. */
export interface WelcomeScreenRecord {
  enabled: boolean;
  description: string | null;
  welcomeChannels: Array<{ channelId: Snowflake; description: string; emojiId: Snowflake | null; emojiName: string | null }>;
}

/** Discord's guild onboarding as stored: its questions (prompts), each with options that grant roles. */
export interface OnboardingRecord {
  enabled: boolean;
  /** 0 ONBOARDING_DEFAULT, 1 ONBOARDING_ADVANCED. */
  mode: number;
  defaultChannelIds: Snowflake[];
  prompts: Array<{
    id: Snowflake;
    /** 0 multiple choice, 1 dropdown. */
    type: number;
    title: string;
    singleSelect: boolean;
    required: boolean;
    inOnboarding: boolean;
    options: Array<{
      id: Snowflake; title: string; description: string | null; channelIds: Snowflake[]; roleIds: Snowflake[];
      emojiId: Snowflake | null; emojiName: string | null; emojiAnimated: boolean;
    }>;
  }>;
}

/** Vanity joins and member pruning (sql/guild-community.ts). */
export interface GuildCommunityStore {
  /** The guild whose vanity code is `code` (case-insensitive), or null. */
  guildIdByVanityCode(code: string): Promise<Snowflake | null>;
  /**
   * Adds the member through the guild's vanity code and counts one use, in one transaction; null (nobody added)
   * when the code is not the guild's any more. ConflictError('member','user_id') when already a member.
   */
  joinByVanity(member: MemberRecord, code: string): Promise<MemberRecord | null>;
  /**
   * Members prune would remove: holding no role but those in `includeRoles`, joined before `since` (Unix ms) and
   * without a message in the guild since then; never the owner. Ascending by user id.
   */
  pruneCandidates(guildId: Snowflake, since: number, includeRoles: readonly Snowflake[]): Promise<Snowflake[]>;
  /** Removes these members (those still members); returns the user ids removed. */
  removeMembers(guildId: Snowflake, userIds: readonly Snowflake[], opts?: WithOutbox<Snowflake[]>): Promise<Snowflake[]>;
}

/** Discord channel types Accord stores. */
export const ChannelType = {
  GUILD_TEXT: 0,
  DM: 1,
  GUILD_VOICE: 2,
  GROUP_DM: 3,
  GUILD_CATEGORY: 4,
  GUILD_ANNOUNCEMENT: 5,
  ANNOUNCEMENT_THREAD: 10,
  PUBLIC_THREAD: 11,
  PRIVATE_THREAD: 12,
  GUILD_STAGE_VOICE: 13,
  GUILD_FORUM: 15,
  GUILD_MEDIA: 16,
} as const;
export type ChannelTypeValue = (typeof ChannelType)[keyof typeof ChannelType];

export interface ChannelRecord {
  id: Snowflake;
  type: ChannelTypeValue;
  /** null for DM and group DM channels. */
  guildId: Snowflake | null;
  name: string | null;
  topic: string | null;
  position: number;
  parentId: Snowflake | null;
  nsfw: boolean;
  /** Slowmode seconds, 0–21600. */
  rateLimitPerUser: number;
  /** Id of the newest message ever sent here (not cleared by deletes, as on Discord). */
  lastMessageId: Snowflake | null;
  lastPinTimestamp: number | null;
  /** Group DM owner. */
  ownerId: Snowflake | null;
  icon: string | null;
  bitrate: number | null;
  userLimit: number | null;
  createdAt: number;
  /**
   * A text or announcement channel's defaults for the threads started in it (Discord's default_auto_archive_duration
   * and default_thread_rate_limit_per_user); absent when unset. Forum and media channels keep theirs in their
   * ForumSettingsRecord.
   */
  defaultAutoArchiveDuration?: number | null;
  defaultThreadRateLimitPerUser?: number | null;
  /** A voice channel's status (Discord's "Set Voice Channel Status", up to 500 characters); absent when none. */
  voiceStatus?: string | null;
}

export interface RoleRecord {
  id: Snowflake;
  guildId: Snowflake;
  name: string;
  color: number;
  hoist: boolean;
  position: number;
  permissions: string;
  managed: boolean;
  mentionable: boolean;
  icon: string | null;
  unicodeEmoji: string | null;
  /** For a bot's managed role, the bot's user id. */
  botId: Snowflake | null;
  flags: number;
  /** A gradient's second color and a holographic style's third (Discord's role colors object); absent when unset. */
  secondaryColor?: number | null;
  tertiaryColor?: number | null;
}

export interface MemberRecord {
  guildId: Snowflake;
  userId: Snowflake;
  nick: string | null;
  avatar: string | null;
  /** Role ids, @everyone excluded, in no particular order. */
  roles: Snowflake[];
  joinedAt: number;
  deaf: boolean;
  mute: boolean;
  pending: boolean;
  communicationDisabledUntil: number | null;
  flags: number;
  /**
   * The member's own banner in this guild (a hash; its bytes at `guilds/{g}/users/{u}/banners`) and About Me,
   * shown over the user's. Absent when unset, so the many members who never set one carry nothing.
   */
  banner?: string | null;
  bio?: string;
  /**
   * Joined through a `temporary` invite: removed once the user has no live session, unless they hold a role
   * (api/temporary-members.ts). Absent for every other member.
   */
  temporary?: boolean;
}

/** A temporary membership as the sweeper reads it (MemberStore.listTemporary). */
export interface TemporaryMembership {
  guildId: Snowflake;
  userId: Snowflake;
  joinedAt: number;
  /** A role makes the membership permanent (Discord: "unless they've been assigned a role"). */
  hasRoles: boolean;
}

export interface BanRecord {
  guildId: Snowflake;
  userId: Snowflake;
  reason: string | null;
  createdAt: number;
}

export interface OverwriteRecord {
  channelId: Snowflake;
  /** Role or user id. */
  id: Snowflake;
  /** 0 role, 1 member. */
  type: 0 | 1;
  allow: string;
  deny: string;
}

export interface InviteRecord {
  code: string;
  guildId: Snowflake | null;
  channelId: Snowflake;
  inviterId: Snowflake | null;
  uses: number;
  /** 0 = unlimited. */
  maxUses: number;
  /** Seconds; 0 = never expires. */
  maxAge: number;
  temporary: boolean;
  createdAt: number;
  /** Unix ms, null when maxAge is 0. */
  expiresAt: number | null;
  /** Roles given to whoever accepts it (Discord's community invites); read back as [] when none. */
  roleIds?: Snowflake[];
  /**
   * When its list of target users was last set (Unix ms): only those users may see and accept it. Null (read back)
   * or absent for an invite anyone may accept.
   */
  targetUsersAt?: number | null;
}

export interface MessageReference {
  type?: number;
  messageId?: Snowflake;
  channelId?: Snowflake;
  guildId?: Snowflake;
}

export interface MessageRecord {
  id: Snowflake;
  channelId: Snowflake;
  guildId: Snowflake | null;
  authorId: Snowflake;
  content: string;
  /** Discord message type: 0 default, 19 reply, 7 member join … */
  type: number;
  flags: number;
  tts: boolean;
  mentionEveryone: boolean;
  mentions: Snowflake[];
  mentionRoles: Snowflake[];
  mentionChannels: Snowflake[];
  /** Embed objects as Discord shapes them; stored as JSON. */
  embeds: unknown[];
  /** The message's files (stored as JSON); their bytes are blobs (media/attachments.ts names their keys). */
  attachments: AttachmentRecord[];
  components: unknown[];
  stickerItems: unknown[];
  nonce: string | null;
  pinned: boolean;
  webhookId: Snowflake | null;
  applicationId: Snowflake | null;
  messageReference: MessageReference | null;
  editedAt: number | null;
  /**
   * A webhook's message (authorId is the webhook's id): the author it shows, fixed when it was sent, as on Discord.
   * Absent (never null) on other messages.
   */
  webhookAuthor?: WebhookAuthor;
  /**
   * A message an interaction made (its response or a follow-up): the `interaction_metadata` and the legacy
   * `interaction` objects Discord shows on it, fixed when it was sent. Absent (never null) on other messages.
   */
  interaction?: MessageInteraction;
  /** A poll message's poll (stored as JSON with the message). Absent (never null) on other messages. */
  poll?: PollRecord;
  /**
   * A forward's copy of the forwarded message (message_reference type 1), fixed when it was sent, its files copied
   * into this message's channel. Absent (never null) on other messages.
   */
  snapshot?: MessageSnapshotRecord;
}

/** What a forward shows of the message it forwards (Discord's message snapshot object). */
export interface MessageSnapshotRecord {
  type: number;
  content: string;
  embeds: unknown[];
  /** Copies of the original's files, stored under the forward's channel. */
  attachments: AttachmentRecord[];
  flags: number;
  mentions: Snowflake[];
  mentionRoles: Snowflake[];
  stickerItems: unknown[];
  components: unknown[];
  /** When the original was sent and last edited (unix ms). */
  createdAt: number;
  editedAt: number | null;
}

/** A message's poll as it was created; `expiresAt` moves to the moment it was ended early (POST …/expire). */
export interface PollRecord {
  question: string;
  /** answer ids are 1-based, in the order given. */
  answers: Array<{ id: number; text: string; emoji?: { id: Snowflake | null; name: string | null } }>;
  /** Unix ms. At or after it the poll is over and its results final. */
  expiresAt: number;
  allowMultiselect: boolean;
  layoutType: number;
}

/** One poll answer's tally, with whether the viewer voted for it. */
export interface PollAnswerCount {
  answerId: number;
  count: number;
  me: boolean;
}

/**
 * Poll votes: one row per (message, answer, user). They belong to their message: deleting it deletes them.
 */
export interface PollVoteStore {
  /**
   * Makes `answerIds` the user's votes on the message (an empty list removes them), storing the outbox records (a
   * function of what changed) in the same transaction. NotFoundError('message') for an unknown message.
   */
  setVotes(
    channelId: Snowflake, messageId: Snowflake, userId: Snowflake, answerIds: readonly number[], opts?: WithOutbox<PollVoteChange>,
  ): Promise<PollVoteChange>;
  /** Per message, its answers' counts (answers nobody voted for are left out). */
  counts(channelId: Snowflake, messageIds: readonly Snowflake[], viewerId: Snowflake | null): Promise<Map<Snowflake, PollAnswerCount[]>>;
  /** Users who voted for the answer, ascending by id, id > after, at most limit (1–100). */
  voters(channelId: Snowflake, messageId: Snowflake, answerId: number, opts?: { after?: Snowflake; limit?: number }): Promise<Snowflake[]>;
  /**
   * Polls that ended at or before `now` and whose end nobody announced yet (created with a poll, not ended early
   * through MessageStore.update), oldest end first.
   */
  dueEndings(now: number, limit: number): Promise<Array<{ channelId: Snowflake; messageId: Snowflake }>>;
  /**
   * Takes the poll's end to announce, storing the outbox records with it; false (and no records) when another
   * writer took it first or it is gone. Concurrent callers on any process: one wins.
   */
  claimEnding(channelId: Snowflake, messageId: Snowflake, opts?: WithOutbox<boolean>): Promise<boolean>;
}

/** The answers a setVotes call added and removed. */
export interface PollVoteChange {
  added: number[];
  removed: number[];
}

/** The interaction a message answers, as Discord renders it on the message (both objects kept as JSON). */
export interface MessageInteraction {
  metadata: Record<string, unknown>;
  legacy: Record<string, unknown>;
}

/** The author a webhook message shows: the webhook's name and avatar when it was sent, or the sender's overrides. */
export interface WebhookAuthor {
  /** 1–80 characters. */
  username: string;
  /** Hash of the avatar shown (served at /avatars/{webhook_id}/{hash}): the webhook's, or `avatarUrl`'s picture as fetched; null for none. */
  avatar: string | null;
  /** The `avatar_url` the sender gave instead (http or https), kept as sent; null without one. */
  avatarUrl: string | null;
}

/** Discord's webhook types. Accord makes incoming ones; the other two are stored for completeness. */
export const WebhookType = { INCOMING: 1, CHANNEL_FOLLOWER: 2, APPLICATION: 3 } as const;
export type WebhookTypeValue = (typeof WebhookType)[keyof typeof WebhookType];

export interface WebhookRecord {
  id: Snowflake;
  type: WebhookTypeValue;
  guildId: Snowflake;
  channelId: Snowflake;
  /** The user who made it; null when unknown. */
  creatorId: Snowflake | null;
  /** 1–80 characters. */
  name: string;
  avatar: string | null;
  /**
   * The secret of an incoming webhook, stored as issued: Discord shows it again to MANAGE_WEBHOOKS holders (GET
   * /webhooks/{id}), so it cannot be a one-way hash. Compared in constant time. Null for the other types.
   */
  token: string | null;
  /** The application that made it (application-owned webhooks), else null. */
  applicationId: Snowflake | null;
  createdAt: number;
}

/**
 * One file of a message, as stored; shapes/message.ts renders Discord's attachment object from it, with URLs
 * signed at render time.
 */
export interface AttachmentRecord {
  id: Snowflake;
  /** Sanitised (media/filenames.ts); a `SPOILER_` prefix marks a spoiler. */
  filename: string;
  /** Bytes. */
  size: number;
  /** Sniffed from the bytes (media/sniff.ts), never taken from the client. */
  contentType: string;
  /** Images and videos whose header says them. */
  width?: number;
  height?: number;
  /** Alt text, at most 1024 characters. */
  description?: string;
  /** Discord's attachment flags (IS_SPOILER 8 …); absent when none. */
  flags?: number;
  /** A voice message's file (IS_VOICE_MESSAGE): its length in seconds and its sampled waveform (base64). */
  durationSecs?: number;
  waveform?: string;
}

export interface EmojiRef {
  /** Custom emoji id, or null for a unicode emoji. */
  id: Snowflake | null;
  /** Unicode character(s), or the custom emoji's name. */
  name: string;
  animated?: boolean;
}

/** Reactions of one emoji on one message, seen by one viewer. */
export interface ReactionSummary {
  messageId: Snowflake;
  emoji: EmojiRef;
  count: number;
  /** Whether the viewer passed to `summarize` reacted with it. */
  me: boolean;
}

export interface PinRecord {
  channelId: Snowflake;
  messageId: Snowflake;
  pinnedAt: number;
}

export interface ReadStateRecord {
  userId: Snowflake;
  channelId: Snowflake;
  lastMessageId: Snowflake | null;
  mentionCount: number;
  lastPinTimestamp: number | null;
}

/** Discord's application command types Accord stores (PRIMARY_ENTRY_POINT launches Activities, which Accord has not). */
export const ApplicationCommandType = {
  CHAT_INPUT: 1,
  USER: 2,
  MESSAGE: 3,
} as const;
export type ApplicationCommandTypeValue = (typeof ApplicationCommandType)[keyof typeof ApplicationCommandType];

/** A localization dictionary: locale → text (only locales whose text differs from the default). */
export type LocalizationMap = Record<string, string>;

/** An application command, global (`guildId` null) or of one guild. */
export interface ApplicationCommandRecord {
  id: Snowflake;
  applicationId: Snowflake;
  guildId: Snowflake | null;
  type: ApplicationCommandTypeValue;
  /** Unique per application, scope and type; 1–32 characters. */
  name: string;
  nameLocalizations: LocalizationMap | null;
  /** 1–100 characters for CHAT_INPUT, empty for USER and MESSAGE. */
  description: string;
  descriptionLocalizations: LocalizationMap | null;
  /** The options in Discord's JSON shape, as the api validated them; stored as JSON. */
  options: unknown[];
  /** Permission bitfield as a decimal string; null when everyone may use it by default. */
  defaultMemberPermissions: string | null;
  /** Interaction context types (0 guild, 1 bot DM, 2 private channel); null for guild commands. */
  contexts: number[] | null;
  /** Installation contexts (0 guild install, 1 user install); null for guild commands. */
  integrationTypes: number[] | null;
  nsfw: boolean;
  /** A snowflake that changes whenever the command's definition does. */
  version: Snowflake;
}

/** One entry of a command's permissions in a guild: a role (1), user (2) or channel (3) allowed or denied. */
export interface CommandPermission {
  /** Role, user or channel id; the guild id means @everyone, guild id − 1 every channel. */
  id: Snowflake;
  type: 1 | 2 | 3;
  permission: boolean;
}

/** Permissions of one command (or, when `commandId` is the application's id, of all its commands) in a guild. */
export interface CommandPermissionsRecord {
  applicationId: Snowflake;
  guildId: Snowflake;
  commandId: Snowflake;
  permissions: CommandPermission[];
}

export interface PushDeviceRecord {
  id: Snowflake;
  userId: Snowflake;
  /** The log-in token that registered the device (tokens.hash): the device goes when the token does. */
  tokenHash: string;
  provider: 'webpush';
  /** Web Push: the push service's endpoint URL. */
  endpoint: string;
  p256dh: string;
  auth: string;
  deviceName: string | null;
  /** False: its notifications say only that a message came (no author, channel or text; migration 18). */
  preview: boolean;
  createdAt: number;
  updatedAt: number;
}

/** A device to register: without `preview`, a new device shows previews and a registered one keeps its choice. */
export type PushDeviceInput = Omit<PushDeviceRecord, 'preview'> & { preview?: boolean };

/** pending: to send at nextAttemptAt; the others are final (dead: dead-lettered after the last try). */
export type PushDeliveryState = 'pending' | 'sent' | 'gone' | 'failed' | 'dead';
export type PushDeliveryUrgency = 'very-low' | 'low' | 'normal' | 'high';

export interface PushDeliveryRecord {
  messageId: Snowflake;
  userId: Snowflake;
  deviceId: Snowflake;
  channelId: Snowflake;
  /** The notification's JSON, fixed when the delivery is queued. */
  payload: string;
  /** RFC 8030 Urgency the push is sent with (a DM or naming the user: high; else normal). Absent: normal. */
  urgency?: PushDeliveryUrgency;
  state: PushDeliveryState;
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
}

export interface PushSubscriptionRecord {
  id: Snowflake;
  userId: Snowflake;
  endpoint: string;
  p256dh: string;
  auth: string;
  createdAt: number;
}

// ------------------------------------------------------------------------------------------ repositories

export type Patch<T, K extends keyof T> = Partial<Omit<T, K>>;

export interface UserStore {
  /**
   * Throws ConflictError('user','username') or ('user','email') when taken (case-insensitive). With `token`
   * (which must be the new user's), the user and its first token are stored in one transaction: a token that
   * cannot be stored leaves no user behind (registration answers with a token or creates nothing).
   */
  create(user: UserRecord, token?: TokenRecord): Promise<UserRecord>;
  get(id: Snowflake): Promise<UserRecord | null>;
  /** Unknown ids are left out; order follows the input. */
  getMany(ids: readonly Snowflake[]): Promise<UserRecord[]>;
  /** By username or email, case-insensitive. */
  findByLogin(login: string): Promise<UserRecord | null>;
  update(id: Snowflake, patch: Patch<UserRecord, 'id' | 'createdAt'>): Promise<UserRecord>;
  /**
   * Sets the password hash only while it is still `expected` (a rehash after log-in must not undo a password
   * change made meanwhile); true when it was replaced.
   */
  replacePasswordHash(id: Snowflake, expected: string, next: string): Promise<boolean>;
  /** The user's second factor, or null when they have none. */
  getMfa(id: Snowflake): Promise<UserMfaRecord | null>;
  /**
   * Turns TOTP on with `secret` and replaces the backup codes with these (sha256 hashes, each usable once), with
   * `lastStep` already used; or off (`secret` null), dropping the backup codes. NotFoundError('user') when unknown.
   */
  setMfa(id: Snowflake, secret: string | null, opts?: { backupCodeHashes?: readonly string[]; lastStep?: number }): Promise<void>;
  /** Records that a code of `step` was accepted; false when that step or a later one already was (a replay). */
  claimMfaStep(id: Snowflake, step: number): Promise<boolean>;
  /** Replaces the backup codes of a user with 2FA on (the secret and its last step stay); false when it is off. */
  replaceBackupCodes(id: Snowflake, codeHashes: readonly string[]): Promise<boolean>;
  /** Uses up one backup code by its hash; false when it is not one of the user's or was used already. */
  consumeBackupCode(id: Snowflake, codeHash: string): Promise<boolean>;
}

export interface TokenStore {
  create(token: TokenRecord): Promise<void>;
  /** Every token of the user (the caller compares hashes in constant time). */
  listForUser(userId: Snowflake): Promise<TokenRecord[]>;
  /**
   * The user with every token of theirs (ordered as listForUser), in one read: what resolving a token needs.
   * Null for an unknown user.
   */
  listWithUser(userId: Snowflake): Promise<{ user: UserRecord; tokens: TokenRecord[] } | null>;
  /** Removes one token; no error when already gone. */
  delete(userId: Snowflake, hash: string): Promise<void>;
  /** Removes every token of the user of that kind (bot token reset, logout everywhere). */
  deleteForUser(userId: Snowflake, kind?: TokenRecord['kind']): Promise<number>;
  /**
   * Removes every token of the user of `kind` and stores `token` (of that user and kind) in one transaction:
   * a reset either leaves the old tokens valid or only the new one, never neither. Returns the removed tokens.
   * NotFoundError('user') for an unknown user. With `opts.passwordHash` the user's password hash is set in the
   * same transaction (a password change: the new password with only the new token, or nothing).
   */
  replaceForUser(userId: Snowflake, kind: TokenRecord['kind'], token: TokenRecord, opts?: { passwordHash?: string }): Promise<TokenRecord[]>;
  /**
   * Stores `token` and, in the same transaction, removes the user's least recently used tokens of its kind
   * beyond `keepAtMost` (the new token counts and always stays). Returns the removed tokens. Concurrent calls
   * for one user serialise. NotFoundError('user') for an unknown user.
   */
  createCapped(token: TokenRecord, keepAtMost: number): Promise<TokenRecord[]>;
  /** Records a use: lastUsedAt becomes `at` unless it is later already. No error when the token is gone. */
  touch(userId: Snowflake, hash: string, at: number): Promise<void>;
}

export interface ApplicationStore {
  /** Creates the application and its bot user in one transaction. */
  create(app: ApplicationRecord, botUser: UserRecord): Promise<ApplicationRecord>;
  get(id: Snowflake): Promise<ApplicationRecord | null>;
  getByBotUser(botUserId: Snowflake): Promise<ApplicationRecord | null>;
  listByOwner(ownerId: Snowflake): Promise<ApplicationRecord[]>;
  update(id: Snowflake, patch: Patch<ApplicationRecord, 'id' | 'ownerId' | 'botUserId' | 'createdAt' | 'interactionsKey'>): Promise<ApplicationRecord>;
  /** Gives the application this interactions key unless it has one already; returns the application as stored. */
  setInteractionsKeyIfAbsent(id: Snowflake, key: InteractionsKey): Promise<ApplicationRecord>;
}

export interface GuildCreateBundle {
  guild: GuildRecord;
  /** The @everyone role (id == guild id) and any others. */
  roles: RoleRecord[];
  channels: ChannelRecord[];
  /** Permission overwrites of those channels (a guild made from a template, or POST /guilds with them). */
  overwrites?: OverwriteRecord[];
  owner: MemberRecord;
}

/** Guild features to add and to remove (a feature in both is removed). */
export interface FeatureChange {
  add?: readonly string[];
  remove?: readonly string[];
}

export interface GuildStore {
  /** Guild, roles, channels, their overwrites and the owner's membership in one transaction. */
  create(bundle: GuildCreateBundle): Promise<GuildRecord>;
  get(id: Snowflake): Promise<GuildRecord | null>;
  getMany(ids: readonly Snowflake[]): Promise<GuildRecord[]>;
  /**
   * With `opts.features`, the named features are added to and removed from the list as it is when the row is
   * written, not as the caller read it, so two edits of different features at once both land. `patch.features`
   * (the whole list) and `opts.features` together are an InvalidInputError.
   */
  update(id: Snowflake, patch: Patch<GuildRecord, 'id' | 'createdAt'>, opts?: { features?: FeatureChange }): Promise<GuildRecord>;
  /**
   * Deletes the guild and everything in it (channels, messages, roles, members, bans, invites …) and stores the
   * outbox records (a function of the ids of the channels deleted, whose files must go too), in one transaction.
   */
  delete(id: Snowflake, opts?: WithOutbox<Snowflake[]>): Promise<void>;
  /** Guild ids the user is a member of, ascending. */
  listIdsForUser(userId: Snowflake): Promise<Snowflake[]>;
}

/** One entry of ChannelStore.setPositions. */
export interface ChannelPositionUpdate {
  id: Snowflake;
  position: number;
  /** Absent: the parent is left as it is; null: no parent. */
  parentId?: Snowflake | null;
  /**
   * Discord's lock_permissions: the channel's overwrite set becomes a copy of its parent's (the parent as it is
   * after this call, with the parent's overwrites as they are in the same transaction). Ignored for a channel
   * left without a parent.
   */
  lockPermissions?: boolean;
}

export interface ChannelStore {
  /**
   * Stores the channel with its DM recipients and its permission overwrites (each of this channel; a repeated
   * id keeps the last) in one transaction: nothing is stored unless everything is.
   */
  create(channel: ChannelRecord, recipients?: readonly Snowflake[], overwrites?: readonly OverwriteRecord[]): Promise<ChannelRecord>;
  /**
   * `opts.staleLastMessageId`: the caller does not read `lastMessageId` (a message create checking its access), so
   * a cached copy may answer with an older one; the store itself always answers with the row as stored.
   */
  get(id: Snowflake, opts?: { staleLastMessageId?: boolean }): Promise<ChannelRecord | null>;
  /** The channel's last_message_id alone (moved by every message); null when there is no such channel. */
  getLastMessageId(id: Snowflake): Promise<{ lastMessageId: Snowflake | null } | null>;
  /** Moves last_message_id to `messageId` unless it is already at a later one (a forum's newest post); never back. */
  advanceLastMessageId(id: Snowflake, messageId: Snowflake): Promise<void>;
  /** Guild channels ordered by (position, id). */
  listByGuild(guildId: Snowflake): Promise<ChannelRecord[]>;
  /**
   * With `opts.overwrites`, the channel's whole overwrite set is replaced too (as OverwriteStore.replaceForChannel),
   * in the same transaction as the field changes: both happen or neither. An empty patch with overwrites still
   * throws NotFoundError for an unknown channel.
   */
  update(
    id: Snowflake,
    patch: Patch<ChannelRecord, 'id' | 'type' | 'guildId' | 'createdAt'>,
    opts?: { overwrites?: readonly OverwriteRecord[] },
  ): Promise<ChannelRecord>;
  /**
   * Sets several channels' position (and optionally parent, and with lockPermissions their overwrites) in one
   * transaction. NotFoundError('channel') when an id is not a channel of the guild; then nothing changes.
   */
  setPositions(guildId: Snowflake, updates: readonly ChannelPositionUpdate[]): Promise<void>;
  /** Changes a guild channel's type (text ↔ announcement); NotFoundError('channel') when unknown. */
  setType(id: Snowflake, type: ChannelTypeValue): Promise<void>;
  /**
   * Deletes the channel with its messages, reactions, pins, overwrites, invites, read states (children of a
   * category get parentId null) and stores the outbox records, in one transaction.
   */
  delete(id: Snowflake, opts?: WithOutbox<void>): Promise<void>;
  /** The 1:1 DM channel between two users, if any. */
  findDm(userA: Snowflake, userB: Snowflake): Promise<ChannelRecord | null>;
  /** DM and group DM channels the user is a recipient of. */
  listPrivateForUser(userId: Snowflake): Promise<ChannelRecord[]>;
  listRecipients(channelId: Snowflake): Promise<Snowflake[]>;
  /**
   * listPrivateForUser with each channel's listRecipients (the user included), in one read: READY lists them all,
   * and a read per channel made identify cost grow with the user's DMs.
   */
  listPrivateWithRecipients(userId: Snowflake): Promise<Array<{ channel: ChannelRecord; recipients: Snowflake[] }>>;
  /** Idempotent. */
  addRecipient(channelId: Snowflake, userId: Snowflake): Promise<void>;
  /** Idempotent. */
  removeRecipient(channelId: Snowflake, userId: Snowflake): Promise<void>;
  /**
   * A user leaves (or is removed from) a group DM, in one transaction: the recipient goes; when the owner is no
   * longer a recipient, ownership passes to the remaining recipient with the lowest id; when nobody remains, the
   * channel is deleted with its messages. Returns the channel as it is afterwards (null when deleted) and the
   * remaining recipients, ascending. Idempotent for a non-recipient. NotFoundError('channel') for an unknown
   * channel, InvalidInputError('type') for a channel that is not a group DM. Concurrent calls on one channel
   * serialise, so the last two recipients leaving at once still delete it.
   */
  removeGroupRecipient(channelId: Snowflake, userId: Snowflake): Promise<{ channel: ChannelRecord | null; recipients: Snowflake[] }>;
}

export interface RoleStore {
  create(role: RoleRecord): Promise<RoleRecord>;
  get(guildId: Snowflake, roleId: Snowflake): Promise<RoleRecord | null>;
  /** Ordered by (position, id). */
  listByGuild(guildId: Snowflake): Promise<RoleRecord[]>;
  update(guildId: Snowflake, roleId: Snowflake, patch: Patch<RoleRecord, 'id' | 'guildId'>): Promise<RoleRecord>;
  setPositions(guildId: Snowflake, updates: ReadonlyArray<{ id: Snowflake; position: number }>): Promise<void>;
  /** Deletes the role, removes it from every member and deletes its overwrites, in one transaction. */
  delete(guildId: Snowflake, roleId: Snowflake): Promise<void>;
}

export interface MemberStore {
  /** Throws ConflictError('member','user_id') when already a member. */
  add(member: MemberRecord): Promise<MemberRecord>;
  /**
   * Creates `role` (of the member's guild) and adds the member holding it (role.id is added to member.roles if
   * missing), in one transaction — a bot joining with its managed role. ConflictError('member','user_id') when
   * already a member, ConflictError('role','id') for a taken role id; either way neither is stored.
   */
  addWithRole(member: MemberRecord, role: RoleRecord): Promise<MemberRecord>;
  /**
   * Counts one use of the invite (as InviteStore.use) and adds the member, in one transaction. Returns null, adding
   * nobody, when the invite is unknown, expired or used up. ConflictError('member','user_id') when already a
   * member: then the use is not counted either. InvalidInputError('code') for an invite of another guild.
   * The invite's roles that still exist are given with the membership (which they make permanent, as any role does
   * a temporary one). A targeted invite adds only a user on its list: anyone else gets null, as for an unknown one.
   */
  addWithInvite(member: MemberRecord, code: string, now?: number): Promise<{ member: MemberRecord; invite: InviteRecord } | null>;
  /**
   * A member accepting an invite that gives roles (Discord gives them "even if they're already in your server"): in
   * one transaction, counts one use and adds the invite's roles that still exist and the member lacks (making a
   * temporary membership permanent). With none to add nothing is counted and `added` is []. Null when the invite is
   * unknown, expired, used up, of another guild, or targeted at others, or the user is no member.
   */
  acceptInviteRoles(guildId: Snowflake, userId: Snowflake, code: string, now?: number): Promise<{ member: MemberRecord; invite: InviteRecord; added: Snowflake[] } | null>;
  get(guildId: Snowflake, userId: Snowflake): Promise<MemberRecord | null>;
  /** Members with userId > after (default 0), ascending by user id, at most `limit` (1–1000, default 1000). */
  list(guildId: Snowflake, opts?: { after?: Snowflake; limit?: number }): Promise<MemberRecord[]>;
  /** Members whose username, global name or nick starts with `query` (case-insensitive), ascending by user id; limit 1–1000. */
  search(guildId: Snowflake, query: string, limit: number): Promise<MemberRecord[]>;
  /** The guild's bot members (its integrations), ascending by user id. */
  listBots(guildId: Snowflake): Promise<MemberRecord[]>;
  getMany(guildId: Snowflake, userIds: readonly Snowflake[]): Promise<MemberRecord[]>;
  /** The guilds `userId` is a member of, ascending by guild id, with their nickname in each (one index read). */
  nicknamesOf(userId: Snowflake): Promise<Array<{ guildId: Snowflake; nick: string | null }>>;
  /**
   * Ids of the guild's members holding any of `roleIds`, each once, ascending (an index read, not a scan of the
   * members: who may see the audit log or a private thread in a guild of any size).
   */
  holdersOf(guildId: Snowflake, roleIds: readonly Snowflake[]): Promise<Snowflake[]>;
  count(guildId: Snowflake): Promise<number>;
  /** How many members hold each role of the guild that anyone holds (one grouped index read). */
  countByRole(guildId: Snowflake): Promise<Map<Snowflake, number>>;
  /** `roles`, when given, replaces the member's role set. */
  update(guildId: Snowflake, userId: Snowflake, patch: Patch<MemberRecord, 'guildId' | 'userId' | 'joinedAt'>): Promise<MemberRecord>;
  /** Idempotent; NotFoundError when the member is unknown. */
  addRole(guildId: Snowflake, userId: Snowflake, roleId: Snowflake): Promise<MemberRecord>;
  removeRole(guildId: Snowflake, userId: Snowflake, roleId: Snowflake): Promise<MemberRecord>;
  /**
   * Adds `roleIds` (those of the guild that still exist; others are skipped) and ORs `flags` into the member's
   * flags, in one transaction that reads nothing first: a role or flag another request changes meanwhile is kept.
   * NotFoundError('member') when not a member.
   */
  grant(guildId: Snowflake, userId: Snowflake, change: { roleIds: readonly Snowflake[]; flags: number }): Promise<MemberRecord>;
  /** Throws NotFoundError('member') when not a member. */
  remove(guildId: Snowflake, userId: Snowflake): Promise<void>;
  /**
   * Temporary memberships in (user id, guild id) order after `after`, at most `limit` (1–1000): an index read of
   * the few members that are temporary, never a scan of all members.
   */
  listTemporary(after: { userId: Snowflake; guildId: Snowflake } | null, limit: number): Promise<TemporaryMembership[]>;
  /**
   * Removes the membership only while it is temporary and holds no role (a role granted meanwhile wins); true when
   * this call removed it, so that of two sweepers only one announces it.
   */
  removeTemporary(guildId: Snowflake, userId: Snowflake): Promise<boolean>;
}

export interface BanResult {
  deletedMessages: Map<Snowflake, Snowflake[]>;
  wasMember: boolean;
}

export interface BanStore {
  /**
   * Bans the user: stores the ban (replacing an older one), removes the membership if any, and deletes the
   * user's messages in the guild newer than `deleteMessagesSince` (Unix ms) — all in one transaction.
   * Returns the ids of deleted messages grouped by channel, for the MESSAGE_DELETE_BULK events; the outbox
   * records (a function of that result) are stored in the same transaction.
   */
  create(ban: BanRecord, deleteMessagesSince?: number, opts?: WithOutbox<BanResult>): Promise<BanResult>;
  get(guildId: Snowflake, userId: Snowflake): Promise<BanRecord | null>;
  /** Which of `userIds` are banned from the guild: ascending, each once. */
  bannedAmong(guildId: Snowflake, userIds: readonly Snowflake[]): Promise<Snowflake[]>;
  /**
   * Ascending by user id, at most limit (1–1000, default 1000). With `after` (and optionally `before`): the first
   * bans with after < userId < before. With only `before`: the `limit` bans just below it, still ascending.
   */
  list(guildId: Snowflake, opts?: { after?: Snowflake; before?: Snowflake; limit?: number }): Promise<BanRecord[]>;
  delete(guildId: Snowflake, userId: Snowflake): Promise<void>;
}

export interface OverwriteStore {
  /** Insert or replace. NotFoundError('channel') for an unknown channel. */
  put(overwrite: OverwriteRecord): Promise<OverwriteRecord>;
  listByChannel(channelId: Snowflake): Promise<OverwriteRecord[]>;
  /** Every overwrite of every channel of the guild. */
  listByGuild(guildId: Snowflake): Promise<OverwriteRecord[]>;
  /** Replaces the channel's whole overwrite set in one transaction. */
  replaceForChannel(channelId: Snowflake, overwrites: readonly OverwriteRecord[]): Promise<void>;
  delete(channelId: Snowflake, id: Snowflake): Promise<void>;
}

export interface InviteStore {
  /**
   * ConflictError('invite','code') on a taken code. With `targetUserIds` the invite is stored with its list of
   * target users (each once, in the given order; `targetUsersAt` is then the invite's createdAt), in one
   * transaction: there is never a moment when anyone may accept it.
   */
  create(invite: InviteRecord, opts?: { targetUserIds?: readonly Snowflake[] }): Promise<InviteRecord>;
  /** Expired invites are returned as null (and may be swept). The list methods leave expired invites out too. */
  get(code: string, now?: number): Promise<InviteRecord | null>;
  listByGuild(guildId: Snowflake): Promise<InviteRecord[]>;
  listByChannel(channelId: Snowflake): Promise<InviteRecord[]>;
  /**
   * Atomically counts one use. Returns the updated invite, or null when it is unknown, expired or used up
   * (an invite reaching maxUses is deleted, as on Discord). It knows no user, so it does not check a targeted
   * invite's list: joins go through MemberStore.addWithInvite / acceptInviteRoles, which do.
   */
  use(code: string, now?: number): Promise<InviteRecord | null>;
  delete(code: string): Promise<void>;
  /** A targeted invite's users in the order they were given; [] when it has none; null for an unknown invite. */
  targetUsers(code: string): Promise<Snowflake[] | null>;
  /** How many target users the invite has (0 when none or unknown). */
  targetUserCount(code: string): Promise<number>;
  /** Whether `userId` is on the invite's list of target users. */
  isTargetUser(code: string, userId: Snowflake): Promise<boolean>;
  /**
   * Replaces the invite's target users (each once, in the given order; at least one) and sets `targetUsersAt` to
   * `now`, in one transaction. NotFoundError('invite') for an unknown invite.
   */
  setTargetUsers(code: string, userIds: readonly Snowflake[], now: number): Promise<InviteRecord>;
}

export interface MessagePage {
  /** Exclusive upper bound: the `limit` newest messages below it. */
  before?: Snowflake;
  /** Exclusive lower bound. Alone: the `limit` oldest messages above it. With `before`: a bound on that page. */
  after?: Snowflake;
  /**
   * Messages around this id: the ceil(limit/2) newest with id <= around (so the message itself, if it exists,
   * and limit 1 returns just it) and the floor(limit/2) oldest with id > around. A short side is not filled from
   * the other. Takes precedence over before / after.
   */
  around?: Snowflake;
  /** 1–100, default 50. */
  limit?: number;
}

/**
 * Something that must happen after a committed write (a gateway dispatch, a durable-queue job), stored in the
 * write's own transaction so a crash between commit and publish loses nothing (contracts/outbox.ts publishes it).
 */
export interface OutboxRecord {
  id: Snowflake;
  kind: 'event' | 'job';
  /** Bus subject (event) or queue name (job). */
  subject: string;
  /** The payload as JSON text. */
  payload: string;
  createdAt: number;
}

/** An attachment of a message that a delete removed: its file must go too (the cdn role deletes it). */
export interface RemovedAttachment {
  channelId: Snowflake;
  attachmentId: Snowflake;
}

/**
 * Outbox records to store with a write: a list, or a function of what the write did (bulk deletes). Writes that
 * delete messages (MessageStore.delete and bulkDelete, BanStore.create) also hand the function the attachments of
 * the messages they deleted, read in the same transaction, so the records can name every file to delete.
 */
export interface WithOutbox<R = unknown> {
  outbox?: readonly OutboxRecord[] | ((result: R, removed: readonly RemovedAttachment[]) => readonly OutboxRecord[]);
  /**
   * Guild audit log entries to store with the write, in its transaction (a list, or a function of what the write
   * did); stored only when the outbox records are (a write that changed nothing records neither).
   */
  audit?: readonly AuditLogEntryRecord[] | ((result: R) => readonly AuditLogEntryRecord[]);
}

/** One change of an audit log entry, as Discord reports it (`$add` / `$remove` for member roles). */
export interface AuditLogChange {
  key: string;
  old_value?: unknown;
  new_value?: unknown;
}

/** An entry of a guild's audit log (Discord's audit log entry; kept 45 days). */
export interface AuditLogEntryRecord {
  id: Snowflake;
  guildId: Snowflake;
  /** Who did it; null for the system. */
  userId: Snowflake | null;
  /** What it was done to (a user, channel, role, message author, webhook …); null when nothing (invites). */
  targetId: string | null;
  /** Discord's audit log event number (MEMBER_KICK 20, MEMBER_BAN_ADD 22 …). */
  actionType: number;
  changes: AuditLogChange[] | null;
  /** Discord's optional audit entry info (channel_id, count, id, type, role_name …). */
  options: Record<string, string> | null;
  /** The X-Audit-Log-Reason, at most 512 characters. */
  reason: string | null;
  createdAt: number;
}

/** Filters of AuditLogStore.list. */
export interface AuditLogQuery {
  userId?: Snowflake;
  actionType?: number;
  /** Entries with id < before, newest first. */
  before?: Snowflake;
  /** Entries with id > after; alone (no before), the oldest first, as Discord pages forward. */
  after?: Snowflake;
  /** 1–100. */
  limit: number;
  /** Entries created before this (Unix ms) are left out: retention. */
  since: number;
}

export interface AuditLogStore {
  /** Stores one entry. NotFoundError('guild') for an unknown guild. */
  create(entry: AuditLogEntryRecord): Promise<void>;
  /** Entries newest first (oldest first when only `after` is given). */
  list(guildId: Snowflake, query: AuditLogQuery): Promise<AuditLogEntryRecord[]>;
  /** Deletes entries created before `before` (Unix ms); returns how many. */
  prune(before: number): Promise<number>;
}

/**
 * Files a message write takes off the pending-upload ledger (PendingUploadStore), in its own transaction: the blob
 * keys of the files it adds (new uploads only, not files the message already had).
 */
export interface TakesUploads {
  uploadKeys?: readonly string[];
}

/**
 * The ledger of files being uploaded (`pending_uploads`), so that a process dying mid-request leaves no file that
 * nothing names. The api records a blob key before it stores the first byte; the message write that names the
 * file removes the row in its own transaction (MessageStore create and update, `uploadKeys`), failing with
 * InvalidInputError('attachments') when a row is gone or abandoned (its file may be deleted already); a failed
 * request deletes its files, then their rows. A row that stays names a file no message took: the cdn role's
 * sweep abandons it, deletes the file, then the row.
 */
export interface PendingUploadStore {
  /** Records the keys as uploads begun at `now` (Unix ms); a key already recorded keeps its row as it is. */
  begin(keys: readonly string[], now: number): Promise<void>;
  /** Keys of uploads begun before `before` (Unix ms), abandoned ones included, oldest first; `limit` 1–1000. */
  listStale(before: number, limit: number): Promise<string[]>;
  /**
   * Marks the uploads abandoned, so no message write takes them any more (do this before deleting their files);
   * returns those of `keys` that are still recorded (abandoned earlier or now), in no particular order.
   */
  abandon(keys: readonly string[]): Promise<string[]>;
  /** Removes the rows; unknown keys are ignored. */
  forget(keys: readonly string[]): Promise<void>;
}

export interface OutboxStore {
  /** Records not yet marked done, oldest first, created before `createdBefore` (Unix ms) when given. */
  pending(opts: { limit: number; createdBefore?: number }): Promise<OutboxRecord[]>;
  /** Marks records published (they are removed); unknown ids are ignored. */
  done(ids: readonly Snowflake[]): Promise<void>;
}

export interface MessageStore {
  /**
   * Stores the message, sets the channel's lastMessageId, adds one mention to the read state of each of
   * `mentionUserIds` in that channel, stores the outbox records and takes `uploadKeys` off the pending-upload
   * ledger — all in one transaction.
   */
  create(message: MessageRecord, opts?: { mentionUserIds?: readonly Snowflake[] } & WithOutbox<void> & TakesUploads): Promise<MessageRecord>;
  get(channelId: Snowflake, messageId: Snowflake): Promise<MessageRecord | null>;
  /**
   * A page of history, newest first (`after` pages are also returned newest first, as Discord does).
   * Walks the channel's 10-day buckets from the newest relevant one, skipping empty buckets, until the limit
   * is met. Ordered by id, never by a timestamp column.
   */
  list(channelId: Snowflake, page?: MessagePage): Promise<MessageRecord[]>;
  /**
   * Applies the patch, stores the outbox records and takes `uploadKeys` off the pending-upload ledger in one
   * transaction; NotFoundError('message') writes nothing. A `poll` in the patch ends the announcement of the
   * message's earlier one (a poll ended early), unless `pollAdded`: then the patch gives the message a poll whose
   * end is announced when it comes, as a new message's is (a deferred interaction response's answer).
   */
  update(channelId: Snowflake, messageId: Snowflake, patch: Partial<Pick<MessageRecord, 'content' | 'embeds' | 'attachments' | 'components' | 'flags' | 'mentions' | 'mentionRoles' | 'mentionChannels' | 'mentionEveryone' | 'editedAt' | 'pinned' | 'poll'>>, opts?: WithOutbox<void> & TakesUploads & { pollAdded?: boolean }): Promise<MessageRecord>;
  /** Deletes the message with its reactions and pin, and stores the outbox records, in one transaction. */
  delete(channelId: Snowflake, messageId: Snowflake, opts?: WithOutbox<void>): Promise<void>;
  /**
   * Deletes those of `ids` that exist in the channel (with reactions and pins) and stores the outbox records
   * (a function of the ids deleted), in one transaction; returns the ids deleted.
   */
  bulkDelete(channelId: Snowflake, ids: readonly Snowflake[], opts?: WithOutbox<Snowflake[]>): Promise<Snowflake[]>;
  /** The author's newest message in the channel with this nonce created at or after `sinceMs`, for enforce_nonce. */
  findByNonce(channelId: Snowflake, authorId: Snowflake, nonce: string, sinceMs: number): Promise<MessageRecord | null>;
  /**
   * enforce_nonce made a property of the write: like `create`, and in the same transaction it claims
   * (channel, author, `nonce`) unless a claim made at or after `sinceMs` whose message still exists holds it. Then
   * nothing is written and that message comes back with `created: false`. Concurrent calls with one key, from any
   * process on the same database, store one message: the later ones wait on the first's claim and get its message.
   */
  createOnce(message: MessageRecord, nonce: string, sinceMs: number, opts?: { mentionUserIds?: readonly Snowflake[] } & WithOutbox<void> & TakesUploads): Promise<{ message: MessageRecord; created: boolean }>;
  /** Deletes nonce claims made before `beforeMs` (they can no longer hold anything); returns how many. */
  pruneNonces(beforeMs: number): Promise<number>;
  /** Several messages of one channel by id (unknown ones left out). */
  getMany(channelId: Snowflake, ids: readonly Snowflake[]): Promise<MessageRecord[]>;
}

/**
 * Webhooks of guild channels. A webhook belongs to its channel: deleting the channel (or its guild) deletes it.
 * Lists are ascending by id.
 */
export interface WebhookStore {
  /** NotFoundError('channel') for an unknown channel. */
  create(webhook: WebhookRecord): Promise<WebhookRecord>;
  get(id: Snowflake): Promise<WebhookRecord | null>;
  listByChannel(channelId: Snowflake): Promise<WebhookRecord[]>;
  listByGuild(guildId: Snowflake): Promise<WebhookRecord[]>;
  countByGuild(guildId: Snowflake): Promise<number>;
  /**
   * Renames, changes the avatar or moves the webhook to another channel (the caller checks it is of the same
   * guild). NotFoundError('webhook') for an unknown webhook, NotFoundError('channel') for an unknown channel.
   */
  update(id: Snowflake, patch: Partial<Pick<WebhookRecord, 'name' | 'avatar' | 'channelId'>>): Promise<WebhookRecord>;
  /** NotFoundError('webhook') when unknown. Its messages stay, as on Discord. */
  delete(id: Snowflake): Promise<void>;
}

/** A custom guild emoji; its image is in the blob store at `emojis/{id}` (media/image-keys.ts). */
export interface GuildEmojiRecord {
  id: Snowflake;
  guildId: Snowflake;
  name: string;
  /** Role ids allowed to use it; empty for everyone. */
  roles: Snowflake[];
  /** The creator. */
  userId: Snowflake | null;
  animated: boolean;
  createdAt: number;
}

/** Custom emoji of guilds (sql/emojis.ts). Deleting the guild deletes them. Lists are ascending by id. */
export interface GuildEmojiStore {
  /** NotFoundError('guild') for an unknown guild. */
  create(emoji: GuildEmojiRecord): Promise<GuildEmojiRecord>;
  get(id: Snowflake): Promise<GuildEmojiRecord | null>;
  /** The known ones of `ids`, of any guild, once each; unknown ids are left out. */
  getMany(ids: readonly Snowflake[]): Promise<GuildEmojiRecord[]>;
  listByGuild(guildId: Snowflake): Promise<GuildEmojiRecord[]>;
  /** Returns null when unknown. */
  update(id: Snowflake, patch: Partial<Pick<GuildEmojiRecord, 'name' | 'roles'>>): Promise<GuildEmojiRecord | null>;
  /** True when it existed. */
  delete(id: Snowflake): Promise<boolean>;
}

/**
 * An emoji owned by an application (Discord's app emoji): only the application's bot may use it, in any channel,
 * without USE_EXTERNAL_EMOJIS. Its image is at `emojis/{id}` like a guild emoji's. `userId` is who uploaded it: the
 * bot through the API, the owner through the developer portal.
 */
export interface ApplicationEmojiRecord {
  id: Snowflake;
  applicationId: Snowflake;
  name: string;
  userId: Snowflake | null;
  animated: boolean;
  createdAt: number;
}

/** Emoji of applications (sql/application-emojis.ts). Deleting the application deletes them. Lists are ascending by id. */
export interface ApplicationEmojiStore {
  /** NotFoundError('application') for an unknown application; ConflictError('application_emoji', 'name') for a name the application already has. */
  create(emoji: ApplicationEmojiRecord): Promise<ApplicationEmojiRecord>;
  get(id: Snowflake): Promise<ApplicationEmojiRecord | null>;
  /** The known ones of `ids`, of any application, once each, ascending; unknown ids are left out. */
  getMany(ids: readonly Snowflake[]): Promise<ApplicationEmojiRecord[]>;
  listByApplication(applicationId: Snowflake): Promise<ApplicationEmojiRecord[]>;
  countByApplication(applicationId: Snowflake): Promise<number>;
  /** Null when unknown; ConflictError('application_emoji', 'name') for a name another of the application's emoji has. */
  rename(id: Snowflake, name: string): Promise<ApplicationEmojiRecord | null>;
  /** True when it existed. */
  delete(id: Snowflake): Promise<boolean>;
}

/** Discord's sticker format types. */
export const StickerFormat = { PNG: 1, APNG: 2, LOTTIE: 3, GIF: 4 } as const;
export type StickerFormatValue = (typeof StickerFormat)[keyof typeof StickerFormat];

/** A guild sticker; its file is in the blob store at `stickers/{id}` (api/routes/stickers.ts). */
export interface GuildStickerRecord {
  id: Snowflake;
  guildId: Snowflake;
  /** 2–30 characters. */
  name: string;
  /** Empty, or 2–100 characters; null when none. */
  description: string | null;
  /** Autocomplete / suggestion tags, 2–200 characters. */
  tags: string;
  formatType: StickerFormatValue;
  /** The creator. */
  userId: Snowflake | null;
  createdAt: number;
}

/** Stickers of guilds (sql/stickers.ts). Deleting the guild deletes them. Lists are ascending by id. */
export interface GuildStickerStore {
  /** NotFoundError('guild') for an unknown guild. */
  create(sticker: GuildStickerRecord): Promise<GuildStickerRecord>;
  get(id: Snowflake): Promise<GuildStickerRecord | null>;
  getMany(ids: readonly Snowflake[]): Promise<GuildStickerRecord[]>;
  listByGuild(guildId: Snowflake): Promise<GuildStickerRecord[]>;
  /** Returns null when unknown. */
  update(id: Snowflake, patch: Partial<Pick<GuildStickerRecord, 'name' | 'description' | 'tags'>>): Promise<GuildStickerRecord | null>;
  /** True when it existed. */
  delete(id: Snowflake): Promise<boolean>;
}

/** A guild's soundboard sound; its file (MP3 or Ogg) is in the blob store at `soundboard-sounds/{id}` (api/routes/soundboard.ts). */
export interface GuildSoundRecord {
  id: Snowflake;
  guildId: Snowflake;
  /** 2–32 characters. */
  name: string;
  /** 0 to 1. */
  volume: number;
  /** A custom emoji of the guild, or a standard one by name; both null when none. */
  emojiId: Snowflake | null;
  emojiName: string | null;
  /** The creator. */
  userId: Snowflake | null;
  createdAt: number;
}

/** Soundboard sounds of guilds (sql/soundboard.ts). Deleting the guild deletes them. Lists are ascending by id. */
export interface GuildSoundStore {
  /** NotFoundError('guild') for an unknown guild. */
  create(sound: GuildSoundRecord): Promise<GuildSoundRecord>;
  get(id: Snowflake): Promise<GuildSoundRecord | null>;
  listByGuild(guildId: Snowflake): Promise<GuildSoundRecord[]>;
  /** Returns null when unknown. */
  update(id: Snowflake, patch: Partial<Pick<GuildSoundRecord, 'name' | 'volume' | 'emojiId' | 'emojiName'>>): Promise<GuildSoundRecord | null>;
  /** True when it existed. */
  delete(id: Snowflake): Promise<boolean>;
}

/** A live stage: the topic of a stage channel (type 13) while it is open (api/routes/stage-instances.ts). */
export interface StageInstanceRecord {
  id: Snowflake;
  guildId: Snowflake;
  channelId: Snowflake;
  /** 1–120 characters. */
  topic: string;
  /** 2, GUILD_ONLY (1, PUBLIC, is deprecated and refused). */
  privacyLevel: number;
  /** The scheduled event this stage was started for, if any. */
  scheduledEventId: Snowflake | null;
}

/** Open stages (sql/stage-instances.ts): at most one per channel; deleting the channel or the guild deletes it. */
export interface StageInstanceStore {
  /** ConflictError('stage_instance', 'channel_id') when the channel has one; NotFoundError('channel') for an unknown channel. */
  create(stage: StageInstanceRecord): Promise<StageInstanceRecord>;
  getByChannel(channelId: Snowflake): Promise<StageInstanceRecord | null>;
  /** Ascending by id. */
  listByGuild(guildId: Snowflake): Promise<StageInstanceRecord[]>;
  /** Returns null when the channel has none. */
  update(channelId: Snowflake, patch: Partial<Pick<StageInstanceRecord, 'topic' | 'privacyLevel'>>): Promise<StageInstanceRecord | null>;
  /** The instance deleted, or null when the channel had none (or, with `id`, another one: it is kept). */
  delete(channelId: Snowflake, opts?: { id?: Snowflake }): Promise<StageInstanceRecord | null>;
}

/** String key/value pairs of a lobby, a lobby member or a lobby message (Discord: at most 1,000 characters in all). */
export type LobbyMetadata = Record<string, string>;

/** A lobby of the Social SDK (api/routes/lobbies.ts): an application's group of users with a text chat. */
export interface LobbyRecord {
  id: Snowflake;
  applicationId: Snowflake;
  /** The secret of a lobby created or joined with PUT /lobbies; null for one an application created. */
  secret: string | null;
  metadata: LobbyMetadata | null;
  /** 5–604,800 seconds (Discord's default 300). */
  idleTimeoutSeconds: number;
  /** The guild text channel linked to the lobby, if any (one lobby per channel). */
  linkedChannelId: Snowflake | null;
  createdAt: number;
}

export interface LobbyMemberRecord {
  lobbyId: Snowflake;
  userId: Snowflake;
  metadata: LobbyMetadata | null;
  /** LobbyMemberFlags: 1 = CanLinkLobby. */
  flags: number;
  /** 1–80 characters, such as an in-game character name. */
  additionalName: string | null;
}

/**
 * A member to add or update. A field left undefined keeps what is stored (a new member: no metadata, flags 0, no
 * additional name).
 */
export interface LobbyMemberInput {
  userId: Snowflake;
  metadata?: LobbyMetadata | null;
  flags?: number;
  additionalName?: string | null;
}

export interface LobbyMessageRecord {
  id: Snowflake;
  lobbyId: Snowflake;
  authorId: Snowflake;
  content: string;
  flags: number;
  /** The author's additional name when the message was sent. */
  additionalName: string | null;
  /** Set by the application (PUT …/moderation-metadata). */
  moderationMetadata: LobbyMetadata | null;
  /** A message brought in from the lobby's linked channel: that channel (absent for the lobby's own messages). */
  sourceChannelId?: Snowflake;
}

/** What a membership change did: the members added or updated, and the ids removed. */
export interface LobbyMembersChange {
  upserted: Array<{ member: LobbyMemberRecord; added: boolean }>;
  removed: Snowflake[];
  /** Users left out because they are in the most lobbies of this application a user may be in. */
  dropped: Snowflake[];
}

/**
 * Lobbies, their members and their messages (sql/lobbies.ts). Deleting a lobby deletes its members and messages;
 * deleting its linked channel unlinks it.
 */
export interface LobbyStore {
  /** Creates the lobby with its first members (users past the per-user limit are dropped, as in `changeMembers`). */
  create(lobby: LobbyRecord, members: readonly LobbyMemberInput[], limits: LobbyLimits): Promise<LobbyMembersChange>;
  get(id: Snowflake): Promise<LobbyRecord | null>;
  /** The newest lobby of `applicationId` made with `secret` (its secret may have expired: see createOrJoin). */
  getBySecret(applicationId: Snowflake, secret: string): Promise<LobbyRecord | null>;
  /** The lobbies `userId` is a member of, ascending by id. */
  listForUser(userId: Snowflake): Promise<LobbyRecord[]>;
  /** Null when the lobby does not exist. */
  update(id: Snowflake, patch: Partial<Pick<LobbyRecord, 'metadata' | 'idleTimeoutSeconds'>>): Promise<LobbyRecord | null>;
  /** The lobby deleted with the ids of its members then, or null when there was none. */
  delete(id: Snowflake): Promise<{ lobby: LobbyRecord; memberIds: Snowflake[] } | null>;
  /** Ascending by user id. */
  members(id: Snowflake): Promise<LobbyMemberRecord[]>;
  member(id: Snowflake, userId: Snowflake): Promise<LobbyMemberRecord | null>;
  /** Which of `userIds` are members of the lobby: ascending, each once. */
  membersAmong(id: Snowflake, userIds: readonly Snowflake[]): Promise<Snowflake[]>;
  /**
   * Upserts `upserts` and removes `removals` in one transaction (with `replace`, also every member not upserted).
   * A user not yet a member who is in `limits.perUser` lobbies of the lobby's application already, or who would pass
   * `limits.perLobby` members, is dropped. NotFoundError('lobby') when the lobby does not exist.
   */
  changeMembers(id: Snowflake, upserts: readonly LobbyMemberInput[], removals: readonly Snowflake[], limits: LobbyLimits, opts?: { replace?: boolean }): Promise<LobbyMembersChange>;
  /**
   * PUT /lobbies in one transaction: the application's lobby with `secret` (`fresh` is created when there is none,
   * or when the newest one was created `limits.secretTtlMs` or more before `fresh` and `member` is not in it: that
   * one stays, and its members with it), its metadata replaced by `lobbyMetadata` when given, and `member` upserted.
   * LimitReachedError('lobby_members') when the member would pass a limit: then nothing is written.
   */
  createOrJoin(fresh: LobbyRecord, member: LobbyMemberInput, lobbyMetadata: LobbyMetadata | null | undefined, limits: LobbyLimits): Promise<{ lobby: LobbyRecord; created: boolean; metadataChanged: boolean; change: LobbyMembersChange }>;
  /** Every channel a lobby is linked to, ascending. */
  linkedChannelIds(): Promise<Snowflake[]>;
  /** The lobbies linked to any of these channels. */
  listLinkedTo(channelIds: readonly Snowflake[]): Promise<LobbyRecord[]>;
  /**
   * Idle lobbies: a lobby is due once `idleTimeoutSeconds` passed since it was created or last `touch`ed (a modify
   * of the timeout moves the deadline by the difference). Up to `limit`, the longest due first.
   */
  dueIdle(now: number, limit: number): Promise<LobbyRecord[]>;
  /** Someone is connected to these lobbies: their idle deadline starts over from `now`. */
  touch(lobbyIds: readonly Snowflake[], now: number): Promise<void>;
  /** Deletes the lobby if it is still due at `now` (a touch meanwhile keeps it): what `delete` returns, or null. */
  deleteIfIdle(lobbyId: Snowflake, now: number): Promise<{ lobby: LobbyRecord; memberIds: Snowflake[] } | null>;
  /** Links `channelId` (null unlinks); ConflictError('lobby', 'linked_channel_id') when another lobby has it. Null when the lobby does not exist. */
  link(id: Snowflake, channelId: Snowflake | null): Promise<LobbyRecord | null>;
  addMessage(message: LobbyMessageRecord): Promise<void>;
  /** The newest `limit` messages, newest first. */
  messages(id: Snowflake, limit: number): Promise<LobbyMessageRecord[]>;
  /** Replaces a message's content; null when the lobby has no such message. */
  editMessage(id: Snowflake, messageId: Snowflake, content: string): Promise<LobbyMessageRecord | null>;
  /** Deletes those of the lobby's messages; the ids it deleted, ascending. */
  deleteMessages(id: Snowflake, messageIds: readonly Snowflake[]): Promise<Snowflake[]>;
  /** Null when the lobby has no such message. */
  setModerationMetadata(id: Snowflake, messageId: Snowflake, metadata: LobbyMetadata): Promise<LobbyMessageRecord | null>;
}

/** Discord's: 1,000 members a lobby, 100 lobbies of one application a user; a secret lets users join for 30 days. */
export interface LobbyLimits {
  perLobby: number;
  perUser: number;
  /** createOrJoin: a lobby created this long before `fresh` no longer takes joins by its secret (default: forever). */
  secretTtlMs?: number;
}

/** One of an application's role connection metadata records (Discord's linked roles). */
export interface RoleConnectionMetadataRecord {
  /** 1–8: integer ≤ / ≥ / = / ≠, datetime ≤ / ≥ (days), boolean = / ≠. */
  type: number;
  /** 1–50 of a-z, 0-9 and _; unique within the application. */
  key: string;
  name: string;
  nameLocalizations: Record<string, string> | null;
  description: string;
  descriptionLocalizations: Record<string, string> | null;
}

/** What an application says of a user it connected (their account on its platform and its metadata values). */
export interface UserRoleConnectionRecord {
  userId: Snowflake;
  applicationId: Snowflake;
  platformName: string | null;
  platformUsername: string | null;
  /** Metadata keys (of the application's records) to values, as strings. */
  metadata: Record<string, string>;
}

/** Linked roles (sql/role-connections.ts). Deleting the application or the user deletes theirs. */
export interface RoleConnectionStore {
  /** The application's records, in the order set; [] when none. */
  getMetadata(applicationId: Snowflake): Promise<RoleConnectionMetadataRecord[]>;
  /** Replaces them. NotFoundError('application') for an unknown application. */
  setMetadata(applicationId: Snowflake, records: readonly RoleConnectionMetadataRecord[]): Promise<void>;
  get(userId: Snowflake, applicationId: Snowflake): Promise<UserRoleConnectionRecord | null>;
  /** Creates or replaces it. NotFoundError for an unknown user or application. */
  put(connection: UserRoleConnectionRecord): Promise<UserRoleConnectionRecord>;
}

/** Discord's scheduled event status: 1 SCHEDULED, 2 ACTIVE, 3 COMPLETED, 4 CANCELED. */
export type ScheduledEventStatus = 1 | 2 | 3 | 4;

/** A guild scheduled event; times are Unix ms. entityType: 1 STAGE_INSTANCE, 2 VOICE, 3 EXTERNAL (with a location). */
export interface ScheduledEventRecord {
  id: Snowflake;
  guildId: Snowflake;
  channelId: Snowflake | null;
  creatorId: Snowflake | null;
  name: string;
  description: string | null;
  scheduledStartTime: number;
  scheduledEndTime: number | null;
  privacyLevel: number;
  status: ScheduledEventStatus;
  entityType: number;
  location: string | null;
}

/** Guild scheduled events and who is interested in them (sql/scheduled-events.ts). Deleting the guild deletes them. */
export interface ScheduledEventStore {
  /** NotFoundError('guild') for an unknown guild. */
  create(event: ScheduledEventRecord): Promise<ScheduledEventRecord>;
  /** Null when unknown or of another guild. */
  get(guildId: Snowflake, eventId: Snowflake): Promise<ScheduledEventRecord | null>;
  /** Ascending by id. */
  listByGuild(guildId: Snowflake): Promise<ScheduledEventRecord[]>;
  /** Events of the guild that are SCHEDULED or ACTIVE. */
  countUncompleted(guildId: Snowflake): Promise<number>;
  /**
   * Null when unknown or of another guild; with `ifStatus`, also when its status is another by then (compare and
   * set: nothing is written).
   */
  update(guildId: Snowflake, eventId: Snowflake, patch: Partial<Omit<ScheduledEventRecord, 'id' | 'guildId' | 'creatorId'>>, opts?: { ifStatus?: number }): Promise<ScheduledEventRecord | null>;
  /** True when it existed; its users go with it. */
  delete(guildId: Snowflake, eventId: Snowflake): Promise<boolean>;
  /** True when the user was not interested yet. NotFoundError('scheduled_event') for an unknown event. */
  addUser(eventId: Snowflake, userId: Snowflake): Promise<boolean>;
  /** True when the user was interested. */
  removeUser(eventId: Snowflake, userId: Snowflake): Promise<boolean>;
  /** Interested users' ids, ascending; `before` / `after` bound them, at most `limit` (1–100). */
  listUsers(eventId: Snowflake, page?: { before?: Snowflake; after?: Snowflake; limit?: number }): Promise<Snowflake[]>;
  /** How many users each event has (events with none are absent). */
  countUsers(eventIds: readonly Snowflake[]): Promise<Map<Snowflake, number>>;
  /** Whether `userId` is interested in each of `eventIds`. */
  interestedIn(userId: Snowflake, eventIds: readonly Snowflake[]): Promise<Set<Snowflake>>;
}

/**
 * Discord's auto moderation trigger metadata, as stored: the fields of the rule's trigger type only (the api layer
 * checks which apply). Keywords and allow-list entries keep their wildcards (`*cat`, `cat*`, `*cat*`).
 */
export interface AutoModTriggerMetadata {
  keywordFilter?: string[];
  regexPatterns?: string[];
  presets?: number[];
  allowList?: string[];
  mentionTotalLimit?: number;
  mentionRaidProtectionEnabled?: boolean;
}

/** An auto moderation action: type 1 BLOCK_MESSAGE, 2 SEND_ALERT_MESSAGE, 3 TIMEOUT, 4 BLOCK_MEMBER_INTERACTION. */
export interface AutoModAction {
  type: number;
  metadata: { channelId?: Snowflake; durationSeconds?: number; customMessage?: string };
}

/** A guild's auto moderation rule (https://discord.com/developers/docs/resources/auto-moderation). */
export interface AutoModRuleRecord {
  id: Snowflake;
  guildId: Snowflake;
  name: string;
  creatorId: Snowflake;
  /** 1 MESSAGE_SEND, 2 MEMBER_UPDATE. */
  eventType: number;
  /** 1 KEYWORD, 3 SPAM, 4 KEYWORD_PRESET, 5 MENTION_SPAM, 6 MEMBER_PROFILE. */
  triggerType: number;
  triggerMetadata: AutoModTriggerMetadata;
  actions: AutoModAction[];
  enabled: boolean;
  exemptRoles: Snowflake[];
  exemptChannels: Snowflake[];
}

/** Auto moderation rules (sql/auto-moderation.ts, migration 35). Deleting the guild deletes them. */
export interface AutoModerationStore {
  /** NotFoundError('guild') for an unknown guild. */
  create(rule: AutoModRuleRecord): Promise<AutoModRuleRecord>;
  /** Null when unknown or of another guild. */
  get(guildId: Snowflake, ruleId: Snowflake): Promise<AutoModRuleRecord | null>;
  /** Ascending by id. What a message create reads (cached in front of SQLite: access-cache.ts). */
  listByGuild(guildId: Snowflake): Promise<AutoModRuleRecord[]>;
  /** Null when unknown or of another guild. */
  update(guildId: Snowflake, ruleId: Snowflake, patch: Partial<Omit<AutoModRuleRecord, 'id' | 'guildId' | 'creatorId' | 'triggerType'>>): Promise<AutoModRuleRecord | null>;
  /** True when it existed. */
  delete(guildId: Snowflake, ruleId: Snowflake): Promise<boolean>;
}

/** A guild template (https://discord.com/developers/docs/resources/guild-template): a snapshot of a guild to make others from. */
export interface GuildTemplateRecord {
  code: string;
  guildId: Snowflake;
  name: string;
  description: string | null;
  usageCount: number;
  creatorId: Snowflake;
  createdAt: number;
  updatedAt: number;
  /** Discord's serialized_source_guild, with placeholder ids (api/guild-templates.ts). */
  snapshot: Record<string, unknown>;
}

/** Guild templates (sql/guild-templates.ts, migration 36): at most one per guild; deleting the guild deletes it. */
export interface GuildTemplateStore {
  /** NotFoundError('guild') for an unknown guild; ConflictError when the guild has a template already. */
  create(template: GuildTemplateRecord): Promise<GuildTemplateRecord>;
  get(code: string): Promise<GuildTemplateRecord | null>;
  listByGuild(guildId: Snowflake): Promise<GuildTemplateRecord[]>;
  /** Null when unknown or of another guild. */
  update(guildId: Snowflake, code: string, patch: Partial<Pick<GuildTemplateRecord, 'name' | 'description' | 'snapshot' | 'updatedAt'>>): Promise<GuildTemplateRecord | null>;
  /** The deleted template, or null. */
  delete(guildId: Snowflake, code: string): Promise<GuildTemplateRecord | null>;
  /** Counts one more guild made from it. */
  countUse(code: string): Promise<void>;
}

/** An application's OAuth2 client settings: the sha-256 of its client secret (none until reset) and its redirect URIs. */
export interface OAuth2ClientRecord {
  applicationId: Snowflake;
  secretHash: string | null;
  redirectUris: string[];
}

/** An authorization code (its sha-256) a user granted an application, for one token exchange before `expiresAt`. */
export interface OAuth2CodeRecord {
  codeHash: string;
  applicationId: Snowflake;
  userId: Snowflake;
  scopes: string[];
  redirectUri: string;
  expiresAt: number;
}

/** An OAuth2 access token (its sha-256) with its refresh token's, for a user and an application, with scopes. */
export interface OAuth2TokenRecord {
  accessHash: string;
  /** Null for a client credentials grant (no refresh token). */
  refreshHash: string | null;
  applicationId: Snowflake;
  userId: Snowflake;
  scopes: string[];
  expiresAt: number;
  createdAt: number;
}

/** OAuth2 clients, codes and tokens (sql/oauth2.ts, migration 37). */
export interface OAuth2Store {
  /** The application's client settings: no secret and no redirect URIs until set. */
  getClient(applicationId: Snowflake): Promise<OAuth2ClientRecord>;
  setSecret(applicationId: Snowflake, secretHash: string): Promise<void>;
  setRedirectUris(applicationId: Snowflake, uris: readonly string[]): Promise<void>;
  createCode(code: OAuth2CodeRecord): Promise<void>;
  /** The code, deleted in the same step: a second exchange of it finds nothing. */
  takeCode(codeHash: string): Promise<OAuth2CodeRecord | null>;
  createToken(token: OAuth2TokenRecord): Promise<void>;
  getToken(accessHash: string): Promise<OAuth2TokenRecord | null>;
  /** The token a refresh token belongs to, deleted in the same step (a refresh token is used once). */
  takeRefresh(refreshHash: string): Promise<OAuth2TokenRecord | null>;
  /** Deletes the token whose access or refresh hash this is, for this application; true when there was one. */
  revoke(applicationId: Snowflake, hash: string): Promise<boolean>;
  /** The applications the user has live grants with: each one's scopes (all its tokens') and first grant time. */
  listGrants(userId: Snowflake, now: number): Promise<Array<{ applicationId: Snowflake; scopes: string[]; createdAt: number }>>;
  /**
   * Which of `userIds` granted `applicationId` a scope, in one read: a token with it whose access is live, or which
   * can still be refreshed (an expired access token is not a withdrawn grant; revoking deletes the rows).
   */
  usersGranting(applicationId: Snowflake, userIds: readonly Snowflake[], scope: string, now: number): Promise<Snowflake[]>;
  /** Deletes every token and code the user gave the application; true when there was one. */
  revokeApplication(userId: Snowflake, applicationId: Snowflake): Promise<boolean>;
}

/** A channel-follower webhook (type 2) and the announcement channel it follows. */
export interface ChannelFollowRecord {
  webhookId: Snowflake;
  sourceChannelId: Snowflake;
  sourceGuildId: Snowflake;
  createdAt: number;
}

/**
 * Channel follows (sql/channel-follows.ts): which webhooks receive an announcement channel's published messages.
 * Deleting the webhook, or the followed channel, deletes the follow.
 */
export interface ChannelFollowStore {
  /** NotFoundError('webhook') / ('channel') for an unknown one. */
  create(follow: ChannelFollowRecord): Promise<ChannelFollowRecord>;
  /** The follows of these webhooks (those that are channel-follower webhooks). */
  getMany(webhookIds: readonly Snowflake[]): Promise<ChannelFollowRecord[]>;
  /** Every follow of the channel, ascending by webhook id. */
  listBySource(channelId: Snowflake): Promise<ChannelFollowRecord[]>;
  /** Claims the publishing of a message: true for the one caller that claimed it first (any process). */
  claimCrosspost(channelId: Snowflake, messageId: Snowflake, now: number): Promise<boolean>;
  /** Gives a claim back (its publish failed before the message was marked). */
  releaseCrosspost(messageId: Snowflake): Promise<void>;
}

/** Discord's relationship types (a user's view of another user). */
export const RelationshipType = { FRIEND: 1, BLOCKED: 2, PENDING_INCOMING: 3, PENDING_OUTGOING: 4 } as const;
export type RelationshipTypeValue = (typeof RelationshipType)[keyof typeof RelationshipType];

/** How `userId` relates to `targetId`; each side of a pair has its own record (or none). */
export interface RelationshipRecord {
  userId: Snowflake;
  targetId: Snowflake;
  type: RelationshipTypeValue;
  nickname: string | null;
  /** Unix ms when this relationship began. */
  since: number;
}

/** Both directions between users a and b. */
export interface RelationshipPair {
  ab: RelationshipRecord | null;
  ba: RelationshipRecord | null;
}

/** Friends, blocks and friend requests (sql/relationships.ts). Deleting a user deletes both sides. */
export interface RelationshipStore {
  /** The user's relationships, ascending by target id. */
  listForUser(userId: Snowflake): Promise<RelationshipRecord[]>;
  get(userId: Snowflake, targetId: Snowflake): Promise<RelationshipRecord | null>;
  /**
   * Reads both directions between a and b and stores what `fn` returns, in one transaction serialised per pair;
   * an unchanged object (same reference) is left alone, null deletes. `fn` may throw to change nothing.
   * NotFoundError('user') when either user is unknown and a record is written.
   */
  update(a: Snowflake, b: Snowflake, fn: (current: RelationshipPair) => RelationshipPair): Promise<{ before: RelationshipPair; after: RelationshipPair }>;
  /** Null when there is no such relationship. */
  setNickname(userId: Snowflake, targetId: Snowflake, nickname: string | null): Promise<RelationshipRecord | null>;
  /** The user's private notes on other users (Discord's user notes), by target id. */
  listNotes(userId: Snowflake): Promise<Map<Snowflake, string>>;
  getNote(userId: Snowflake, targetId: Snowflake): Promise<string | null>;
  /** Sets the note (at most 256 characters); an empty one deletes it. */
  setNote(userId: Snowflake, targetId: Snowflake, note: string): Promise<void>;
}

export interface ReactionStore {
  /**
   * Returns true when added, false when the user had already reacted with that emoji (then no outbox record is
   * stored). NotFoundError('message') for an unknown message.
   */
  add(channelId: Snowflake, messageId: Snowflake, emoji: EmojiRef, userId: Snowflake, opts?: WithOutbox<boolean>): Promise<boolean>;
  /** Returns true when removed (and only then stores the outbox records). */
  remove(channelId: Snowflake, messageId: Snowflake, emoji: EmojiRef, userId: Snowflake, opts?: WithOutbox<boolean>): Promise<boolean>;
  /** User ids that reacted with the emoji, ascending, id > after, at most limit (1–100). */
  listUsers(channelId: Snowflake, messageId: Snowflake, emoji: EmojiRef, opts?: { after?: Snowflake; limit?: number }): Promise<Snowflake[]>;
  removeAll(channelId: Snowflake, messageId: Snowflake, opts?: WithOutbox<void>): Promise<void>;
  removeEmoji(channelId: Snowflake, messageId: Snowflake, emoji: EmojiRef, opts?: WithOutbox<void>): Promise<void>;
  /**
   * Per message, each emoji with its count and whether `viewerId` reacted, in first-reaction order. Messages
   * without reactions have no entry. A custom emoji is identified by id alone.
   */
  summarize(channelId: Snowflake, messageIds: readonly Snowflake[], viewerId: Snowflake | null): Promise<Map<Snowflake, ReactionSummary[]>>;
  /** Distinct emojis on the message (for the 20-emoji limit). */
  countEmojis(channelId: Snowflake, messageId: Snowflake): Promise<number>;
}

export interface PinStore {
  /**
   * Pins (sets message.pinned), sets channel.lastPinTimestamp and stores the outbox records, in one
   * transaction; false (and no records) if already pinned.
   */
  pin(channelId: Snowflake, messageId: Snowflake, at: number, opts?: WithOutbox<boolean>): Promise<boolean>;
  /** false (and no records) if it was not pinned. */
  unpin(channelId: Snowflake, messageId: Snowflake, opts?: WithOutbox<boolean>): Promise<boolean>;
  /** Newest pin first. */
  list(channelId: Snowflake): Promise<PinRecord[]>;
  count(channelId: Snowflake): Promise<number>;
}

export interface ReadStateStore {
  /** Sets the user's read position (and mention count) in the channel; insert or replace. */
  ack(state: ReadStateRecord): Promise<ReadStateRecord>;
  listForUser(userId: Snowflake): Promise<ReadStateRecord[]>;
  /** Adds one mention to each listed user's read state of the channel (creating it if needed). */
  incrementMentions(channelId: Snowflake, userIds: readonly Snowflake[]): Promise<void>;
}

export interface PushDeviceStore {
  /**
   * Insert, or update the device with the same provider and endpoint (a browser has one endpoint: it moves to the
   * new user and token, keeping its id). NotFoundError (entity 'token') when the token is gone.
   */
  put(device: PushDeviceInput): Promise<PushDeviceRecord>;
  /** Sets whether the user's device shows message previews; null when the user has no such device. */
  setPreview(userId: Snowflake, id: Snowflake, preview: boolean): Promise<PushDeviceRecord | null>;
  listForUser(userId: Snowflake): Promise<PushDeviceRecord[]>;
  /** The devices of these users, one query a chunk. */
  listForUsers(userIds: readonly Snowflake[]): Promise<PushDeviceRecord[]>;
  /** The devices of the guild's members (one query: a guild's members without devices cost nothing). */
  listForGuildMembers(guildId: Snowflake): Promise<PushDeviceRecord[]>;
  get(id: Snowflake): Promise<PushDeviceRecord | null>;
  /** The devices of these ids that exist, one query a chunk. */
  getMany(ids: readonly Snowflake[]): Promise<PushDeviceRecord[]>;
  /** False when the user has no such device. */
  delete(userId: Snowflake, id: Snowflake): Promise<boolean>;
  /** Idempotent (a push service reports an expired endpoint once per delivery). */
  deleteById(id: Snowflake): Promise<void>;
}

/**
 * One try's outcome, for PushDeliveryStore.settleMany. The claim it settles is named by the row as the claim left
 * it: `delivery.attempts` (a claim keeps them) and `leaseUntil` (the lease it set as next_attempt_at). A later
 * claim of the same delivery, made once the lease is due, sets a later lease, and a settle moves attempts on, so a
 * node whose lease lapsed finds the row changed and its late outcome is dropped instead of overwriting another
 * node's claim or result.
 */
export interface PushDeliveryOutcome {
  /** The delivery as claimed (as read by due(): claiming does not change its attempts). */
  delivery: Pick<PushDeliveryRecord, 'messageId' | 'userId' | 'deviceId' | 'attempts'>;
  /** The lease the claim set: claim()/claimMany()'s leaseUntil. */
  leaseUntil: number;
  state: PushDeliveryState;
  attempts: number;
  nextAttemptAt: number;
}

export interface PushDeliveryStore {
  /** Inserts the deliveries that do not exist yet (same message, user and device); returns how many were new. */
  enqueue(deliveries: readonly PushDeliveryRecord[]): Promise<number>;
  /** Pending deliveries due at `now`, oldest first. */
  due(now: number, limit: number): Promise<PushDeliveryRecord[]>;
  /**
   * Takes a due delivery for one try: true when this caller got it (its attempts and next_attempt_at were still
   * as read); it is then not due again before `leaseUntil` (a node dying mid-send leaves it to be retried).
   */
  claim(d: PushDeliveryRecord, leaseUntil: number): Promise<boolean>;
  /** claim() of several at once (one statement a chunk): the deliveries this caller got. */
  claimMany(deliveries: readonly PushDeliveryRecord[], leaseUntil: number): Promise<PushDeliveryRecord[]>;
  /**
   * Records a try's outcome (a final state, or pending again at `nextAttemptAt`) while its claim still holds: the
   * row still pending with the claim's attempts and lease. False, changing nothing, when the claim had lapsed and
   * the delivery was claimed (or settled) by another caller since.
   */
  settle(outcome: PushDeliveryOutcome): Promise<boolean>;
  /** settle() of several tries in one transaction: how many were recorded (the others' claims had lapsed). */
  settleMany(outcomes: readonly PushDeliveryOutcome[]): Promise<number>;
  /** Forgets finished deliveries created before `before` (pending ones stay); returns how many. */
  prune(before: number): Promise<number>;
}

export interface PushSubscriptionStore {
  /** Insert, or replace the keys of an existing (userId, endpoint). */
  put(sub: PushSubscriptionRecord): Promise<PushSubscriptionRecord>;
  listForUser(userId: Snowflake): Promise<PushSubscriptionRecord[]>;
  /** Idempotent: no error when already gone (push services report dead endpoints more than once). */
  deleteByEndpoint(userId: Snowflake, endpoint: string): Promise<void>;
}

/**
 * Application commands and their per-guild permissions. Every write runs in one transaction that first locks the
 * application's row, so writes to one application's commands serialise (limits and name matching hold under
 * concurrency). A command's scope is global (`guildId` null) or one guild.
 */
/**
 * Discord's daily limit on command creates, counted per application and scope (global, or one guild) over the
 * 24 hours before `now`, deleted commands included: a write that would create more than `max` in that window
 * writes nothing and throws LimitReachedError('daily_command_creates', when the oldest counted create ages out).
 * Only commands that are new count (an upsert or overwrite that matches an existing one does not).
 */
export interface DailyCreates {
  max: number;
  now: number;
}

/** An application installed to a user's account (Discord's USER_INSTALL integration). */
export interface UserInstallationRecord {
  applicationId: Snowflake;
  userId: Snowflake;
  /** The OAuth2 scopes granted (applications.commands at least). */
  scopes: string[];
  createdAt: number;
}

export interface UserInstallationStore {
  /** Installs (or re-authorizes, replacing the scopes); NotFoundError('application' / 'user') for unknown ones. */
  put(record: UserInstallationRecord): Promise<UserInstallationRecord>;
  get(applicationId: Snowflake, userId: Snowflake): Promise<UserInstallationRecord | null>;
  /** Every application the user installed, oldest first. */
  listByUser(userId: Snowflake): Promise<UserInstallationRecord[]>;
  /** Uninstalls; false when it was not installed. */
  delete(applicationId: Snowflake, userId: Snowflake): Promise<boolean>;
}

/** Users' notification settings per guild (guildId null: DMs), Discord's user guild settings (migration 16). */
export interface UserGuildSettingsStore {
  /** The stored settings, or defaultGuildSettings when the user never changed them. */
  get(userId: Snowflake, guildId: Snowflake | null): Promise<UserGuildSettingsRecord>;
  /** One record per distinct user of `userIds`, in that order (defaultGuildSettings for those with none); one query a chunk. */
  getMany(userIds: readonly Snowflake[], guildId: Snowflake | null): Promise<UserGuildSettingsRecord[]>;
  /** Every stored settings record of the user (any guild, DMs included). */
  listForUser(userId: Snowflake): Promise<UserGuildSettingsRecord[]>;
  /** Insert or replace; the stored version is the previous one plus one (1 for a first put). Returns what is stored. */
  put(record: UserGuildSettingsRecord): Promise<UserGuildSettingsRecord>;
  /**
   * put, only while the stored version is `version` (0: none stored yet); null otherwise, so a read-modify-write
   * (the PATCH's merge) can retry instead of losing a concurrent change.
   */
  putIfVersion(record: UserGuildSettingsRecord, version: number): Promise<UserGuildSettingsRecord | null>;
}

export interface ApplicationCommandStore {
  /** The application's commands in a scope, ordered by id. */
  list(applicationId: Snowflake, guildId: Snowflake | null): Promise<ApplicationCommandRecord[]>;
  /** The command with that id in that scope; null when unknown, of another application or of another scope. */
  get(applicationId: Snowflake, guildId: Snowflake | null, commandId: Snowflake): Promise<ApplicationCommandRecord | null>;
  /**
   * Discord's create-or-overwrite by name: when the scope holds a command of the same type and name, it takes
   * `command`'s definition and keeps its id (and its version, unless the definition changed); otherwise `command`
   * is stored as new, unless the scope already holds `maxOfType` commands of its type (then nothing is written
   * and `limited` is true). NotFoundError('application') for an unknown application, ('guild') for an unknown guild.
   */
  upsert(command: ApplicationCommandRecord, opts: { maxOfType: number; daily?: DailyCreates }): Promise<{ command: ApplicationCommandRecord; created: boolean } | { limited: true }>;
  /**
   * Replaces the definition of the command `next.id` in `next`'s scope; `next.version` is taken only when the
   * definition changed. NotFoundError('application_command') when it is not there; ConflictError('application_command',
   * 'name') when another command of the scope has the same type and name. A renamed command loses its permissions.
   */
  update(next: ApplicationCommandRecord): Promise<ApplicationCommandRecord>;
  /** Deletes the command and its permissions in every guild; NotFoundError('application_command') when not there. */
  delete(applicationId: Snowflake, guildId: Snowflake | null, commandId: Snowflake): Promise<void>;
  /**
   * Discord's bulk overwrite of a scope (each command with the application and scope given): afterwards the scope
   * holds exactly `commands`, returned in that order. Each keeps the id of the existing command it matches — the
   * one `knownId` names, else the one of the same type and name — or its own (a fresh id from the caller);
   * versions change only where a definition did. Existing commands nothing matched are deleted; deleted and
   * renamed commands lose their permissions. ConflictError('application_command', 'name') when two of `commands`
   * share a type and name (nothing is written).
   */
  overwrite(
    applicationId: Snowflake,
    guildId: Snowflake | null,
    commands: ReadonlyArray<ApplicationCommandRecord & { knownId?: Snowflake }>,
    opts?: { daily?: DailyCreates },
  ): Promise<ApplicationCommandRecord[]>;
  /** The permissions of a command (or of the application's id) in a guild; null when none are set. */
  getPermissions(applicationId: Snowflake, guildId: Snowflake, commandId: Snowflake): Promise<CommandPermissionsRecord | null>;
  /** Every permission set of the application in the guild, ordered by command id. */
  listPermissions(applicationId: Snowflake, guildId: Snowflake): Promise<CommandPermissionsRecord[]>;
  /**
   * Replaces the permissions of a command in a guild (an empty list removes them). The command must be the
   * application's, global or of that guild, or be the application's id; NotFoundError('application_command')
   * otherwise, checked in the same transaction so a command deleted meanwhile leaves no permissions behind.
   */
  setPermissions(record: CommandPermissionsRecord): Promise<CommandPermissionsRecord>;
}

/** A user's current session start window (Discord's session_start_limit). */
export interface SessionStartWindow {
  /** Session starts counted in the window, the one just taken included; may exceed the limit (refused starts count). */
  count: number;
  /** When the window ends and counting starts again from zero (Unix ms). */
  resetAt: number;
}

/** Bots' session starts (IDENTIFYs, not RESUMEs), one counter per user shared by every node of a cluster. */
/** Where an interaction is: awaiting its response, answered, or failed (no response within 3 seconds). */
export type InteractionState = 'pending' | 'acked' | 'failed';

/** A live interaction (api/interactions): kept 15 minutes, its token's lifetime. */
export interface InteractionRecord {
  id: Snowflake;
  applicationId: Snowflake;
  /** The invoking user. */
  userId: Snowflake;
  /** SHA-256 (hex) of the interaction's token; the token itself is never stored. */
  tokenHash: string;
  state: InteractionState;
  /** The custom_id of the modal this interaction's response showed, until the user submits it. */
  modalCustomId: string | null;
  createdAt: number;
  /** What else the api keeps about it (channel, data, response, @original …), as JSON. */
  details: Record<string, unknown>;
}

/** A message an interaction made: its metadata, and for an ephemeral one the message itself (never in history). */
export interface InteractionMessageRecord {
  messageId: Snowflake;
  interactionId: Snowflake;
  /** `interaction_metadata` and the legacy `interaction`, as JSON. */
  metadata: Record<string, unknown>;
  /** The ephemeral message's JSON; null for a message stored in its channel. */
  ephemeral: Record<string, unknown> | null;
  createdAt: number;
}

export interface InteractionStore {
  create(record: InteractionRecord): Promise<void>;
  get(id: Snowflake): Promise<InteractionRecord | null>;
  getByTokenHash(tokenHash: string): Promise<InteractionRecord | null>;
  /** Compare-and-set: moves the state from `from` to `to`; true when this call did (one response wins, cluster-wide). */
  setState(id: Snowflake, from: InteractionState, to: InteractionState): Promise<boolean>;
  update(id: Snowflake, patch: Partial<Pick<InteractionRecord, 'details' | 'modalCustomId'>>): Promise<void>;
  /** Counts one follow-up while fewer than `max` were counted; false (nothing counted) at the limit. Cluster-wide. */
  claimFollowUp(id: Snowflake, max: number): Promise<boolean>;
  /** Marks the deferred response filled; true for the one call that did (the others send messages of their own). */
  claimFill(id: Snowflake): Promise<boolean>;
  /**
   * The newest interaction of `applicationId` created at or after `since` whose response showed `userId` the modal
   * `customId`; the modal is taken (a modal is submitted once). Null when there is none.
   */
  takeModal(applicationId: Snowflake, userId: Snowflake, customId: string, since: number): Promise<InteractionRecord | null>;
  /** Stores (or replaces) an interaction message. */
  putMessage(record: InteractionMessageRecord): Promise<void>;
  getMessages(messageIds: readonly Snowflake[]): Promise<InteractionMessageRecord[]>;
  deleteMessage(messageId: Snowflake): Promise<void>;
  /** Deletes the interactions and interaction messages created before `before`; returns how many interactions. */
  deleteOlderThan(before: number): Promise<number>;
}

export interface SessionStartStore {
  /**
   * Counts one session start and returns the window after counting. A window begins with the first start at or
   * after the previous window's end and lasts `windowMs`. One atomic statement: concurrent takes from several
   * processes each count once. NotFoundError('user') for an unknown user.
   */
  take(userId: Snowflake, now: number, windowMs: number): Promise<SessionStartWindow>;
  /** The window running at `now`, or null when none is (no start within the last window). */
  get(userId: Snowflake, now: number): Promise<SessionStartWindow | null>;
}

/** Secrets every node of a cluster shares, made by whichever node first needs one. */
export interface SecretStore {
  /**
   * The secret called `name`: the stored one, or `candidate` when there was none. Concurrent calls from several
   * processes all get the one value that was stored first.
   */
  getOrCreate(name: string, candidate: string, now: number): Promise<string>;
}

/** The whole store: one object per aggregate, plus lifecycle. */
/**
 * Fixed rate-limit windows counted in the database, for limits that must hold across api nodes
 * (ACCORD_RATE_LIMIT_SHARED, api/ratelimit.ts).
 */
export interface RateWindowStore {
  /**
   * Counts one hit on `key`: in its current window when that resets after `now`, else in a new window ending at
   * `resetAt`. Returns the hits counted in the window (this one included) and when it resets. Atomic across processes.
   */
  hit(key: string, now: number, resetAt: number): Promise<{ count: number; resetAt: number }>;
  /** Deletes windows that reset before `beforeMs`; returns how many. */
  prune(beforeMs: number): Promise<number>;
}

/**
 * Slowmode (a channel's rate_limit_per_user) shared by every process on the database: per (channel, user), the
 * Unix ms before which the user may not send again.
 */
export interface SlowmodeStore {
  /**
   * Takes the send at `now` and holds the next one until `until` when the user's previous hold ended at or
   * before `now`: null. Otherwise takes nothing and returns when the current hold ends. Atomic across processes.
   */
  reserve(channelId: Snowflake, userId: Snowflake, now: number, until: number): Promise<number | null>;
  /** Gives back the hold `reserve` took with this `until` (the send failed); a newer hold is left alone. */
  release(channelId: Snowflake, userId: Snowflake, until: number): Promise<void>;
  /** Deletes holds that ended before `beforeMs`; returns how many. */
  prune(beforeMs: number): Promise<number>;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly users: UserStore;
  readonly tokens: TokenStore;
  readonly applications: ApplicationStore;
  readonly guilds: GuildStore;
  readonly channels: ChannelStore;
  readonly roles: RoleStore;
  readonly members: MemberStore;
  readonly bans: BanStore;
  readonly overwrites: OverwriteStore;
  readonly invites: InviteStore;
  readonly messages: MessageStore;
  readonly reactions: ReactionStore;
  readonly pollVotes: PollVoteStore;
  readonly pins: PinStore;
  readonly readStates: ReadStateStore;
  readonly pushSubscriptions: PushSubscriptionStore;
  readonly pushDevices: PushDeviceStore;
  readonly pushDeliveries: PushDeliveryStore;
  readonly outbox: OutboxStore;
  readonly pendingUploads: PendingUploadStore;
  readonly webhooks: WebhookStore;
  readonly sessionStarts: SessionStartStore;
  readonly secrets: SecretStore;
  readonly applicationCommands: ApplicationCommandStore;
  readonly interactions: InteractionStore;
  readonly userInstallations: UserInstallationStore;
  readonly userGuildSettings: UserGuildSettingsStore;
  readonly slowmode: SlowmodeStore;
  readonly rateWindows: RateWindowStore;
  readonly auditLog: AuditLogStore;
  readonly guildEmojis: GuildEmojiStore;
  readonly applicationEmojis: ApplicationEmojiStore;
  readonly guildStickers: GuildStickerStore;
  readonly guildSounds: GuildSoundStore;
  readonly stageInstances: StageInstanceStore;
  readonly lobbies: LobbyStore;
  readonly roleConnections: RoleConnectionStore;
  readonly scheduledEvents: ScheduledEventStore;
  readonly autoModeration: AutoModerationStore;
  readonly guildTemplates: GuildTemplateStore;
  readonly oauth2: OAuth2Store;
  readonly channelFollows: ChannelFollowStore;
  readonly threads: ThreadStore;
  readonly relationships: RelationshipStore;
  readonly guildCommunity: GuildCommunityStore;
  /** Applies pending migrations; returns the versions applied. Safe to run concurrently from several processes. */
  migrate(): Promise<number[]>;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
  /**
   * Tells `listener` of every row this process's writes insert, update or delete in `tables`, whatever the
   * statement (cascades included), as the row changes. Only the embedded store has it (SQLite triggers on its own
   * connection); it does not see other processes' writes.
   */
  watchRows?(tables: WatchedTables, listener: RowChangeListener): Promise<void>;
}

/** Tables to watch, each with the columns whose values a change reports (a key of the row), or a WatchedTable. */
export type WatchedTables = Readonly<Record<string, readonly string[] | WatchedTable>>;

export interface WatchedTable {
  /** The columns whose values a change reports. */
  keys: readonly string[];
  /**
   * Columns whose updates are not reported: an UPDATE that sets none but these is not seen (inserts and deletes
   * always are). For a column that changes with nearly every write, which the listener then reads fresh.
   */
  unwatched: readonly string[];
}

export interface RowChangeListener {
  /**
   * A row of `table` is being inserted, updated or deleted, with its `keys` in the order of WatchedTables (an update
   * reports the row before and after). Called synchronously inside the write, before it commits; must not throw.
   */
  changed(table: string, keys: readonly string[]): void;
  /** Writes that had been reported were undone wholesale (a group COMMIT failed): anything read since may be gone. */
  reset(): void;
}

/** A thread's metadata (sql/threads.ts); the thread itself is a channel row of type 10, 11 or 12. */
export interface ThreadRecord {
  channelId: Snowflake;
  guildId: Snowflake;
  parentId: Snowflake;
  archived: boolean;
  /** Minutes: 60, 1440, 4320 or 10080. */
  autoArchiveDuration: number;
  archiveTimestamp: number;
  locked: boolean;
  invitable: boolean;
  createTimestamp: number;
  messageCount: number;
  totalMessageSent: number;
  /** Channel flags (PINNED = 2 for forum posts). */
  flags: number;
  appliedTags: Snowflake[];
  lastActivityAt: number;
}

export interface ThreadMemberRecord {
  channelId: Snowflake;
  userId: Snowflake;
  joinTimestamp: number;
  flags: number;
}

/** A forum or media channel's settings (sql/threads.ts); tags and the default reaction as Discord's JSON. */
export interface ForumSettingsRecord {
  channelId: Snowflake;
  availableTags: { id: Snowflake; name: string; moderated: boolean; emoji_id: Snowflake | null; emoji_name: string | null }[];
  defaultReactionEmoji: { emoji_id: Snowflake | null; emoji_name: string | null } | null;
  defaultThreadRateLimitPerUser: number;
  defaultAutoArchiveDuration: number | null;
  defaultSortOrder: number | null;
  defaultForumLayout: number;
  /** The channel's flags: REQUIRE_TAG (1 << 4), and for media channels HIDE_MEDIA_DOWNLOAD_OPTIONS (1 << 15). Absent reads as 0. */
  flags?: number;
}

/** Threads, their members and forum settings (sql/threads.ts). */
export interface ThreadStore {
  /** The thread's channel row, metadata and first members in one transaction; ConflictError when the id is taken. */
  create(channel: ChannelRecord, thread: ThreadRecord, members: readonly ThreadMemberRecord[]): Promise<void>;
  get(channelId: Snowflake): Promise<ThreadRecord | null>;
  getMany(channelIds: readonly Snowflake[]): Promise<ThreadRecord[]>;
  update(channelId: Snowflake, patch: Partial<Pick<ThreadRecord, 'archived' | 'autoArchiveDuration' | 'archiveTimestamp' | 'locked' | 'invitable' | 'flags' | 'appliedTags'>>): Promise<ThreadRecord>;
  /** A message was sent in the thread: counts it, marks activity, unarchives it; the metadata after. */
  messageSent(channelId: Snowflake, now: number): Promise<ThreadRecord | null>;
  /** `count` of the thread's messages were deleted: message_count goes down by as many, never below 0 (total_message_sent stays). */
  messagesDeleted(channelId: Snowflake, count: number): Promise<void>;
  /** Unarchived threads of the guild, newest first. */
  listActive(guildId: Snowflake): Promise<ThreadRecord[]>;
  /**
   * The same, at most `limit`, each with its channel row and member count, in two reads whatever their number
   * (GUILD_CREATE's `threads` is built from it on every identify).
   */
  listActiveDetailed(guildId: Snowflake, limit: number): Promise<Array<{ thread: ThreadRecord; channel: ChannelRecord; memberCount: number }>>;
  /**
   * The same for the threads of these parent channels only (one guild's, so at most 500), at most `limit` of them
   * together, newest first: THREAD_LIST_SYNC reads the channels a session gained with it, whatever else the guild holds.
   */
  listActiveDetailedIn(parentIds: readonly Snowflake[], limit: number): Promise<Array<{ thread: ThreadRecord; channel: ChannelRecord; memberCount: number }>>;
  /** Every thread of the guild (archived too) with its channel type, newest first. */
  listByGuild(guildId: Snowflake): Promise<Array<ThreadRecord & { type: number }>>;
  /** Archived threads of the parent of these channel types, newest archive first, archived before `before` (ms). */
  listArchived(parentId: Snowflake, types: readonly number[], before: number | null, limit: number, memberId?: Snowflake): Promise<ThreadRecord[]>;
  /** Unarchived threads whose inactivity exceeded auto_archive_duration × minuteMs. */
  dueArchives(now: number, minuteMs: number, limit: number): Promise<ThreadRecord[]>;
  /** Archives the thread if it is still active and idle since `lastActivityAt`; whether it did. */
  autoArchive(channelId: Snowflake, lastActivityAt: number, now: number): Promise<ThreadRecord | null>;
  addMember(member: ThreadMemberRecord): Promise<boolean>;
  removeMember(channelId: Snowflake, userId: Snowflake): Promise<boolean>;
  getMember(channelId: Snowflake, userId: Snowflake): Promise<ThreadMemberRecord | null>;
  listMembers(channelId: Snowflake, after: Snowflake | null, limit: number): Promise<ThreadMemberRecord[]>;
  countMembers(channelId: Snowflake): Promise<number>;
  /** The user's memberships among these threads. */
  membershipsOf(userId: Snowflake, channelIds: readonly Snowflake[]): Promise<ThreadMemberRecord[]>;
  getForum(channelId: Snowflake): Promise<ForumSettingsRecord | null>;
  putForum(settings: ForumSettingsRecord): Promise<void>;
}
