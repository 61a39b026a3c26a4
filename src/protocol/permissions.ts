/**
 * Discord's permission flags and the algorithm that computes a member's permissions in a guild and a channel
 * (https://discord.com/developers/docs/topics/permissions). Pure: callers pass the guild state they hold.
 */
export const Permissions = {
  CREATE_INSTANT_INVITE: 1n << 0n,
  KICK_MEMBERS: 1n << 1n,
  BAN_MEMBERS: 1n << 2n,
  ADMINISTRATOR: 1n << 3n,
  MANAGE_CHANNELS: 1n << 4n,
  MANAGE_GUILD: 1n << 5n,
  ADD_REACTIONS: 1n << 6n,
  VIEW_AUDIT_LOG: 1n << 7n,
  PRIORITY_SPEAKER: 1n << 8n,
  STREAM: 1n << 9n,
  VIEW_CHANNEL: 1n << 10n,
  SEND_MESSAGES: 1n << 11n,
  SEND_TTS_MESSAGES: 1n << 12n,
  MANAGE_MESSAGES: 1n << 13n,
  EMBED_LINKS: 1n << 14n,
  ATTACH_FILES: 1n << 15n,
  READ_MESSAGE_HISTORY: 1n << 16n,
  MENTION_EVERYONE: 1n << 17n,
  USE_EXTERNAL_EMOJIS: 1n << 18n,
  VIEW_GUILD_INSIGHTS: 1n << 19n,
  CONNECT: 1n << 20n,
  SPEAK: 1n << 21n,
  MUTE_MEMBERS: 1n << 22n,
  DEAFEN_MEMBERS: 1n << 23n,
  MOVE_MEMBERS: 1n << 24n,
  USE_VAD: 1n << 25n,
  CHANGE_NICKNAME: 1n << 26n,
  MANAGE_NICKNAMES: 1n << 27n,
  MANAGE_ROLES: 1n << 28n,
  MANAGE_WEBHOOKS: 1n << 29n,
  MANAGE_GUILD_EXPRESSIONS: 1n << 30n,
  USE_APPLICATION_COMMANDS: 1n << 31n,
  REQUEST_TO_SPEAK: 1n << 32n,
  MANAGE_EVENTS: 1n << 33n,
  MANAGE_THREADS: 1n << 34n,
  CREATE_PUBLIC_THREADS: 1n << 35n,
  CREATE_PRIVATE_THREADS: 1n << 36n,
  USE_EXTERNAL_STICKERS: 1n << 37n,
  SEND_MESSAGES_IN_THREADS: 1n << 38n,
  USE_EMBEDDED_ACTIVITIES: 1n << 39n,
  MODERATE_MEMBERS: 1n << 40n,
  VIEW_CREATOR_MONETIZATION_ANALYTICS: 1n << 41n,
  USE_SOUNDBOARD: 1n << 42n,
  CREATE_GUILD_EXPRESSIONS: 1n << 43n,
  CREATE_EVENTS: 1n << 44n,
  USE_EXTERNAL_SOUNDS: 1n << 45n,
  SEND_VOICE_MESSAGES: 1n << 46n,
  SET_VOICE_CHANNEL_STATUS: 1n << 48n,
  SEND_POLLS: 1n << 49n,
  USE_EXTERNAL_APPS: 1n << 50n,
  PIN_MESSAGES: 1n << 51n,
  BYPASS_SLOWMODE: 1n << 52n,
} as const;

export const ALL_PERMISSIONS: bigint = Object.values(Permissions).reduce((a, b) => a | b, 0n);

/** What @everyone gets in a new guild (Discord's default: 0x6_3e7d_f641 minus the bits we do not model is close enough; we use Discord's documented default set). */
export const DEFAULT_EVERYONE_PERMISSIONS: bigint =
  Permissions.CREATE_INSTANT_INVITE |
  Permissions.ADD_REACTIONS |
  Permissions.STREAM |
  Permissions.VIEW_CHANNEL |
  Permissions.SEND_MESSAGES |
  Permissions.EMBED_LINKS |
  Permissions.ATTACH_FILES |
  Permissions.READ_MESSAGE_HISTORY |
  Permissions.MENTION_EVERYONE |
  Permissions.USE_EXTERNAL_EMOJIS |
  Permissions.CONNECT |
  Permissions.SPEAK |
  Permissions.USE_VAD |
  Permissions.CHANGE_NICKNAME |
  Permissions.USE_APPLICATION_COMMANDS |
  Permissions.REQUEST_TO_SPEAK |
  Permissions.CREATE_PUBLIC_THREADS |
  Permissions.CREATE_PRIVATE_THREADS |
  Permissions.USE_EXTERNAL_STICKERS |
  Permissions.SEND_MESSAGES_IN_THREADS |
  Permissions.USE_EMBEDDED_ACTIVITIES |
  Permissions.SEND_VOICE_MESSAGES |
  Permissions.SEND_POLLS |
  Permissions.USE_EXTERNAL_APPS;

/**
 * The moderator permissions (starred in Discord's table): in a guild whose `mfa_level` is 1 (server-wide 2FA) they
 * need two-factor log-in on the acting account, for a bot its owner's account. The others are unaffected.
 */
export const MFA_GATED_PERMISSIONS: bigint =
  Permissions.KICK_MEMBERS |
  Permissions.BAN_MEMBERS |
  Permissions.ADMINISTRATOR |
  Permissions.MANAGE_CHANNELS |
  Permissions.MANAGE_GUILD |
  Permissions.MANAGE_MESSAGES |
  Permissions.MANAGE_ROLES |
  Permissions.MANAGE_WEBHOOKS |
  Permissions.MANAGE_GUILD_EXPRESSIONS |
  Permissions.MANAGE_THREADS |
  Permissions.MODERATE_MEMBERS |
  Permissions.VIEW_CREATOR_MONETIZATION_ANALYTICS;

/** Discord's guild MFA levels. */
export const GuildMfaLevel = { NONE: 0, ELEVATED: 1 } as const;

export const OverwriteType = { ROLE: 0, MEMBER: 1 } as const;

export interface PermissionOverwriteInput {
  id: string;
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

export interface PermissionContext {
  guildId: string;
  ownerId: string;
  userId: string;
  /** Role ids the member holds (without @everyone). */
  memberRoleIds: readonly string[];
  /** Every role of the guild that matters: at least @everyone (id == guildId) and the member's roles. */
  rolePermissions: ReadonlyMap<string, bigint>;
  /** Unix ms until which the member is timed out, or null. */
  communicationDisabledUntil?: number | null;
  now?: number;
  /**
   * The guild requires 2FA for moderation and the acting account (a bot's owner) has none: the moderator
   * permissions (MFA_GATED_PERMISSIONS) are withheld. An administrator keeps the rest of ALL_PERMISSIONS, owner too.
   */
  withoutMfa?: boolean;
}

/** Guild-level permissions: owner → ALL; @everyone | roles; ADMINISTRATOR → ALL. */
export function computeBasePermissions(ctx: PermissionContext): bigint {
  return withheldWithoutMfa(baseOf(ctx), ctx);
}

function baseOf(ctx: PermissionContext): bigint {
  if (ctx.userId === ctx.ownerId) return ALL_PERMISSIONS;
  let perms = ctx.rolePermissions.get(ctx.guildId) ?? 0n;
  for (const roleId of ctx.memberRoleIds) perms |= ctx.rolePermissions.get(roleId) ?? 0n;
  if (perms & Permissions.ADMINISTRATOR) return ALL_PERMISSIONS;
  return applyTimeout(perms, ctx);
}

/**
 * Channel permissions: base, then @everyone overwrite, then the union of role overwrites (deny then allow),
 * then the member overwrite; then the implicit rules (no VIEW_CHANNEL → nothing; no SEND_MESSAGES → no
 * mention-everyone / tts / attach / embed; timed out → only view and history).
 */
export function computeChannelPermissions(ctx: PermissionContext, overwrites: readonly PermissionOverwriteInput[]): bigint {
  return withheldWithoutMfa(channelOf(ctx, overwrites), ctx);
}

function channelOf(ctx: PermissionContext, overwrites: readonly PermissionOverwriteInput[]): bigint {
  if (ctx.userId === ctx.ownerId) return ALL_PERMISSIONS;
  let perms = ctx.rolePermissions.get(ctx.guildId) ?? 0n;
  for (const roleId of ctx.memberRoleIds) perms |= ctx.rolePermissions.get(roleId) ?? 0n;
  if (perms & Permissions.ADMINISTRATOR) return ALL_PERMISSIONS;

  const everyone = overwrites.find((o) => o.type === OverwriteType.ROLE && o.id === ctx.guildId);
  if (everyone) perms = (perms & ~everyone.deny) | everyone.allow;

  let allow = 0n;
  let deny = 0n;
  const held = new Set(ctx.memberRoleIds);
  for (const o of overwrites) {
    if (o.type === OverwriteType.ROLE && o.id !== ctx.guildId && held.has(o.id)) {
      allow |= o.allow;
      deny |= o.deny;
    }
  }
  perms = (perms & ~deny) | allow;

  const member = overwrites.find((o) => o.type === OverwriteType.MEMBER && o.id === ctx.userId);
  if (member) perms = (perms & ~member.deny) | member.allow;

  if (!(perms & Permissions.VIEW_CHANNEL)) return 0n;
  if (!(perms & Permissions.SEND_MESSAGES)) {
    perms &= ~(Permissions.MENTION_EVERYONE | Permissions.SEND_TTS_MESSAGES | Permissions.ATTACH_FILES | Permissions.EMBED_LINKS);
  }
  return applyTimeout(perms, ctx);
}

function withheldWithoutMfa(perms: bigint, ctx: PermissionContext): bigint {
  return ctx.withoutMfa ? perms & ~MFA_GATED_PERMISSIONS : perms;
}

function applyTimeout(perms: bigint, ctx: PermissionContext): bigint {
  const until = ctx.communicationDisabledUntil;
  if (until != null && until > (ctx.now ?? Date.now())) {
    return perms & (Permissions.VIEW_CHANNEL | Permissions.READ_MESSAGE_HISTORY);
  }
  return perms;
}

export function hasPermission(perms: bigint, needed: bigint): boolean {
  return (perms & needed) === needed;
}

/** Parses a permission string from a request; throws RangeError on anything but a non-negative integer string. */
export function parsePermissions(value: string | number): bigint {
  const s = String(value);
  if (!/^\d{1,30}$/.test(s)) throw new RangeError('invalid permissions');
  return BigInt(s) & ALL_PERMISSIONS;
}
