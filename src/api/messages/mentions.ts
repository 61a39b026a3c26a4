/**
 * Mentions parsed from message content, filtered by who may mention what and by allowed_mentions:
 * - `<@id>` / `<@!id>`: users that exist;
 * - `<@&id>`: roles of the guild that are mentionable, or any role when the author has MENTION_EVERYONE;
 * - `@everyone` / `@here`: only with MENTION_EVERYONE;
 * - the author of the message replied to, unless allowed_mentions says otherwise.
 * Without allowed_mentions everything is parsed; with it, only what it lists (Discord's rules, including
 * replied_user defaulting to false once allowed_mentions is given).
 * These are the message's `mentions`; who of them gets a mention counted is mention-audience.ts's question.
 */
import { formError } from '../../protocol/errors.ts';
import { Permissions, hasPermission } from '../../protocol/permissions.ts';
import type { RoleRecord, Store } from '../../store/types.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import { snowflake, z } from '../validate.ts';

/** More distinct ids than this in one message are ignored, which bounds the lookups a message can cause. */
const MAX_PARSED = 100;

/** A field sent as null reads as left out: Discord's "a falsy value such as null … does not trigger a validation error". */
const orAbsent = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);

export const allowedMentionsSchema = z.object({
  parse: orAbsent(z.array(z.enum(['users', 'roles', 'everyone'])).max(3)),
  users: orAbsent(z.array(snowflake).max(100)),
  roles: orAbsent(z.array(snowflake).max(100)),
  replied_user: orAbsent(z.boolean()),
});

export type AllowedMentions = z.infer<typeof allowedMentionsSchema>;

/** Discord refuses `parse: ["users"]` together with a `users` list (and the same for roles). */
export function checkAllowedMentions(a: AllowedMentions | undefined): void {
  if (!a) return;
  const issues: Array<{ path: Array<string | number>; code: string; message: string }> = [];
  for (const kind of ['users', 'roles'] as const) {
    if (a.parse?.includes(kind) && a[kind]?.length) {
      // On allowed_mentions itself, where Discord reports it (allowed_mentions[MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE]).
      issues.push({ path: ['allowed_mentions'], code: 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE', message: `parse:["${kind}"] and ${kind}: [ids...] are mutually exclusive.` });
    }
  }
  if (issues.length) throw formError(issues);
}

export interface MentionInput {
  content: string;
  allowed: AllowedMentions | undefined;
  /** The author's permissions in the channel. */
  permissions: bigint;
  guildId: string | null;
  /** The guild's roles (empty outside guilds). */
  roles: readonly RoleRecord[];
  /** Author of the message replied to, if any. */
  repliedUserId?: string | null;
}

export interface Mentions {
  users: string[];
  roles: string[];
  everyone: boolean;
}

function collect(content: string, re: RegExp): string[] {
  const out = new Set<string>();
  for (const m of content.matchAll(re)) {
    if (out.size >= MAX_PARSED) break;
    // Digits beyond the id range are plain text, not a mention (the store refuses such ids).
    if (isSnowflake(m[1])) out.add(m[1]!);
  }
  return [...out];
}

export async function parseMentions(store: Store, input: MentionInput): Promise<Mentions> {
  const { content, allowed, permissions } = input;
  const parse = new Set(allowed ? (allowed.parse ?? []) : ['users', 'roles', 'everyone']);
  const canEveryone = hasPermission(permissions, Permissions.MENTION_EVERYONE);

  let userIds = collect(content, /<@!?(\d{1,20})>/g);
  if (!parse.has('users')) {
    const listed = new Set(allowed?.users ?? []);
    userIds = userIds.filter((id) => listed.has(id));
  }
  const repliedAllowed = allowed ? allowed.replied_user === true : true;
  if (input.repliedUserId && repliedAllowed && !userIds.includes(input.repliedUserId)) userIds.push(input.repliedUserId);
  const users = userIds.length ? (await store.users.getMany(userIds)).map((u) => u.id) : [];

  let roles: string[] = [];
  if (input.guildId) {
    let roleIds = collect(content, /<@&(\d{1,20})>/g);
    if (!parse.has('roles')) {
      const listed = new Set(allowed?.roles ?? []);
      roleIds = roleIds.filter((id) => listed.has(id));
    }
    const byId = new Map(input.roles.map((r) => [r.id, r]));
    roles = roleIds.filter((id) => {
      const role = byId.get(id);
      return role && id !== input.guildId && (role.mentionable || canEveryone);
    });
  }

  const everyone = parse.has('everyone') && canEveryone && /@(everyone|here)\b/.test(content);
  return { users, roles, everyone };
}
