/**
 * Which installations of an application authorize an invocation: Discord's `authorizing_integration_owners`
 * (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-authorizing-integration-owners-object).
 *
 * - GUILD_INSTALL ("0"): the application's bot is in the guild (value: the guild's id), or the invocation is in
 *   a DM with the bot (value: "0").
 * - USER_INSTALL ("1"): the invoking user installed the application to their account (POST /oauth2/authorize
 *   with integration_type=1, scope applications.commands); value: the user's id. Such commands work in any guild
 *   and any DM or group DM the user is in, even where the bot is not.
 *
 * A command is available through the installation types its `integration_types` name (guild commands: guild
 * installs only); when none applies the invocation is refused with 50001, as Discord's client never offers it.
 */
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import type { ApplicationRecord, ChannelRecord, Store } from '../../store/types.ts';

export const IntegrationType = { GUILD_INSTALL: 0, USER_INSTALL: 1 } as const;
/** Discord's interaction context types: 0 guild, 1 the bot's DM, 2 another private channel (DM or group DM). */
export const Context = { GUILD: 0, BOT_DM: 1, PRIVATE_CHANNEL: 2 } as const;

export interface Installations {
  context: number;
  /** The bot is a member of the invoked guild. */
  botInGuild: boolean;
  /** The invoking user installed the application to their account. */
  userInstalled: boolean;
}

/** Where an invocation happens and which installations could cover it. */
export async function installationsFor(store: Store, app: ApplicationRecord, userId: string, channel: ChannelRecord): Promise<Installations> {
  const [botInGuild, installed, context] = await Promise.all([
    channel.guildId ? store.members.get(channel.guildId, app.botUserId).then(Boolean) : Promise.resolve(false),
    store.userInstallations.get(app.id, userId),
    channel.guildId ? Promise.resolve(Context.GUILD) : store.channels.listRecipients(channel.id).then((r) => (r.includes(app.botUserId) ? Context.BOT_DM : Context.PRIVATE_CHANNEL)),
  ]);
  return { context, botInGuild, userInstalled: installed !== null };
}

/**
 * `authorizing_integration_owners` for an invocation through the installation types `integrationTypes` allows;
 * 50001 when none of them applies here.
 */
export function authorizingOwners(inst: Installations, integrationTypes: readonly number[], guildId: string | null, userId: string): Record<string, string> {
  const owners: Record<string, string> = {};
  if (integrationTypes.includes(IntegrationType.GUILD_INSTALL)) {
    if (inst.context === Context.GUILD && inst.botInGuild && guildId) owners['0'] = guildId;
    else if (inst.context === Context.BOT_DM) owners['0'] = '0';
  }
  if (integrationTypes.includes(IntegrationType.USER_INSTALL) && inst.userInstalled) owners['1'] = userId;
  if (Object.keys(owners).length === 0) throw new ApiError(ErrorCodes.MISSING_ACCESS);
  return owners;
}
