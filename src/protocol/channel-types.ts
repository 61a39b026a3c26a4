/** What Discord's channel types share, for the server and the web client alike (both may import this folder). */

/** GUILD_VOICE (2) and GUILD_STAGE_VOICE (13): the types with a bitrate and a user limit, listed after text ones. */
export const isVoiceLike = (type: number): boolean => type === 2 || type === 13;

/** Discord's limit on a voice channel's status (Set Voice Channel Status). */
export const VOICE_CHANNEL_STATUS_MAX = 500;
