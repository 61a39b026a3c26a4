/** Every REST route, one file per resource. */
import type { RouteContext } from '../route.ts';
import { registerApplicationsRoutes } from './applications.ts';
import { registerAuthRoutes } from './auth.ts';
import { registerAuditLogRoutes } from './audit-log.ts';
import { registerBansRoutes } from './bans.ts';
import { registerChannelsRoutes } from './channels.ts';
import { registerCommandIndexRoutes } from './command-index.ts';
import { registerCommandsRoutes } from './commands.ts';
import { registerGatewayRoutes } from './gateway.ts';
import { registerGuildsRoutes } from './guilds.ts';
import { registerInteractionsRoutes } from './interactions.ts';
import { registerInvitesRoutes } from './invites.ts';
import { registerMembersRoutes } from './members.ts';
import { registerMessagesRoutes } from './messages.ts';
import { registerPinsRoutes } from './pins.ts';
import { registerPollsRoutes } from './polls.ts';
import { registerPushDevicesRoutes } from './push-devices.ts';
import { registerReactionsRoutes } from './reactions.ts';
import { registerRolesRoutes } from './roles.ts';
import { registerSearchRoutes } from './search.ts';
import { registerUsersRoutes } from './users.ts';
import { registerUserGuildSettingsRoutes } from './user-guild-settings.ts';
import { registerWebhooksRoutes } from './webhooks.ts';

export function registerAllRoutes(ctx: RouteContext): void {
  registerAuthRoutes(ctx);
  registerUsersRoutes(ctx);
  registerPushDevicesRoutes(ctx);
  registerUserGuildSettingsRoutes(ctx);
  registerApplicationsRoutes(ctx);
  registerCommandsRoutes(ctx);
  registerCommandIndexRoutes(ctx);
  registerGatewayRoutes(ctx);
  registerGuildsRoutes(ctx);
  registerChannelsRoutes(ctx);
  registerMembersRoutes(ctx);
  registerRolesRoutes(ctx);
  registerBansRoutes(ctx);
  registerAuditLogRoutes(ctx);
  registerInvitesRoutes(ctx);
  registerMessagesRoutes(ctx);
  registerReactionsRoutes(ctx);
  registerPollsRoutes(ctx);
  registerPinsRoutes(ctx);
  registerSearchRoutes(ctx);
  registerWebhooksRoutes(ctx);
  registerInteractionsRoutes(ctx);
}
