/**
 * Two of Discord's gateway requests about a session's guilds, answered from what Accord has:
 *
 * - op 31 Request Soundboard Sounds `{guild_ids}`: one SOUNDBOARD_SOUNDS `{guild_id, soundboard_sounds}` per guild
 *   of the session, with the guild's sounds (read from the store by the caller, gateway.ts); guilds the session is
 *   not in are skipped.
 * - op 43 Request Channel Info `{guild_id, fields}`: CHANNEL_INFO `{guild_id, channels}`, the ephemeral voice data
 *   of the channels that have some and the session may see: `status` (api/routes/voice-status.ts) and
 *   `voice_start_time`, each only if asked for. No channel has a voice session in Accord, so `voice_start_time` is
 *   always null, and only channels with a status are listed. A guild the session is not in gets no answer.
 *
 * Before these, either op closed the socket with 4001 (unknown opcode), though both are in Discord's opcode table.
 * A payload of the wrong shape closes it with 4002, as other malformed sends do.
 */
import { isSnowflake } from '../protocol/snowflake.ts';
import type { Session } from './session.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/**
 * Guild ids per op 31, as op 8's user_ids: a backstop, since the 4,096-byte payload limit (codec.ts
 * MAX_INBOUND_BYTES) already holds an op 31 to about 170 of today's ids.
 */
const MAX_GUILD_IDS = 1000;

/** The guilds of an op 31 the session is in, each once; or why the payload is refused. */
export function soundboardGuilds(session: Session, d: unknown): { guildIds: string[] } | { close: string } {
  if (!isObject(d) || !Array.isArray(d.guild_ids) || d.guild_ids.length > MAX_GUILD_IDS || !d.guild_ids.every(isSnowflake)) {
    return { close: 'op 31 needs guild_ids: an array of guild ids' };
  }
  return { guildIds: [...new Set(d.guild_ids as string[])].filter((id) => session.guilds.has(id)) };
}

/** What an op 43 asks: the guild (null when the session is not in it: no answer) and the fields; or why it is refused. */
export function channelInfoRequest(session: Session, d: unknown): { guildId: string | null; fields: Set<string> } | { close: string } {
  if (!isObject(d) || !isSnowflake(d.guild_id) || !Array.isArray(d.fields) || !d.fields.every((f) => typeof f === 'string')) {
    return { close: 'op 43 needs guild_id and fields' };
  }
  return { guildId: session.guilds.has(d.guild_id as string) ? (d.guild_id as string) : null, fields: new Set(d.fields as string[]) };
}

/** CHANNEL_INFO's entry for a channel with a status: the fields asked for (unknown ones ignored). */
export function channelInfoEntry(channelId: string, status: string, fields: ReadonlySet<string>): Record<string, unknown> {
  return {
    id: channelId,
    ...(fields.has('status') ? { status } : {}),
    ...(fields.has('voice_start_time') ? { voice_start_time: null } : {}),
  };
}
