/**
 * The guild audit log on the write side: building entries for the actions routes perform, storing them (in the
 * action's transaction where its store method takes `WithOutbox`, else right after it) and announcing them with
 * GUILD_AUDIT_LOG_ENTRY_CREATE to the guild's members who have VIEW_AUDIT_LOG (the envelope's userIds; bots also
 * need GUILD_MODERATION, which the sessions router checks). Old entries are pruned now and then (45 days).
 */
import { AUDIT_LOG_RETENTION_MS } from '../protocol/audit-log.ts';
import { Permissions } from '../protocol/permissions.ts';
import type { AuditLogChange, AuditLogEntryRecord, Store } from '../store/types.ts';
import { auditLogEntryJson } from '../shapes/audit-log.ts';
import type { RouteContext, RouteRequest } from './route.ts';

/** What an action records: its Discord action type, its target, and optionally changes and options. */
export interface AuditInput {
  actionType: number;
  targetId: string | null;
  changes?: AuditLogChange[];
  options?: Record<string, string>;
}

/** The X-Audit-Log-Reason header (URL-encoded, at most 512 characters), or null. */
export function auditReason(req: Pick<RouteRequest, 'headers'>): string | null {
  const raw = req.headers['x-audit-log-reason'];
  if (typeof raw !== 'string' || !raw) return null;
  let reason = raw;
  try {
    reason = decodeURIComponent(raw);
  } catch {}
  return reason.slice(0, 512) || null;
}

/** An entry for an action the caller of `req` performs in the guild. */
export function auditEntry(ctx: RouteContext, req: Pick<RouteRequest, 'headers' | 'user'>, guildId: string, input: AuditInput): AuditLogEntryRecord {
  return {
    id: ctx.deps.ids.next(),
    guildId,
    userId: req.user.id,
    targetId: input.targetId,
    actionType: input.actionType,
    changes: input.changes?.length ? input.changes : null,
    options: input.options ?? null,
    reason: auditReason(req),
    createdAt: ctx.deps.now(),
  };
}

/**
 * Stores an entry for an action already committed and announces it. A failure is logged, never thrown: the action
 * itself happened.
 */
export async function recordAudit(ctx: RouteContext, req: Pick<RouteRequest, 'headers' | 'user'>, guildId: string, input: AuditInput): Promise<void> {
  const entry = auditEntry(ctx, req, guildId, input);
  try {
    await ctx.deps.store.auditLog.create(entry);
  } catch (err) {
    ctx.deps.log.warn({ err, guildId, actionType: input.actionType }, 'audit log entry not stored');
    return;
  }
  await publishAudit(ctx, entry);
}

/** Announces stored entries (GUILD_AUDIT_LOG_ENTRY_CREATE) to the guild's VIEW_AUDIT_LOG holders. */
export async function publishAudit(ctx: RouteContext, ...entries: AuditLogEntryRecord[]): Promise<void> {
  for (const entry of entries) {
    try {
      const userIds = await auditAudience(ctx.deps.store, entry.guildId);
      if (userIds && !userIds.length) continue;
      ctx.dispatch.guild(entry.guildId, 'GUILD_AUDIT_LOG_ENTRY_CREATE', { ...auditLogEntryJson(entry), guild_id: entry.guildId }, userIds ? { userIds } : {});
    } catch (err) {
      ctx.deps.log.warn({ err, guildId: entry.guildId }, 'GUILD_AUDIT_LOG_ENTRY_CREATE not published');
    }
  }
  maybePrune(ctx);
}

/** The members who may VIEW_AUDIT_LOG; undefined when @everyone may (permissionHolders). */
export function auditAudience(store: Store, guildId: string): Promise<string[] | undefined> {
  return permissionHolders(store, guildId, Permissions.VIEW_AUDIT_LOG);
}

/**
 * The members who hold `permission` at guild level (the owner, holders of a role with it or ADMINISTRATOR);
 * undefined when @everyone does (then every member). Read at publish time from the store's role index: the
 * audience of events only some members may see (audit entries, auto moderation).
 */
export async function permissionHolders(store: Store, guildId: string, permission: bigint): Promise<string[] | undefined> {
  const [guild, roles] = await Promise.all([store.guilds.get(guildId), store.roles.listByGuild(guildId)]);
  if (!guild) return [];
  const strong = new Set(roles.filter((r) => BigInt(r.permissions) & (permission | Permissions.ADMINISTRATOR)).map((r) => r.id));
  if (strong.has(guildId)) return undefined;
  const out = new Set<string>([guild.ownerId]);
  if (strong.size) for (const userId of await store.members.holdersOf(guildId, [...strong])) out.add(userId);
  return [...out];
}

const PRUNE_EVERY_MS = 60 * 60 * 1000;
const lastPrune = new WeakMap<object, number>();

/** At most once an hour per process: deletes entries older than Discord's 45 days. */
function maybePrune(ctx: RouteContext): void {
  const now = ctx.deps.now();
  const store = ctx.deps.store;
  if (now - (lastPrune.get(store) ?? 0) < PRUNE_EVERY_MS) return;
  lastPrune.set(store, now);
  ctx.deps.store.auditLog.prune(now - AUDIT_LOG_RETENTION_MS).catch((err) => ctx.deps.log.warn({ err }, 'audit log prune failed'));
}

// ------------------------------------------------------------------------------------------------ changes

type Json = Record<string, unknown>;

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Image fields are reported under Discord's change keys for their hashes (`icon_hash`, `banner_hash`,
 * `splash_hash`: discord-api-types' APIAuditLogChange has no `icon`), not under the object's own field names.
 */
const CHANGE_KEY: Readonly<Record<string, string>> = { icon: 'icon_hash', banner: 'banner_hash', splash: 'splash_hash', discovery_splash: 'discovery_splash_hash' };
const changeKey = (key: string) => CHANGE_KEY[key] ?? key;

/** Changes of `keys` between two JSON shapes (old_value / new_value left out where null, as Discord does). */
export function diffChanges(before: Json, after: Json, keys: readonly string[]): AuditLogChange[] {
  const out: AuditLogChange[] = [];
  for (const key of keys) {
    if (same(before[key], after[key])) continue;
    out.push({ key: changeKey(key), ...(before[key] != null ? { old_value: before[key] } : {}), ...(after[key] != null ? { new_value: after[key] } : {}) });
  }
  return out;
}

/** The changes of something created: each of `keys` that is set, as new_value. */
export function createdChanges(obj: Json, keys: readonly string[]): AuditLogChange[] {
  return keys.filter((k) => obj[k] != null).map((key) => ({ key: changeKey(key), new_value: obj[key] }));
}

/** The changes of something deleted: each of `keys` that was set, as old_value. */
export function deletedChanges(obj: Json, keys: readonly string[]): AuditLogChange[] {
  return keys.filter((k) => obj[k] != null).map((key) => ({ key: changeKey(key), old_value: obj[key] }));
}

/** Keys of the guild object an audit entry reports changes of (GUILD_UPDATE). */
export const GUILD_AUDIT_KEYS = [
  'name', 'description', 'icon', 'banner', 'splash', 'owner_id', 'system_channel_id', 'afk_channel_id', 'afk_timeout',
  'verification_level', 'default_message_notifications', 'explicit_content_filter', 'preferred_locale', 'vanity_url_code',
  'system_channel_flags', 'rules_channel_id', 'public_updates_channel_id', 'safety_alerts_channel_id', 'premium_progress_bar_enabled',
  'mfa_level',
] as const;
/** Keys of the channel object (CHANNEL_CREATE / UPDATE / DELETE); overwrites are entries of their own on update. */
export const CHANNEL_AUDIT_KEYS = ['name', 'type', 'topic', 'nsfw', 'rate_limit_per_user', 'bitrate', 'user_limit', 'permission_overwrites'] as const;
export const CHANNEL_UPDATE_AUDIT_KEYS = ['name', 'type', 'topic', 'nsfw', 'rate_limit_per_user', 'bitrate', 'user_limit'] as const;
/** Keys of the role object (ROLE_CREATE / UPDATE / DELETE). */
export const ROLE_AUDIT_KEYS = ['name', 'permissions', 'color', 'hoist', 'mentionable', 'icon', 'unicode_emoji'] as const;
/** Keys of the invite (INVITE_CREATE / DELETE), from inviteChanges. */
export const INVITE_AUDIT_KEYS = ['code', 'channel_id', 'inviter_id', 'uses', 'max_uses', 'max_age', 'temporary', 'role_ids'] as const;
/** Keys of the webhook (WEBHOOK_CREATE / UPDATE / DELETE). */
export const WEBHOOK_AUDIT_KEYS = ['name', 'type', 'channel_id', 'avatar_hash'] as const;

/**
 * The overwrite entries (CHANNEL_OVERWRITE_CREATE / UPDATE / DELETE) between a channel's overwrite sets, each
 * with Discord's options {id, type, role_name}; `roleName` names role overwrites.
 */
export function overwriteAudits(
  channelId: string,
  before: ReadonlyArray<{ id: string; type: number; allow: string; deny: string }>,
  after: ReadonlyArray<{ id: string; type: number; allow: string; deny: string }>,
  roleName: (id: string) => string | undefined,
): AuditInput[] {
  const out: AuditInput[] = [];
  const old = new Map(before.map((o) => [o.id, o]));
  const options = (o: { id: string; type: number }) => {
    const name = o.type === 0 ? roleName(o.id) : undefined;
    return { id: o.id, type: String(o.type), ...(name !== undefined ? { role_name: name } : {}) };
  };
  for (const o of after) {
    const prev = old.get(o.id);
    old.delete(o.id);
    if (!prev) {
      out.push({ actionType: 13, targetId: channelId, options: options(o), changes: [
        { key: 'id', new_value: o.id }, { key: 'type', new_value: o.type }, { key: 'allow', new_value: o.allow }, { key: 'deny', new_value: o.deny },
      ] });
    } else if (prev.allow !== o.allow || prev.deny !== o.deny) {
      out.push({ actionType: 14, targetId: channelId, options: options(o), changes: diffChanges(prev, o, ['allow', 'deny']) });
    }
  }
  for (const o of old.values()) {
    out.push({ actionType: 15, targetId: channelId, options: options(o), changes: [
      { key: 'id', old_value: o.id }, { key: 'type', old_value: o.type }, { key: 'allow', old_value: o.allow }, { key: 'deny', old_value: o.deny },
    ] });
  }
  return out;
}

/**
 * An invite as the audit log reports it (INVITE_CREATE new values, INVITE_DELETE old values); `role_ids` only for
 * an invite that gives roles.
 */
export function inviteChanges(i: { code: string; channelId: string; inviterId: string | null; uses: number; maxUses: number; maxAge: number; temporary: boolean; roleIds?: string[] }): Json {
  return {
    code: i.code, channel_id: i.channelId, inviter_id: i.inviterId, uses: i.uses, max_uses: i.maxUses, max_age: i.maxAge, temporary: i.temporary,
    ...(i.roleIds?.length ? { role_ids: i.roleIds } : {}),
  };
}

/** A webhook as the audit log reports it. */
export function webhookAudit(w: { name: string; type: number; channelId: string; avatar: string | null }): Json {
  return { name: w.name, type: w.type, channel_id: w.channelId, avatar_hash: w.avatar };
}
