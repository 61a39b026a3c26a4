/**
 * Voice channel status (Discord's "Set Voice Channel Status"): `PUT /channels/{id}/voice-status` `{status}`, a line
 * of up to 500 characters shown under a voice channel (null or "" clears it); 204. Discord asks for Set Voice Channel
 * Status, and Manage Channels too of someone not connected to the channel: nobody is ever connected in Accord, so
 * both are asked. VOICE_CHANNEL_STATUS_UPDATE `{id, guild_id, status}` goes to those who see the channel (GUILDS
 * intent); the audit log records VOICE_CHANNEL_STATUS_CREATE (192, options channel_id and status) or _DELETE (193).
 * Sessions read the statuses back with op 43 Request Channel Info (sessions/gateway-requests.ts).
 *
 * Decided: Discord clears a status when the channel empties; with no voice here a status stays until it is changed
 * or cleared.
 */
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { Permissions } from '../../protocol/permissions.ts';
import { VOICE_CHANNEL_STATUS_MAX } from '../../protocol/channel-types.ts';
import { ChannelType } from '../../store/types.ts';
import { channelAccess, requirePermission } from '../access.ts';
import { recordAudit } from '../audit-log.ts';
import { RouteLimits } from '../ratelimit.ts';
import type { RouteContext } from '../route.ts';
import { parse, z } from '../validate.ts';

const body = z.object({ status: z.string().max(VOICE_CHANNEL_STATUS_MAX).nullable() });

export function registerVoiceStatusRoutes(ctx: RouteContext): void {
  const { store, now } = ctx.deps;

  ctx.put('/channels/:channelId/voice-status', { limit: RouteLimits.voiceStatus }, async (req) => {
    const access = await channelAccess(store, req.params.channelId, req.user.id, now());
    const { channel } = access;
    if (!channel.guildId) throw new ApiError(ErrorCodes.CANNOT_EXECUTE_ON_DM);
    if (channel.type !== ChannelType.GUILD_VOICE) throw new ApiError(ErrorCodes.CANNOT_ACT_ON_CHANNEL_TYPE);
    const { status: given } = parse(body, req.body ?? {});
    requirePermission(access, Permissions.SET_VOICE_CHANNEL_STATUS);
    requirePermission(access, Permissions.MANAGE_CHANNELS);
    const status = given === null || given.trim() === '' ? null : given;
    // The same status again is written and announced too: Discord's route "fires a Voice Channel Status Update".
    await store.channels.update(channel.id, { voiceStatus: status });
    ctx.dispatch.guild(channel.guildId, 'VOICE_CHANNEL_STATUS_UPDATE', { id: channel.id, guild_id: channel.guildId, status }, { channelId: channel.id });
    await recordAudit(ctx, req, channel.guildId, status === null
      ? { actionType: AuditLogEvent.VOICE_CHANNEL_STATUS_DELETE, targetId: channel.id, options: { channel_id: channel.id } }
      : { actionType: AuditLogEvent.VOICE_CHANNEL_STATUS_CREATE, targetId: channel.id, options: { channel_id: channel.id, status } });
    return undefined;
  });
}
