/**
 * Publishing dispatch events: every REST write announces itself on the bus with the exact payload the gateway
 * sends, and never reaches sessions by any other route.
 */
import { GatewaySubjects, publishEvent, type DispatchEnvelope } from '../contracts/index.ts';
import type { Bus } from '../bus/types.ts';

export type { DispatchEnvelope };

export const guildSubject = GatewaySubjects.guildDispatch;
export const userSubject = GatewaySubjects.userDispatch;

export class Dispatcher {
  constructor(private readonly bus: Bus) {}

  /** A guild-scoped event (channelId narrows it to those who can see the channel). */
  guild(guildId: string, t: string, d: Record<string, unknown>, opts: { channelId?: string; userIds?: string[]; permissions?: string } = {}) {
    const envelope: DispatchEnvelope = { t, d, guildId, ...opts };
    publishEvent(this.bus, guildSubject(guildId), envelope);
    // Sessions nodes subscribe only to the guilds their sessions are in (sessions/interest.ts): the new member's
    // own sessions learn of the join on their user subject.
    const joined = t === 'GUILD_MEMBER_ADD' && typeof d.user === 'object' && d.user !== null ? (d.user as { id?: unknown }).id : undefined;
    if (typeof joined === 'string') publishEvent(this.bus, userSubject(joined), envelope);
  }

  /** An event for specific users (DM traffic, a kicked member's GUILD_DELETE, USER_UPDATE …). */
  users(userIds: Iterable<string>, t: string, d: Record<string, unknown>) {
    for (const userId of new Set(userIds)) publishEvent(this.bus, userSubject(userId), { t, d });
  }
}
