/**
 * Which intent gates which dispatch, in a guild and in DMs (Discord's table; docs/protocol.md "Intents and which
 * events they gate"). Events not listed are not gated (READY, USER_UPDATE, INTERACTION_CREATE, CHANNEL_CREATE of
 * a DM …). User sessions (non-bot) ignore intents altogether, as Discord's user clients do.
 */
import { Intents } from '../protocol/intents.ts';

const MESSAGE_EVENTS = ['MESSAGE_CREATE', 'MESSAGE_UPDATE', 'MESSAGE_DELETE', 'MESSAGE_DELETE_BULK'];
const REACTION_EVENTS = ['MESSAGE_REACTION_ADD', 'MESSAGE_REACTION_REMOVE', 'MESSAGE_REACTION_REMOVE_ALL', 'MESSAGE_REACTION_REMOVE_EMOJI'];

const GUILD: Record<string, number> = {};
const DIRECT: Record<string, number> = {};

for (const t of ['GUILD_CREATE', 'GUILD_UPDATE', 'GUILD_DELETE', 'GUILD_ROLE_CREATE', 'GUILD_ROLE_UPDATE', 'GUILD_ROLE_DELETE',
  'CHANNEL_CREATE', 'CHANNEL_UPDATE', 'CHANNEL_DELETE', 'CHANNEL_PINS_UPDATE', 'THREAD_CREATE', 'THREAD_UPDATE', 'THREAD_DELETE',
  'THREAD_LIST_SYNC', 'THREAD_MEMBER_UPDATE', 'STAGE_INSTANCE_CREATE', 'STAGE_INSTANCE_UPDATE', 'STAGE_INSTANCE_DELETE']) {
  GUILD[t] = Intents.GUILDS;
}
for (const t of ['GUILD_MEMBER_ADD', 'GUILD_MEMBER_UPDATE', 'GUILD_MEMBER_REMOVE', 'THREAD_MEMBERS_UPDATE']) GUILD[t] = Intents.GUILD_MEMBERS;
for (const t of ['GUILD_BAN_ADD', 'GUILD_BAN_REMOVE', 'GUILD_AUDIT_LOG_ENTRY_CREATE']) GUILD[t] = Intents.GUILD_MODERATION;
for (const t of ['GUILD_EMOJIS_UPDATE', 'GUILD_STICKERS_UPDATE', 'GUILD_SOUNDBOARD_SOUND_CREATE', 'GUILD_SOUNDBOARD_SOUND_UPDATE', 'GUILD_SOUNDBOARD_SOUND_DELETE']) GUILD[t] = Intents.GUILD_EXPRESSIONS;
for (const t of ['GUILD_INTEGRATIONS_UPDATE', 'INTEGRATION_CREATE', 'INTEGRATION_UPDATE', 'INTEGRATION_DELETE']) GUILD[t] = Intents.GUILD_INTEGRATIONS;
GUILD.WEBHOOKS_UPDATE = Intents.GUILD_WEBHOOKS;
for (const t of ['INVITE_CREATE', 'INVITE_DELETE']) GUILD[t] = Intents.GUILD_INVITES;
GUILD.VOICE_STATE_UPDATE = Intents.GUILD_VOICE_STATES;
GUILD.PRESENCE_UPDATE = Intents.GUILD_PRESENCES;
for (const t of MESSAGE_EVENTS) GUILD[t] = Intents.GUILD_MESSAGES;
for (const t of REACTION_EVENTS) GUILD[t] = Intents.GUILD_MESSAGE_REACTIONS;
GUILD.TYPING_START = Intents.GUILD_MESSAGE_TYPING;
for (const t of ['MESSAGE_POLL_VOTE_ADD', 'MESSAGE_POLL_VOTE_REMOVE']) GUILD[t] = Intents.GUILD_MESSAGE_POLLS;

for (const t of [...MESSAGE_EVENTS, 'CHANNEL_PINS_UPDATE']) DIRECT[t] = Intents.DIRECT_MESSAGES;
for (const t of REACTION_EVENTS) DIRECT[t] = Intents.DIRECT_MESSAGE_REACTIONS;
DIRECT.TYPING_START = Intents.DIRECT_MESSAGE_TYPING;
for (const t of ['MESSAGE_POLL_VOTE_ADD', 'MESSAGE_POLL_VOTE_REMOVE']) DIRECT[t] = Intents.DIRECT_MESSAGE_POLLS;

/** The intent a bot needs to receive `t`, or 0 when the event is not gated. */
export function intentFor(t: string, inGuild: boolean): number {
  return (inGuild ? GUILD[t] : DIRECT[t]) ?? 0;
}

/** Events whose message content the MESSAGE_CONTENT intent gates. */
export const CONTENT_EVENTS = new Set(['MESSAGE_CREATE', 'MESSAGE_UPDATE']);
