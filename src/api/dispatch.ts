/**
 * Publishing dispatch events: every REST write announces itself on the bus with the exact payload the gateway
 * sends, and never reaches sessions by any other route.
 */
import type { Bus } from '../bus/types.ts';

export interface DispatchEnvelope {
  /** Gateway event name, e.g. MESSAGE_CREATE. */
  t: string;
  /** Payload as sent to clients. */
  d: Record<string, unknown>;
  guildId?: string;
  /** When set, only sessions whose user may VIEW_CHANNEL there receive it. */
  channelId?: string;
  /** When set on a guild event, only these users receive it. */
  userIds?: string[];
}

export const guildSubject = (guildId: string) => `gateway.guild.${guildId}`;
export const userSubject = (userId: string) => `gateway.user.${userId}`;

export class Dispatcher {
  constructor(private readonly bus: Bus) {}

  /** A guild-scoped event (channelId narrows it to those who can see the channel). */
  guild(guildId: string, t: string, d: Record<string, unknown>, opts: { channelId?: string; userIds?: string[] } = {}) {
    const envelope: DispatchEnvelope = { t, d, guildId, ...opts };
    this.bus.publish(guildSubject(guildId), envelope);
  }

  /** An event for specific users (DM traffic, a kicked member's GUILD_DELETE, USER_UPDATE …). */
  users(userIds: Iterable<string>, t: string, d: Record<string, unknown>) {
    for (const userId of new Set(userIds)) this.bus.publish(userSubject(userId), { t, d } satisfies DispatchEnvelope);
  }
}
