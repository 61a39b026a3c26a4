/** Every REST route, one file per resource. */
import type { RouteContext } from '../route.ts';
import { registerApplicationsRoutes } from './applications.ts';
import { registerAuthRoutes } from './auth.ts';
import { registerBansRoutes } from './bans.ts';
import { registerChannelsRoutes } from './channels.ts';
import { registerCommandsRoutes } from './commands.ts';
import { registerGatewayRoutes } from './gateway.ts';
import { registerGuildsRoutes } from './guilds.ts';
import { registerInteractionsRoutes } from './interactions.ts';
import { registerInvitesRoutes } from './invites.ts';
import { registerMembersRoutes } from './members.ts';
import { registerMessagesRoutes } from './messages.ts';
import { registerPinsRoutes } from './pins.ts';
import { registerReactionsRoutes } from './reactions.ts';
import { registerRolesRoutes } from './roles.ts';
import { registerUsersRoutes } from './users.ts';
import { registerWebhooksRoutes } from './webhooks.ts';

export function registerAllRoutes(ctx: RouteContext): void {
  registerAuthRoutes(ctx);
  registerUsersRoutes(ctx);
  registerApplicationsRoutes(ctx);
  registerCommandsRoutes(ctx);
  registerGatewayRoutes(ctx);
  registerGuildsRoutes(ctx);
  registerChannelsRoutes(ctx);
  registerMembersRoutes(ctx);
  registerRolesRoutes(ctx);
  registerBansRoutes(ctx);
  registerInvitesRoutes(ctx);
  registerMessagesRoutes(ctx);
  registerReactionsRoutes(ctx);
  registerPinsRoutes(ctx);
  registerWebhooksRoutes(ctx);
  registerInteractionsRoutes(ctx);
}
