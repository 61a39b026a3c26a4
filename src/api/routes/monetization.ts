/**
 * Discord's monetization endpoints, answered for a server that sells nothing: an application has no SKUs, so it has
 * no entitlements and no subscriptions. Listing answers empty lists (with Discord's query checks); anything named
 * by id is Unknown SKU (10027) or Unknown Entitlement (10029), and a test entitlement cannot be made for a SKU that
 * does not exist. A bot that checks `interaction.entitlements` or lists its SKUs at start-up gets true answers.
 *
 * Who may call: the application's bot or its owner, as for the application's other resources (applicationAccess).
 * Decided: Accord has no store, payments or premium apps; these routes exist so that a bot written for Discord runs
 * unchanged and learns that nothing is for sale here.
 */
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { applicationAccess } from '../access.ts';
import type { RouteContext } from '../route.ts';
import { parse, queryBool, snowflake, z } from '../validate.ts';

/** List Entitlements' query (Discord's: sku_ids is a comma-delimited list). */
const entitlementsQuery = z.object({
  user_id: snowflake.optional(),
  sku_ids: z.string().max(4000).optional().refine((v) => v === undefined || v.split(',').every((id) => /^\d{17,20}$/.test(id)), { error: 'Value is not a list of snowflakes.' }),
  before: snowflake.optional(),
  after: snowflake.optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
  guild_id: snowflake.optional(),
  exclude_ended: queryBool.optional(),
  exclude_deleted: queryBool.optional(),
});

/** Create Test Entitlement's body: owner_type 1 is a guild subscription, 2 a user's. */
const testEntitlementBody = z.object({
  sku_id: snowflake,
  owner_id: snowflake,
  owner_type: z.union([z.literal(1), z.literal(2)]),
});

const subscriptionsQuery = z.object({
  before: snowflake.optional(),
  after: snowflake.optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
  user_id: snowflake.optional(),
});

export function registerMonetizationRoutes(ctx: RouteContext): void {
  const { store } = ctx.deps;
  const app = (appId: string, userId: string) => applicationAccess(store, appId, userId, { bot: true });

  ctx.get('/applications/:appId/skus', {}, async (req) => {
    await app(req.params.appId, req.user.id);
    return [];
  });

  ctx.get('/applications/:appId/entitlements', {}, async (req) => {
    await app(req.params.appId, req.user.id);
    parse(entitlementsQuery, req.query);
    return [];
  });

  ctx.get('/applications/:appId/entitlements/:entitlementId', {}, async (req) => {
    await app(req.params.appId, req.user.id);
    throw new ApiError(ErrorCodes.UNKNOWN_ENTITLEMENT);
  });

  ctx.post('/applications/:appId/entitlements/:entitlementId/consume', { status: 204 }, async (req) => {
    await app(req.params.appId, req.user.id);
    throw new ApiError(ErrorCodes.UNKNOWN_ENTITLEMENT);
  });

  ctx.post('/applications/:appId/entitlements', {}, async (req) => {
    await app(req.params.appId, req.user.id);
    parse(testEntitlementBody, req.body);
    throw new ApiError(ErrorCodes.UNKNOWN_SKU);
  });

  ctx.delete('/applications/:appId/entitlements/:entitlementId', { status: 204 }, async (req) => {
    await app(req.params.appId, req.user.id);
    throw new ApiError(ErrorCodes.UNKNOWN_ENTITLEMENT);
  });

  // A SKU belongs to an application; with none anywhere, every id is unknown (after the query is checked).
  ctx.get('/skus/:skuId/subscriptions', {}, async (req) => {
    parse(subscriptionsQuery, req.query);
    throw new ApiError(ErrorCodes.UNKNOWN_SKU);
  });

  ctx.get('/skus/:skuId/subscriptions/:subscriptionId', {}, async () => {
    throw new ApiError(ErrorCodes.UNKNOWN_SKU);
  });
}
