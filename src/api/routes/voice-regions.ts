/**
 * GET /voice/regions and GET /guilds/{id}/regions (members only): Discord's voice region objects. An Accord
 * server is one region, itself: it is the optimal one, and nothing is deprecated or custom.
 */
import { guildAccess } from '../access.ts';
import type { RouteContext } from '../route.ts';

export const VOICE_REGION = { id: 'accord', name: 'Accord', optimal: true, deprecated: false, custom: false } as const;

export function registerVoiceRegionsRoutes(ctx: RouteContext): void {
  const { store, now } = ctx.deps;
  ctx.get('/voice/regions', {}, () => [VOICE_REGION]);
  ctx.get('/guilds/:guildId/regions', {}, async (req) => {
    await guildAccess(store, req.params.guildId, req.user.id, now());
    return [VOICE_REGION];
  });
}
