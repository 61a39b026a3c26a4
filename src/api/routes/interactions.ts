/**
 * Interactions (https://discord.com/developers/docs/interactions/receiving-and-responding): a user invokes an
 * application (POST /interactions, api/interactions/invoke.ts), its bot gets INTERACTION_CREATE on the gateway and
 * answers with the interaction's token (POST /interactions/{id}/{token}/callback, respond.ts), then edits and
 * follows up through the interaction's webhook (followups.ts; the follow-up POST and the /messages/{id} paths
 * are shared with incoming webhooks and routed from routes/webhooks.ts, @original is here).
 */
import type { RouteLimit } from '../ratelimit.ts';
import { RouteLimits } from '../ratelimit.ts';
import type { RouteContext } from '../route.ts';
import { deleteFollowUp, editFollowUp, getFollowUp, requireInteractionWebhook } from '../interactions/followups.ts';
import { invokeInteraction } from '../interactions/invoke.ts';
import { respondToInteraction } from '../interactions/respond.ts';

/** Invocations per user; Discord does not publish its figure. */
const INVOKE: RouteLimit = { bucket: 'interactions.invoke', limit: 50, windowMs: 5000 };
/** Callbacks per caller (no authentication: per address). */
const CALLBACK: RouteLimit = { bucket: 'interactions.callback', limit: 50, windowMs: 1000 };

export function registerInteractionsRoutes(ctx: RouteContext): void {
  ctx.post('/interactions', { auth: 'user', limit: INVOKE, uploads: true }, async (req) => {
    await invokeInteraction(ctx, req);
    return undefined;
  });

  ctx.post('/interactions/:interactionId/:token/callback', { auth: 'none', limit: CALLBACK, uploads: true }, async (req) => respondToInteraction(ctx, req));

  const original = '/webhooks/:webhookId/:token/messages/@original';
  ctx.get(original, { auth: 'none', limit: RouteLimits.webhookManage }, async (req) => getFollowUp(ctx, await requireInteractionWebhook(ctx, req.params), '@original'));
  ctx.patch(original, { auth: 'none', limit: RouteLimits.webhookManage, uploads: true }, async (req) => editFollowUp(ctx, await requireInteractionWebhook(ctx, req.params), '@original', req));
  ctx.delete(original, { auth: 'none', limit: RouteLimits.webhookManage }, async (req) => {
    await deleteFollowUp(ctx, await requireInteractionWebhook(ctx, req.params), '@original');
    return undefined;
  });
}
