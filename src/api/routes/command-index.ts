/**
 * The application command index, which Discord's own client reads to offer slash commands and context-menu apps
 * (undocumented, the shape Discord's client gets): `{ applications, application_commands, version }`, where
 * `applications` are partial applications (id, name, description, icon, flags, bot_id) and
 * `application_commands` the command objects the caller may use there.
 *
 * - GET /guilds/{guild}/application-command-index: commands of each application whose bot is a member — global
 *   ones usable in guilds (contexts) and the guild's own — filtered by command-access.ts over the guild (no
 *   channel: channel entries are the client's to apply, as Discord's client does); 10004 / 50001.
 * - GET /channels/{channel}/application-command-index: the same for one guild channel (its channel entries and
 *   channel permissions apply), or, in a DM with a bot, that bot's global commands usable in its DMs (context 1).
 *   Group DMs get none: Accord has no user-installed applications (invoke.ts refuses context 2 too).
 * - GET /users/@me/application-command-index: the global commands of the applications the caller installed to
 *   their account (integration_types including USER_INSTALL). The guild and channel indexes add those of them that
 *   fit the place (context GUILD in guilds, PRIVATE_CHANNEL in DMs and group DMs) to the bots' own.
 *
 * `version` is the newest version among the listed commands ("0" when none): it changes whenever one does.
 */
import type { Snowflake } from '../../protocol/snowflake.ts';
import { applicationCommandJson } from '../../shapes/application-command.ts';
import type { ApplicationCommandRecord, ApplicationRecord, Store } from '../../store/types.ts';
import { commandAllowed, type CommandPlace } from '../interactions/command-access.ts';
import { channelAccess, guildAccess } from '../access.ts';
import type { RouteContext } from '../route.ts';

/** Discord's interaction context types. */
const Context = { GUILD: 0, BOT_DM: 1, PRIVATE_CHANNEL: 2 } as const;
const USER_INSTALL = 1;
const MEMBER_PAGE = 1000;

const compareSnowflakes = (a: Snowflake, b: Snowflake) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

interface CommandIndex {
  applications: Array<Record<string, unknown>>;
  application_commands: Array<ReturnType<typeof applicationCommandJson>>;
  version: string;
}

function partialApplication(app: ApplicationRecord): Record<string, unknown> {
  return { id: app.id, name: app.name, description: app.description, icon: app.icon, flags: app.flags, bot_id: app.botUserId };
}

/** Global commands of `app` usable in `context` (null contexts: everywhere, Discord's default). */
async function globalCommands(store: Store, app: ApplicationRecord, context: number): Promise<ApplicationCommandRecord[]> {
  return (await store.applicationCommands.list(app.id, null)).filter((c) => c.contexts === null || c.contexts.includes(context));
}

function indexOf(entries: Array<{ app: ApplicationRecord; commands: ApplicationCommandRecord[] }>): CommandIndex {
  const withCommands = entries.filter((e) => e.commands.length);
  const commands = withCommands.flatMap((e) => e.commands);
  const version = commands.reduce((v, c) => (compareSnowflakes(c.version, v) > 0 ? c.version : v), '0');
  return { applications: withCommands.map((e) => partialApplication(e.app)), application_commands: commands.map((c) => applicationCommandJson(c)), version };
}

/**
 * The caller's user-installed applications with their global commands that a user install covers in `context`
 * (null: any context), skipping applications already listed (`except`).
 */
async function userInstalled(store: Store, userId: string, context: number | null, except: ReadonlySet<string> = new Set()) {
  const installs = (await store.userInstallations.listByUser(userId)).filter((i) => !except.has(i.applicationId));
  const entries = await Promise.all(
    installs.map(async (inst) => {
      const app = await store.applications.get(inst.applicationId);
      if (!app) return null;
      const commands = (await store.applicationCommands.list(app.id, null)).filter(
        (c) => (c.integrationTypes ?? [0]).includes(USER_INSTALL) && (context === null || c.contexts === null || c.contexts.includes(context)),
      );
      return { app, commands };
    }),
  );
  return entries.filter((e): e is { app: ApplicationRecord; commands: ApplicationCommandRecord[] } => e !== null);
}

/** The applications whose bots are members of the guild, scanning its members a page at a time. */
async function guildApplications(store: Store, guildId: Snowflake): Promise<ApplicationRecord[]> {
  const apps: ApplicationRecord[] = [];
  let after: Snowflake | undefined;
  for (;;) {
    const page = await store.members.list(guildId, { after, limit: MEMBER_PAGE });
    const bots = (await store.users.getMany(page.map((m) => m.userId))).filter((u) => u.bot);
    for (const bot of bots) {
      const app = await store.applications.getByBotUser(bot.id);
      if (app) apps.push(app);
    }
    if (page.length < MEMBER_PAGE) break;
    after = page[page.length - 1]!.userId;
  }
  return apps.sort((a, b) => compareSnowflakes(a.id, b.id));
}

/** Every command the caller may use at `place`, grouped by application. */
async function guildIndex(store: Store, place: CommandPlace, userId: string): Promise<CommandIndex> {
  const guildId = place.guild.guild.id;
  const apps = await guildApplications(store, guildId);
  const entries = await Promise.all(
    apps.map(async (app) => {
      const [global, own, permissions] = await Promise.all([
        globalCommands(store, app, Context.GUILD),
        store.applicationCommands.list(app.id, guildId),
        store.applicationCommands.listPermissions(app.id, guildId),
      ]);
      const entriesOf = new Map(permissions.map((p) => [p.commandId, p.permissions]));
      const appEntries = entriesOf.get(app.id) ?? [];
      const commands = [...global, ...own].filter((c) => commandAllowed(c, entriesOf.get(c.id) ?? [], appEntries, place, userId));
      return { app, commands };
    }),
  );
  return indexOf([...entries, ...(await userInstalled(store, userId, Context.GUILD, new Set(apps.map((a) => a.id))))]);
}

export function registerCommandIndexRoutes(ctx: RouteContext): void {
  const { store, now } = ctx.deps;

  ctx.get('/guilds/:guildId/application-command-index', {}, async (req) => {
    const guild = await guildAccess(store, (req.params as { guildId: string }).guildId, req.user.id, now());
    return guildIndex(store, { guild, channelId: null, channelPermissions: guild.permissions }, req.user.id);
  });

  ctx.get('/channels/:channelId/application-command-index', {}, async (req) => {
    const access = await channelAccess(store, (req.params as { channelId: string }).channelId, req.user.id, now());
    if (access.guild) return guildIndex(store, { guild: access.guild, channelId: access.channel.id, channelPermissions: access.permissions }, req.user.id);
    // A DM (type 1) with a bot: that bot's commands for its DMs; any DM or group DM: the caller's user installs.
    const entries = [];
    if (access.channel.type === 1) {
      const others = (await store.channels.listRecipients(access.channel.id)).filter((id) => id !== req.user.id);
      for (const id of others) {
        const app = await store.applications.getByBotUser(id);
        if (app) entries.push({ app, commands: await globalCommands(store, app, Context.BOT_DM) });
      }
    }
    const listed = new Set(entries.map((e) => e.app.id));
    return indexOf([...entries, ...(await userInstalled(store, req.user.id, Context.PRIVATE_CHANNEL, listed))]);
  });

  ctx.get('/users/@me/application-command-index', {}, async (req) => indexOf(await userInstalled(store, req.user.id, null)));
}
