/**
 * What the composer's autocomplete offers, as Discord's client does: `@` members (who can see the channel),
 * roles (mentionable ones, or all with MENTION_EVERYONE) and @everyone / @here (only with MENTION_EVERYONE in the
 * channel, which the server requires too: src/api/messages/mentions.ts); `#` text channels the user can see;
 * `:` emoji by shortcode once two characters are typed. Each suggestion carries the wire syntax it inserts.
 * Pure functions over the store's state; components/Autocomplete.tsx draws the list and handles the keys.
 */
import { colorHex } from './colors.ts';
import { P, channelPermissions, has } from './perms.ts';
import { searchShortcodes, type ShortcodeEmoji } from './emoji-shortcodes.ts';
import type { State } from './store.ts';
import { ChannelType, type Channel, type User } from './types.ts';

export type TriggerChar = '@' | '#' | ':';

export interface Trigger {
  char: TriggerChar;
  /** Index of the trigger character in the text. */
  start: number;
  /** The caret: the query runs from start + 1 to here. */
  end: number;
  query: string;
}

export interface Suggestion {
  key: string;
  kind: 'user' | 'role' | 'everyone' | 'channel' | 'emoji';
  /** What replaces the trigger and query: `<@id>`, `<@&id>`, `<#id>`, `@everyone`, the emoji. */
  insert: string;
  /** The name shown, e.g. a nickname, "@Moderators", "general", ":thumbsup:". */
  label: string;
  /** Smaller text beside it: a username, what @here does. */
  detail?: string;
  user?: User;
  /** CSS colour of a role. */
  color?: string;
  emoji?: string;
  /** A custom emoji's image URL (shown instead of `emoji`). */
  image?: string;
}

export const MAX_SUGGESTIONS = 10;
/** Discord opens emoji suggestions after two characters of a shortcode. */
export const EMOJI_MIN_QUERY = 2;

/**
 * The trigger the caret is in, if any: `@`, `#` or `:` at the start of the text or after a space or an opening
 * bracket, followed by the query typed so far (no spaces). A `:` in "12:30" or "https://" is not one.
 */
export function findTrigger(text: string, caret: number): Trigger | null {
  const before = text.slice(0, caret);
  const m = /(?:^|[\s([{])([@#:])([^\s@#:<>]*)$/.exec(before);
  if (!m) return null;
  const char = m[1] as TriggerChar;
  const query = m[2];
  if (char === '@' && query.length > 32) return null;
  if (char === '#' && query.length > 100) return null;
  if (char === ':' && !new RegExp(`^[a-z0-9_+\\-]{${EMOJI_MIN_QUERY},32}$`, 'i').test(query)) return null;
  return { char, start: caret - query.length - 1, end: caret, query };
}

/** 0 when a name starts with the query, 1 when one contains it, -1 when none does. */
function matchRank(names: Array<string | null | undefined>, q: string): number {
  let best = -1;
  for (const n of names) {
    if (!n) continue;
    const s = n.toLowerCase();
    if (s.startsWith(q)) return 0;
    if (best < 0 && s.includes(q)) best = 1;
  }
  return best;
}


/** The `@` list: members (or a DM's recipients), then roles, then @everyone and @here. */
export function mentionSuggestions(s: State, channelId: string, query: string): Suggestion[] {
  const q = query.toLowerCase();
  const channel = s.channels[channelId];
  const me = s.me;
  if (!channel || !me) return [];
  const guild = channel.guild_id ? s.guilds[channel.guild_id] : undefined;

  if (!guild) {
    // A DM or group DM: its people (and us), no roles, no @everyone.
    const people = [...(channel.recipients ?? []).filter((u) => u.id !== me.id), me];
    return people
      .map((u) => ({ u, rank: matchRank([u.global_name, u.username], q) }))
      .filter((x) => x.rank >= 0)
      .sort((a, b) => a.rank - b.rank || (a.u.global_name || a.u.username).localeCompare(b.u.global_name || b.u.username))
      .slice(0, MAX_SUGGESTIONS)
      .map(({ u }) => ({ key: `user:${u.id}`, kind: 'user' as const, insert: `<@${u.id}>`, label: u.global_name || u.username, detail: u.username, user: u }));
  }

  const members = s.members[guild.id] ?? {};
  const myPerms = channelPermissions(guild, channel, me.id, members[me.id]);
  const canEveryone = has(myPerms, P.MENTION_EVERYONE);

  const ranked = Object.entries(members)
    .map(([id, m]) => {
      const u = m.user ?? s.users[id];
      return { id, m, u, name: m.nick || u?.global_name || u?.username || '', rank: matchRank([m.nick, u?.global_name, u?.username], q) };
    })
    .filter((x) => x.u && x.rank >= 0)
    .sort((a, b) => a.rank - b.rank || a.name.localeCompare(b.name));
  const users: Suggestion[] = [];
  for (const x of ranked) {
    if (users.length >= MAX_SUGGESTIONS) break;
    // Only people who can read the channel, as Discord lists them (a mention of anyone else tells them nothing).
    if (!has(channelPermissions(guild, channel, x.id, x.m), P.VIEW_CHANNEL)) continue;
    users.push({ key: `user:${x.id}`, kind: 'user', insert: `<@${x.id}>`, label: x.name, detail: x.u!.username, user: x.u });
  }

  const roles: Suggestion[] = Object.values(guild.roles)
    .filter((r) => r.id !== guild.id && (r.mentionable || canEveryone))
    .map((r) => ({ r, rank: matchRank([r.name], q) }))
    .filter((x) => x.rank >= 0)
    .sort((a, b) => a.rank - b.rank || b.r.position - a.r.position)
    .slice(0, 5)
    .map(({ r }) => ({ key: `role:${r.id}`, kind: 'role', insert: `<@&${r.id}>`, label: `@${r.name}`, detail: 'Role', color: r.color ? colorHex(r.color) : undefined }));

  const everyone: Suggestion[] = !canEveryone
    ? []
    : [
        { name: 'everyone', detail: 'Notify everyone who has permission to view this channel.' },
        { name: 'here', detail: 'Notify everyone online who has permission to view this channel.' },
      ]
        .filter((e) => e.name.startsWith(q))
        .map((e) => ({ key: `everyone:${e.name}`, kind: 'everyone', insert: `@${e.name}`, label: `@${e.name}`, detail: e.detail }));

  return [...users, ...roles, ...everyone].slice(0, MAX_SUGGESTIONS + 2);
}

/** The `#` list: the guild's text and announcement channels the user can see. */
export function channelSuggestions(s: State, channelId: string, query: string): Suggestion[] {
  const q = query.toLowerCase();
  const here = s.channels[channelId];
  const me = s.me;
  const guild = here?.guild_id ? s.guilds[here.guild_id] : undefined;
  if (!guild || !me) return [];
  const member = s.members[guild.id]?.[me.id];
  const parentName = (c: Channel) => (c.parent_id ? s.channels[c.parent_id]?.name : undefined) ?? undefined;
  return Object.values(s.channels)
    .filter((c) => c.guild_id === guild.id && (c.type === ChannelType.GUILD_TEXT || c.type === ChannelType.GUILD_ANNOUNCEMENT))
    .map((c) => ({ c, rank: matchRank([c.name], q) }))
    .filter((x) => x.rank >= 0 && has(channelPermissions(guild, x.c, me.id, member), P.VIEW_CHANNEL))
    .sort((a, b) => a.rank - b.rank || (a.c.position ?? 0) - (b.c.position ?? 0))
    .slice(0, MAX_SUGGESTIONS)
    .map(({ c }) => ({ key: `channel:${c.id}`, kind: 'channel', insert: `<#${c.id}>`, label: c.name ?? '', detail: parentName(c) }));
}

/** The `:` list, from the shortcodes once they are loaded. */
export function emojiSuggestions(all: readonly ShortcodeEmoji[] | null, query: string): Suggestion[] {
  if (!all) return [];
  return searchShortcodes(all, query, MAX_SUGGESTIONS).map((e) => ({
    key: `emoji:${e.emoji}`,
    kind: 'emoji',
    insert: e.emoji,
    label: `:${e.shortcode}:`,
    emoji: e.emoji,
  }));
}

/**
 * The guild's custom emoji for the `:` list (before the Unicode ones, as Discord's client lists them): those whose
 * name starts with or contains the query and that the user may use (no role restriction, or a role they hold; the
 * server writes any other as `:name:` text).
 */
export function customEmojiSuggestions(
  all: ReadonlyArray<{ id: string; name: string; animated: boolean; roles: string[] }> | null, query: string, myRoles: readonly string[], imageUrl: (id: string, animated: boolean) => string,
): Suggestion[] {
  if (!all) return [];
  const q = query.toLowerCase();
  return all
    .filter((e) => !e.roles.length || e.roles.some((r) => myRoles.includes(r)))
    .map((e) => ({ e, rank: matchRank([e.name], q) }))
    .filter((x) => x.rank >= 0)
    .sort((a, b) => a.rank - b.rank || a.e.name.localeCompare(b.e.name))
    .slice(0, MAX_SUGGESTIONS)
    .map(({ e }) => ({
      key: `custom-emoji:${e.id}`, kind: 'emoji' as const, insert: `<${e.animated ? 'a' : ''}:${e.name}:${e.id}>`, label: `:${e.name}:`, detail: 'Server emoji', image: imageUrl(e.id, e.animated),
    }));
}
