/**
 * Which conversations have unread messages: text channels the user can see (guilds) and private channels, by
 * comparing each channel's last_message_id with the read state. Drives the guild rail's dots and the page title,
 * and (with mentions.ts's counts, of unread channels only) the red mention badges of the rail. A muted guild or
 * channel (mutes.ts) counts as read there, its mentions still badge, as on Discord.
 */
import { useMemo } from 'react';
import { P, channelPermissions, has } from './perms.ts';
import { isUnread, useStore } from './store.ts';
import { unreadSilenced, useMuteClock } from './mutes.ts';

export interface Unread {
  /** Unread conversations (channel ids). */
  channels: Set<string>;
  /** Guilds with an unread channel, and '@me' for an unread private channel. */
  guilds: Set<string>;
  /** Unread mentions per guild ('@me' for private channels), where there are any. */
  guildMentions: Map<string, number>;
}

export function useUnread(): Unread {
  const channels = useStore((s) => s.channels);
  const readStates = useStore((s) => s.readStates);
  const guilds = useStore((s) => s.guilds);
  const me = useStore((s) => s.me);
  const members = useStore((s) => s.members);
  const mentionCounts = useStore((s) => s.mentionCounts);
  const guildSettings = useStore((s) => s.guildSettings);
  const now = useMuteClock();
  return useMemo(() => {
    const s = { channels, readStates } as Parameters<typeof isUnread>[0];
    const out: Unread = { channels: new Set(), guilds: new Set(), guildMentions: new Map() };
    const addMentions = (key: string, channelId: string) => {
      const n = mentionCounts[channelId];
      if (n) out.guildMentions.set(key, (out.guildMentions.get(key) ?? 0) + n);
    };
    for (const c of Object.values(channels)) {
      if (!isUnread(s, c)) continue;
      const silenced = unreadSilenced({ guildSettings, channels }, c, now);
      if (!c.guild_id) {
        if (!silenced) {
          out.channels.add(c.id);
          out.guilds.add('@me');
        }
        addMentions('@me', c.id);
        continue;
      }
      const g = guilds[c.guild_id];
      if (!g || !me || (c.type !== 0 && c.type !== 5)) continue;
      if (!has(channelPermissions(g, c, me.id, members[g.id]?.[me.id]), P.VIEW_CHANNEL)) continue;
      if (!silenced) {
        out.channels.add(c.id);
        out.guilds.add(g.id);
      }
      addMentions(g.id, c.id);
    }
    return out;
  }, [channels, readStates, guilds, me, members, mentionCounts, guildSettings, now]);
}
