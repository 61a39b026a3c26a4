/**
 * Forwarding in the web client: which messages may be forwarded (those people and apps send, once confirmed by
 * the server), the places they may go (text and announcement channels where the user may send, and their direct
 * messages), and the REST call: POST /channels/{to}/messages with a type-1 message_reference. The server checks
 * every request again, the source's READ_MESSAGE_HISTORY included.
 */
import { rest } from './api.ts';
import { P, channelPermissions, has } from './perms.ts';
import { channelLabel, type State } from './store.ts';
import { ChannelType, type Message } from './types.ts';

/** Types a forward may carry: default, reply, and applications' command answers. */
const FORWARDABLE_TYPES = new Set([0, 19, 20, 23]);

export function canForward(msg: Message): boolean {
  return !msg.pending && FORWARDABLE_TYPES.has(msg.type) && !(msg.flags! & (1 << 6));
}

export interface ForwardTarget {
  id: string;
  label: string;
}

/** Where the user may forward to, grouped: direct messages first, then each server's channels in order. */
export function forwardTargets(s: State): Array<{ group: string; targets: ForwardTarget[] }> {
  const out: Array<{ group: string; targets: ForwardTarget[] }> = [];
  const dms = s.privateChannelIds.map((id) => s.channels[id]).filter((c) => c !== undefined);
  if (dms.length) out.push({ group: 'Direct Messages', targets: dms.map((c) => ({ id: c.id, label: `@${channelLabel(s, c)}` })) });
  const guilds = Object.values(s.guilds).sort((a, b) => a.name.localeCompare(b.name));
  for (const guild of guilds) {
    if (!s.me) break;
    const member = s.members[guild.id]?.[s.me.id];
    const channels = Object.values(s.channels)
      .filter((c) => c.guild_id === guild.id && (c.type === ChannelType.GUILD_TEXT || c.type === ChannelType.GUILD_ANNOUNCEMENT))
      .filter((c) => has(channelPermissions(guild, c, s.me!.id, member), P.VIEW_CHANNEL | P.SEND_MESSAGES))
      .sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
    if (channels.length) out.push({ group: guild.name, targets: channels.map((c) => ({ id: c.id, label: `#${c.name ?? ''}` })) });
  }
  return out;
}

export const forwardMessage = (msg: Message, toChannelId: string) =>
  rest.post<Message>(`/channels/${toChannelId}/messages`, {
    message_reference: { type: 1, message_id: msg.id, channel_id: msg.channel_id, ...(msg.guild_id ? { guild_id: msg.guild_id } : {}) },
  });
