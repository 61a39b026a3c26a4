/**
 * Losing and gaining servers. A kicked or banned member, like one whose server was deleted, gets GUILD_DELETE
 * (Discord sends no reason, so the notice names all three); a member who left on purpose gets the same event
 * and no notice. A server just created or joined is "expected" until its GUILD_CREATE arrives, so its URL
 * waits instead of being taken for an unknown server.
 */
import type { State } from './store.ts';
import { ui } from './ui.ts';

/** How long a created or joined server may take to arrive before its URL counts as unknown. */
const EXPECT_MS = 15_000;

const leaving = new Set<string>();
const expected = new Map<string, number>();
/** Guilds this tab saw itself removed from, and channels it saw deleted (by id), so a URL to one says so. */
const removed = new Set<string>();
const deletedChannels = new Map<string, { name: string; guildId: string | null }>();

export const wasRemoved = (guildId: string) => removed.has(guildId);
export const deletedChannel = (channelId: string) => deletedChannels.get(channelId);

/** The user asked to leave this guild: its GUILD_DELETE is no news. */
export function markLeaving(guildId: string): void {
  leaving.add(guildId);
}

/** The user created or joined this guild; its GUILD_CREATE is on its way. */
export function expectGuild(guildId: string): void {
  expected.set(guildId, Date.now() + EXPECT_MS);
}

/** Milliseconds until an expected guild stops being waited for (0 when it is not expected). */
export function expectedFor(guildId: string): number {
  const until = expected.get(guildId);
  if (!until) return 0;
  const left = until - Date.now();
  if (left <= 0) expected.delete(guildId);
  return Math.max(0, left);
}

export const REMOVED_TEXT = (name: string) => `You're no longer a member of ${name}: you were kicked or banned, or the server was deleted.`;
export const UNKNOWN_SERVER_TEXT = "That server doesn't exist, or you're not a member of it.";
export const UNKNOWN_CHANNEL_TEXT = "That channel doesn't exist, or you can't see it.";

/** Looks at a dispatch before it is applied (the guild's name is still in the state). */
export function watchMembership(s: State, t: string, d: any): void {
  if (t === 'GUILD_CREATE' && typeof d?.id === 'string') {
    expected.delete(d.id);
    leaving.delete(d.id);
    removed.delete(d.id);
    return;
  }
  if (t === 'CHANNEL_DELETE' && typeof d?.id === 'string') {
    const c = s.channels[d.id];
    deletedChannels.set(d.id, { name: c?.name ?? d.name ?? '', guildId: c?.guild_id ?? d.guild_id ?? null });
    return;
  }
  const gone = t === 'GUILD_DELETE' && !d?.unavailable ? d?.id : t === 'GUILD_MEMBER_REMOVE' && d?.user?.id === s.me?.id ? d?.guild_id : undefined;
  if (typeof gone !== 'string') return;
  const guild = s.guilds[gone];
  if (!guild) return;
  removed.add(gone);
  if (leaving.delete(gone)) return;
  ui.notify(REMOVED_TEXT(guild.name));
}
