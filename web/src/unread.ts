/**
 * Which conversations have unread messages: text channels the user can see (guilds) and private channels, by
 * comparing each channel's last_message_id with the read state. Drives the guild rail's dots and the page title.
 */
import { useMemo } from 'react';
import { P, channelPermissions, has } from './perms.ts';
import { isUnread, useStore } from './store.ts';

export interface Unread {
  /** Unread conversations (channel ids). */
  channels: Set<string>;
  /** Guilds with an unread channel, and '@me' for an unread private channel. */
  guilds: Set<string>;
}

export function useUnread(): Unread {
  const channels = useStore((s) => s.channels);
  const readStates = useStore((s) => s.readStates);
  const guilds = useStore((s) => s.guilds);
  const me = useStore((s) => s.me);
  const members = useStore((s) => s.members);
  return useMemo(() => {
    const s = { channels, readStates } as Parameters<typeof isUnread>[0];
    const out: Unread = { channels: new Set(), guilds: new Set() };
    for (const c of Object.values(channels)) {
      if (!isUnread(s, c)) continue;
      if (!c.guild_id) {
        out.channels.add(c.id);
        out.guilds.add('@me');
        continue;
      }
      const g = guilds[c.guild_id];
      if (!g || !me || (c.type !== 0 && c.type !== 5)) continue;
      if (!has(channelPermissions(g, c, me.id, members[g.id]?.[me.id]), P.VIEW_CHANNEL)) continue;
      out.channels.add(c.id);
      out.guilds.add(g.id);
    }
    return out;
  }, [channels, readStates, guilds, me, members]);
}
