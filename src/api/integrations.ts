/**
 * A guild's integrations, as Discord shows bots: each bot member is one integration of type "discord" whose id is
 * its application's (in Accord an application and its bot user share one id, so no separate integration record is
 * kept). It comes with the bot (OAuth2 authorize: INTEGRATION_CREATE) and goes with it: when the bot leaves, is
 * kicked or banned, or the integration is deleted, its managed role is deleted too and INTEGRATION_DELETE follows.
 * Each change also sends GUILD_INTEGRATIONS_UPDATE, the event Discord's clients refetch on.
 */
import type { ApplicationRecord, UserRecord } from '../store/types.ts';
import { publicUser } from '../shapes/serialize.ts';
import type { RouteContext } from './route.ts';

/** Discord's scopes of a bot added to a guild. */
const BOT_SCOPES = ['bot', 'applications.commands'];

/** Discord's integration object of a bot. */
export function integrationJson(app: ApplicationRecord, bot: UserRecord) {
  return {
    id: app.id,
    type: 'discord',
    name: app.name,
    enabled: true,
    account: { id: bot.id, name: bot.username },
    application: { id: app.id, name: app.name, icon: app.icon, description: app.description, bot: publicUser(bot) },
    scopes: BOT_SCOPES,
  };
}

/** A bot joined `guildId`: its integration exists. */
export async function integrationAdded(ctx: RouteContext, guildId: string, bot: UserRecord): Promise<void> {
  const app = await ctx.deps.store.applications.getByBotUser(bot.id);
  if (app) ctx.dispatch.guild(guildId, 'INTEGRATION_CREATE', { ...integrationJson(app, bot), guild_id: guildId });
  ctx.dispatch.guild(guildId, 'GUILD_INTEGRATIONS_UPDATE', { guild_id: guildId });
}

/**
 * `user` is no longer a member of `guildId` (left, kicked, banned): when it is a bot, its managed role is deleted
 * (GUILD_ROLE_DELETE) and its integration is gone. Runs after the membership's removal committed; a role it could not
 * delete stays managed but may then be deleted by hand (routes/roles.ts: its bot is no member).
 */
export async function memberGone(ctx: RouteContext, guildId: string, user: UserRecord): Promise<void> {
  if (!user.bot) return;
  const { store } = ctx.deps;
  for (const role of await store.roles.listByGuild(guildId)) {
    if (!role.managed || role.botId !== user.id) continue;
    await store.roles.delete(guildId, role.id);
    ctx.dispatch.guild(guildId, 'GUILD_ROLE_DELETE', { guild_id: guildId, role_id: role.id });
  }
  const app = await store.applications.getByBotUser(user.id);
  if (app) ctx.dispatch.guild(guildId, 'INTEGRATION_DELETE', { id: app.id, guild_id: guildId, application_id: app.id });
  ctx.dispatch.guild(guildId, 'GUILD_INTEGRATIONS_UPDATE', { guild_id: guildId });
}
