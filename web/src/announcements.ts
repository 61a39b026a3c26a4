/**
 * Announcement channels in the web client: who may publish a message (its author with SEND_MESSAGES, others with
 * MANAGE_MESSAGES as well, in an announcement channel, once), the channels the user may follow one into (text channels
 * where they have MANAGE_WEBHOOKS), and the REST calls. The server checks every request again.
 */
import { rest } from './api.ts';
import { applyDispatch } from './events.ts';
import { P, channelPermissions, has } from './perms.ts';
import type { State } from './store.ts';
import { ChannelType, type Channel, type Message } from './types.ts';

export const MessageFlag = { CROSSPOSTED: 1 << 0, IS_CROSSPOST: 1 << 1 } as const;

function permsIn(s: State, channel: Channel): bigint | null {
  const guild = channel.guild_id ? s.guilds[channel.guild_id] : undefined;
  if (!guild || !s.me) return null;
  return channelPermissions(guild, channel, s.me.id, s.members[guild.id]?.[s.me.id]);
}

/** Whether "Publish" shows on the message. */
export function canPublish(s: State, msg: Message): boolean {
  const channel = s.channels[msg.channel_id];
  if (!channel || channel.type !== ChannelType.GUILD_ANNOUNCEMENT || !s.me) return false;
  if ((msg.flags ?? 0) & (MessageFlag.CROSSPOSTED | MessageFlag.IS_CROSSPOST)) return false;
  if (msg.type !== 0 && msg.type !== 19) return false;
  const perms = permsIn(s, channel);
  if (perms === null) return false;
  return has(perms, msg.author.id === s.me.id ? P.SEND_MESSAGES : P.SEND_MESSAGES | P.MANAGE_MESSAGES);
}

/** Text channels, by server, the user may follow an announcement channel into. */
export function followTargets(s: State): Array<{ guildId: string; guildName: string; channels: Channel[] }> {
  const out: Array<{ guildId: string; guildName: string; channels: Channel[] }> = [];
  for (const guild of Object.values(s.guilds)) {
    const channels = Object.values(s.channels)
      .filter((c) => c.guild_id === guild.id && (c.type === ChannelType.GUILD_TEXT || c.type === ChannelType.GUILD_ANNOUNCEMENT))
      .filter((c) => {
        const perms = permsIn(s, c);
        return perms !== null && has(perms, P.VIEW_CHANNEL) && has(perms, P.MANAGE_WEBHOOKS);
      })
      .sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
    if (channels.length) out.push({ guildId: guild.id, guildName: guild.name, channels });
  }
  return out.sort((a, b) => a.guildName.localeCompare(b.guildName));
}

export async function publishMessage(msg: Message): Promise<void> {
  const updated = await rest.post<Message>(`/channels/${msg.channel_id}/messages/${msg.id}/crosspost`);
  applyDispatch('MESSAGE_UPDATE', updated);
}

export const followChannel = (channelId: string, targetChannelId: string) =>
  rest.post<{ channel_id: string; webhook_id: string }>(`/channels/${channelId}/followers`, { webhook_channel_id: targetChannelId });
