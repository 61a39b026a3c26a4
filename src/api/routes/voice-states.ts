/**
 * Voice states (https://discord.com/developers/docs/resources/voice): `GET /guilds/{id}/voice-states/@me` and
 * `/{user.id}`, `PATCH /guilds/{id}/voice-states/@me` `{channel_id?, suppress?, request_to_speak_timestamp?}` and
 * `PATCH …/{user.id}` `{channel_id, suppress?}` (a stage's speakers and audience).
 *
 * Decided: Accord carries no voice, so nobody is ever connected and nobody has a voice state. A read answers
 * 10065 Unknown Voice State for a member (10007 for someone who is not one; a path id that is no snowflake is 50035,
 * as the route layer has it). A PATCH is checked as Discord checks it
 * (the body; `channel_id` a stage channel of the guild, 10003 / 50024 otherwise; Mute Members to move someone else
 * or to unsuppress oneself, Request to Speak to raise a hand) and then answers 10065 as well, as Discord does for a
 * user who has not joined the channel. GUILD_CREATE's `voice_states` stays empty for the same reason.
 */
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { Permissions } from '../../protocol/permissions.ts';
import { ChannelType } from '../../store/types.ts';
import { channelAccess, guildAccess, requirePermission } from '../access.ts';
import type { RouteContext } from '../route.ts';
import { parse, snowflake, z } from '../validate.ts';

const selfBody = z.object({
  channel_id: snowflake.optional(),
  suppress: z.boolean().optional(),
  request_to_speak_timestamp: z.iso.datetime({ offset: true }).nullish(),
});
const userBody = z.object({ channel_id: snowflake, suppress: z.boolean().optional() });

export function registerVoiceStateRoutes(ctx: RouteContext): void {
  const { store, now } = ctx.deps;

  /** 10007 unless the target (the caller for @me) is a member of the guild. */
  const requireMember = async (guildId: string, userId: string, callerId: string): Promise<void> => {
    if (!(await store.members.get(guildId, userId === '@me' ? callerId : userId))) throw new ApiError(ErrorCodes.UNKNOWN_MEMBER);
  };

  ctx.get('/guilds/:guildId/voice-states/:userId', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    await requireMember(access.guild.id, req.params.userId, req.user.id);
    throw new ApiError(ErrorCodes.UNKNOWN_VOICE_STATE);
  });

  ctx.patch('/guilds/:guildId/voice-states/:userId', { status: 204 }, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    const self = req.params.userId === '@me' || req.params.userId === req.user.id;
    const body = self ? parse(selfBody, req.body ?? {}) : parse(userBody, req.body ?? {});
    await requireMember(access.guild.id, req.params.userId, req.user.id);
    if (body.channel_id !== undefined) {
      const channel = await channelAccess(store, body.channel_id, req.user.id, now());
      if (channel.channel.guildId !== access.guild.id) throw new ApiError(ErrorCodes.UNKNOWN_CHANNEL);
      if (channel.channel.type !== ChannelType.GUILD_STAGE_VOICE) throw new ApiError(ErrorCodes.CANNOT_ACT_ON_CHANNEL_TYPE);
      if (!self || body.suppress === false) requirePermission(channel, Permissions.MUTE_MEMBERS);
      if (self && 'request_to_speak_timestamp' in body && body.request_to_speak_timestamp) requirePermission(channel, Permissions.REQUEST_TO_SPEAK);
    }
    throw new ApiError(ErrorCodes.UNKNOWN_VOICE_STATE);
  });
}
