/**
 * Who is notified of a new message (before devices and presence are looked at). Discord's rules:
 * - DMs and group DMs: every other recipient, unless they muted the conversation (a channel override in their
 *   `@me` settings).
 * - Guild messages: per the user's guild settings, a channel override (the channel's, else its category's) first:
 *   message_notifications ALL → every message; ONLY_MENTIONS → mentions only; NOTHING → nothing, mentions
 *   included; null follows the guild's default_message_notifications.
 * - A mention is: the user named (a reply that pings its target names them too), a role they hold unless
 *   suppress_roles, @everyone / @here unless suppress_everyone. @here reaches only users with a presence (not
 *   offline), as on Discord; since users active right now get no push anyway, in practice those idle or away.
 * - Muted (guild, channel or category, while mute_config's end time has not passed): Discord's client says
 *   "muting prevents unread indicators and notifications from appearing unless you are mentioned", so a mute
 *   drops every push except mentions.
 * - mobile_push false: no push from that guild (Discord's "Mobile Push Notifications" toggle).
 * - Only users who may VIEW_CHANNEL the channel, never the author.
 * Content previews: Discord has no per-guild field that hides them (phones hide them by OS setting); the payload
 * always carries the preview, and the service worker shows what the OS allows.
 */
import type { PushMessageJob } from '../contracts/jobs.ts';
import { Permissions, computeChannelPermissions, hasPermission } from '../protocol/permissions.ts';
import type { Snowflake } from '../protocol/snowflake.ts';
import type { ChannelRecord, GuildRecord, Store } from '../store/types.ts';
import { MessageNotifications, muteHolds, type UserGuildSettingsRecord } from './notification-settings.ts';

export interface Audience {
  userId: Snowflake;
  /** Why: the notification names a mention. */
  mentioned: boolean;
  /** Meant for this user: a DM, or the user named (not through a role, @everyone or @here). */
  direct: boolean;
}

export interface AudienceInput {
  job: PushMessageJob;
  channel: ChannelRecord;
  guild: GuildRecord | null;
  /** Users that have at least one push device: nobody else is worth deciding for. */
  withDevices: ReadonlySet<Snowflake>;
  /** The message's @everyone was an @here. */
  here: boolean;
  /** Users with a presence (for @here); asked only when needed. */
  present: (userIds: Snowflake[]) => Promise<Set<Snowflake>>;
  now: number;
}

export async function decideAudience(store: Store, input: AudienceInput): Promise<Audience[]> {
  const { job, channel, guild, withDevices, now } = input;
  if (!guild) {
    const others = [...new Set(await store.channels.listRecipients(channel.id))].filter((u) => u !== job.authorId && withDevices.has(u));
    if (!others.length) return [];
    const settings = await store.userGuildSettings.getMany(others, null);
    return settings
      .filter((s) => !muteHolds(s.muted, s.muteEndTime, now))
      .filter((s) => {
        const o = s.channelOverrides.find((c) => c.channelId === channel.id);
        return !o || !muteHolds(o.muted, o.muteEndTime, now);
      })
      .map((s) => ({ userId: s.userId, mentioned: true, direct: true }));
  }

  const candidates = [...withDevices].filter((u) => u !== job.authorId);
  if (!candidates.length) return [];
  const [members, overwrites, roles, settings] = await Promise.all([
    store.members.getMany(guild.id, candidates),
    store.overwrites.listByChannel(channel.id),
    store.roles.listByGuild(guild.id),
    store.userGuildSettings.getMany(candidates, guild.id),
  ]);
  const channelOverwrites = overwrites.map((o) => ({ id: o.id, type: o.type, allow: BigInt(o.allow), deny: BigInt(o.deny) }));
  const byUser = new Map<Snowflake, UserGuildSettingsRecord>(settings.map((s) => [s.userId, s]));
  const rolePermissions = new Map(roles.map((r) => [r.id, BigInt(r.permissions)]));
  const mentionRoles = new Set(job.mentionRoles);
  const everyoneWanted = job.everyone ? members.map((m) => m.userId) : [];
  const present = input.here && everyoneWanted.length ? await input.present(everyoneWanted) : null;

  const out: Audience[] = [];
  for (const member of members) {
    const s = byUser.get(member.userId);
    if (!s || !s.mobilePush) continue;
    const perms = computeChannelPermissions({
      guildId: guild.id, ownerId: guild.ownerId, userId: member.userId, memberRoleIds: member.roles, rolePermissions,
      communicationDisabledUntil: member.communicationDisabledUntil, now,
    }, channelOverwrites);
    if (!hasPermission(perms, Permissions.VIEW_CHANNEL)) continue;
    const named = job.mentions.includes(member.userId);
    const mentioned =
      named ||
      (!s.suppressRoles && member.roles.some((r) => mentionRoles.has(r))) ||
      (job.everyone && !s.suppressEveryone && (!present || present.has(member.userId)));
    const override = s.channelOverrides.find((o) => o.channelId === channel.id);
    const categoryOverride = channel.parentId ? s.channelOverrides.find((o) => o.channelId === channel.parentId) : undefined;
    const muted =
      muteHolds(s.muted, s.muteEndTime, now) ||
      (override ? muteHolds(override.muted, override.muteEndTime, now) : false) ||
      (categoryOverride ? muteHolds(categoryOverride.muted, categoryOverride.muteEndTime, now) : false);
    const explicit = [override, categoryOverride].find((o) => o && o.messageNotifications !== MessageNotifications.INHERIT)?.messageNotifications;
    const level = explicit ?? s.messageNotifications ?? guild.defaultMessageNotifications;
    if (level === MessageNotifications.NOTHING) continue;
    if (mentioned || (level === MessageNotifications.ALL && !muted)) out.push({ userId: member.userId, mentioned, direct: named });
  }
  return out;
}
