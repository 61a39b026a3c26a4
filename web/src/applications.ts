/**
 * The developer portal's REST calls: the user's applications (Discord's /applications routes, which take a user
 * token here as on Discord's own portal), the bot token reset, the OAuth2 "add bot to a server" consent
 * (GET then POST /oauth2/authorize with scope=bot), and the global commands, which only the bot's own token may
 * read (a user token gets 20012), so they are fetched with a token the user has just been shown.
 */
import { Permissions as P } from '../../src/protocol/permissions.ts';
import { ApplicationFlags } from '../../src/protocol/intents.ts';
import { rest, RestClient } from './api.ts';
import { cdnSize } from './media-url.ts';
import type { Snowflake, User } from './types.ts';

export { ApplicationFlags };

export interface Application {
  id: Snowflake;
  name: string;
  icon: string | null;
  description: string;
  bot_public: boolean;
  bot_require_code_grant: boolean;
  verify_key: string;
  flags: number;
  bot?: User;
  owner?: User;
  interactions_endpoint_url?: string | null;
  /** Where the OAuth2 code grant may send users back to. */
  redirect_uris?: string[];
}

export interface ApplicationPatch {
  name?: string;
  description?: string;
  icon?: string | null;
  flags?: number;
  bot_public?: boolean;
  interactions_endpoint_url?: string | null;
  redirect_uris?: string[];
}

/** A server offered by the consent screen: only those where the user holds MANAGE_GUILD. */
export interface AuthorizableGuild {
  id: Snowflake;
  name: string;
  icon: string | null;
  /** The user's permissions there, as a decimal string. */
  permissions?: string;
}

export interface ApplicationCommand {
  id: Snowflake;
  name: string;
  description: string;
  type?: number;
}

/** The portal's three privileged-intent switches; each sets its GATEWAY_* flag (the *_LIMITED ones are Discord's). */
export const PRIVILEGED_INTENT_SWITCHES: Array<{ flag: number; limited: number; label: string; hint: string }> = [
  { flag: ApplicationFlags.GATEWAY_PRESENCE, limited: ApplicationFlags.GATEWAY_PRESENCE_LIMITED, label: 'Presence Intent', hint: 'Receive presence updates (online status) of members.' },
  { flag: ApplicationFlags.GATEWAY_GUILD_MEMBERS, limited: ApplicationFlags.GATEWAY_GUILD_MEMBERS_LIMITED, label: 'Server Members Intent', hint: 'Receive member join, update and leave events, and request the full member list.' },
  { flag: ApplicationFlags.GATEWAY_MESSAGE_CONTENT, limited: ApplicationFlags.GATEWAY_MESSAGE_CONTENT_LIMITED, label: 'Message Content Intent', hint: 'Read the content, embeds and attachments of messages that do not mention the bot.' },
];

/** Permission presets for adding a bot; the server refuses any bit the user does not hold in that server. */
export const PERMISSION_PRESETS: Array<{ id: string; label: string; bits: bigint }> = [
  { id: 'none', label: 'No permissions', bits: 0n },
  {
    id: 'basic',
    label: 'Read and send messages',
    bits: P.VIEW_CHANNEL | P.SEND_MESSAGES | P.READ_MESSAGE_HISTORY | P.EMBED_LINKS | P.ATTACH_FILES | P.ADD_REACTIONS | P.USE_APPLICATION_COMMANDS,
  },
  {
    id: 'moderator',
    label: 'Moderator',
    bits:
      P.VIEW_CHANNEL | P.SEND_MESSAGES | P.READ_MESSAGE_HISTORY | P.EMBED_LINKS | P.ATTACH_FILES | P.ADD_REACTIONS | P.USE_APPLICATION_COMMANDS |
      P.MANAGE_MESSAGES | P.PIN_MESSAGES | P.KICK_MEMBERS | P.BAN_MEMBERS | P.MODERATE_MEMBERS,
  },
  { id: 'admin', label: 'Administrator', bits: P.ADMINISTRATOR },
];

export const listApplications = () => rest.get<Application[]>('/applications');
export const createApplication = (name: string) => rest.post<Application>('/applications', { name });
export const getApplication = (id: Snowflake) => rest.get<Application>(`/applications/${id}`);
export const updateApplication = (id: Snowflake, patch: ApplicationPatch) => rest.patch<Application>(`/applications/${id}`, patch);
export const resetBotToken = (id: Snowflake) => rest.post<{ token: string }>(`/applications/${id}/bot/reset`);
/** A new OAuth2 client secret, shown once. */
export const resetClientSecret = (id: Snowflake) => rest.post<{ secret: string }>(`/applications/${id}/reset`);

/** An application's own emoji: only its bot may use them, in any server (Discord's app emoji; 2,000 at most). */
export interface ApplicationEmoji {
  id: Snowflake;
  name: string;
  animated: boolean;
  user?: { id: string; username: string; global_name?: string | null };
}
export const MAX_APPLICATION_EMOJIS = 2000;
export const listApplicationEmojis = async (id: Snowflake) => (await rest.get<{ items: ApplicationEmoji[] }>(`/applications/${id}/emojis`)).items;
export const createApplicationEmoji = (id: Snowflake, name: string, image: string) => rest.post<ApplicationEmoji>(`/applications/${id}/emojis`, { name, image });
export const renameApplicationEmoji = (id: Snowflake, emojiId: Snowflake, name: string) => rest.patch<ApplicationEmoji>(`/applications/${id}/emojis/${emojiId}`, { name });
export const deleteApplicationEmoji = (id: Snowflake, emojiId: Snowflake) => rest.delete(`/applications/${id}/emojis/${emojiId}`);

const authorizeQuery = (id: Snowflake, permissions: bigint) => ({ client_id: id, scope: 'bot', permissions: permissions.toString() });

/** The consent screen's data: the servers this user may add the bot to. */
export async function authorizableGuilds(id: Snowflake): Promise<AuthorizableGuild[]> {
  const info = await rest.request<{ guilds: AuthorizableGuild[] }>('GET', '/oauth2/authorize', undefined, { client_id: id, scope: 'bot' });
  return info.guilds;
}

/** Consents to adding the bot to `guildId` with `permissions` (its managed role). */
export function authorizeBot(id: Snowflake, guildId: Snowflake, permissions: bigint) {
  return rest.request<{ location: string }>('POST', '/oauth2/authorize', { guild_id: guildId, permissions: permissions.toString(), authorize: true }, authorizeQuery(id, permissions));
}

/**
 * The global commands, read with the bot's token. A separate client: a refused bot token must not log the user
 * out (the shared client treats a 401 as the end of the session).
 */
export function listGlobalCommands(id: Snowflake, botToken: string) {
  const bot = new RestClient();
  bot.setToken(`Bot ${botToken}`);
  return bot.get<ApplicationCommand[]>(`/applications/${id}/commands`);
}

export function applicationIconUrl(app: Pick<Application, 'id' | 'icon'>, px: number): string | null {
  if (!app.icon) return null;
  // App icons are PNG, JPEG or WebP only: no animated (a_) variant.
  return `/app-icons/${app.id}/${app.icon}.png?size=${cdnSize(px)}`;
}
