/**
 * Mentions of the signed-in user: which messages to highlight, and the per-channel unread-mention counts behind
 * the red badges (READY's read_state.mention_count, then live MESSAGE_CREATEs, cleared by MESSAGE_ACK).
 *
 * The count follows the server's own (src/api/messages/create.ts, mention-audience.ts): a message counts when
 * it mentions us — a `<@id>`, a reply that pings, a role we hold, @everyone / @here — so the badge is the same
 * before and after a reload. (The server skips role and @everyone counts in guilds over 1,000 members; so does
 * this, by the guild's member_count.)
 */
import { compareIds } from './api.ts';
import type { State } from './store.ts';
import type { Message, ReadStateEntry } from './types.ts';

/** Mirrors the server's GROUP_MENTION_MAX_MEMBERS (src/api/messages/mention-audience.ts). */
const GROUP_MENTION_MAX_MEMBERS = 1000;

/** Whether `msg` mentions the user: by id, through a role they hold, or with @everyone / @here. */
export function mentionsMe(msg: Pick<Message, 'mentions' | 'mention_roles' | 'mention_everyone'>, meId: string | undefined, myRoleIds: readonly string[] | undefined): boolean {
  if (!meId) return false;
  if (msg.mention_everyone) return true;
  if (msg.mentions?.some((u) => u.id === meId)) return true;
  return Boolean(myRoleIds?.length && msg.mention_roles?.some((r) => myRoleIds.includes(r)));
}

/** READY's read states → unread mentions per channel (only the channels that have some). */
export function mentionCountsFromReady(entries: readonly ReadStateEntry[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of entries) if (typeof e.mention_count === 'number' && e.mention_count > 0) out[e.id] = e.mention_count;
  return out;
}

/**
 * One more unread mention for a new message that pings us. Idempotent as the reducer must be: a message not
 * newer than the channel's last message (a replayed or repeated event) or already read is not counted again.
 */
export function countMention(s: State, msg: Message): Partial<State> | undefined {
  const me = s.me?.id;
  if (!me || msg.author.id === me) return;
  const guildId = msg.guild_id ?? undefined;
  const groupCounts = !guildId || (s.guilds[guildId]?.member_count ?? 0) <= GROUP_MENTION_MAX_MEMBERS;
  const named = msg.mentions?.some((u) => u.id === me) ?? false;
  if (!named && !(groupCounts && mentionsMe(msg, me, guildId ? s.members[guildId]?.[me]?.roles : undefined))) return;
  const last = s.channels[msg.channel_id]?.last_message_id;
  if (last && compareIds(msg.id, last) <= 0) return;
  const read = s.readStates[msg.channel_id];
  if (read && compareIds(read, msg.id) >= 0) return;
  return { mentionCounts: { ...s.mentionCounts, [msg.channel_id]: (s.mentionCounts[msg.channel_id] ?? 0) + 1 } };
}

/** A read (ours from any tab): the server sets the channel's count to the ack's (0 unless a manual ack says). */
export function clearMentions(s: State, channelId: string, count = 0): Partial<State> | undefined {
  const had = s.mentionCounts[channelId] ?? 0;
  if (had === count) return;
  const mentionCounts = { ...s.mentionCounts };
  if (count > 0) mentionCounts[channelId] = count;
  else delete mentionCounts[channelId];
  return { mentionCounts };
}
