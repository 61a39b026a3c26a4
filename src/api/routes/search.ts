/**
 * Search Guild Messages (`GET /guilds/{id}/messages/search`) and its channel variant (`GET /channels/{id}/
 * messages/search`, also DMs). The api node decides what the caller may read, at query time (an overwrite
 * change applies to the next search, nothing to reindex): channels where they have VIEW_CHANNEL and
 * READ_MESSAGE_HISTORY, age-restricted ones only with include_nsfw. The search role runs the query over the bus
 * and the hits are rendered as the history route renders messages (without `reactions`, as Discord leaves them
 * out of search results).
 */
import { randomBytes } from 'node:crypto';
import { SearchSubjects, type SearchQueryReply, type SearchQueryRequest } from '../../contracts/index.ts';
import { RoleClient, isRoleDown } from '../../contracts/role-client.ts';
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { Permissions, computeChannelPermissions, hasPermission } from '../../protocol/permissions.ts';
import { renderMessages } from '../../shapes/message.ts';
import type { ChannelRecord, MessageRecord, UserRecord } from '../../store/types.ts';
import { readableContent } from '../message-content.ts';
import { channelAccess, guildAccess, permissionContext, requirePermission } from '../access.ts';
import { readableThreads } from '../channels/threads.ts';
import type { ApiDeps } from '../deps.ts';
import { renderMedia } from '../messages/attachments.ts';
import type { RouteContext } from '../route.ts';
import { parseSearchParams, type SearchParams } from '../search-params.ts';

const READ = Permissions.VIEW_CHANNEL | Permissions.READ_MESSAGE_HISTORY;
const CATEGORY = 4;
/** Discord's retry_after in the 202 "Index not yet available" body, in seconds. */
const INDEX_RETRY_AFTER = 2;

/** One search client (one circuit breaker) per api role, shared by the routes under every prefix. */
const clients = new WeakMap<ApiDeps, RoleClient>();
function searchClient(deps: ApiDeps): RoleClient {
  let client = clients.get(deps);
  if (!client) {
    // A search runs a full-text query and reads its page from the store: more time than a presence lookup.
    client = new RoleClient({ bus: deps.bus, role: 'search', timeoutMs: Math.max(2_000, deps.config.roleTimeoutMs * 2), now: deps.now });
    clients.set(deps, client);
  }
  return client;
}

export function registerSearchRoutes(ctx: RouteContext): void {
  const { store } = ctx.deps;

  ctx.get('/guilds/:guildId/messages/search', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, ctx.deps.now());
    const params = parseSearchParams(req.query);
    const channels = (await store.channels.listByGuild(access.guild.id)).filter((c) => c.type !== CATEGORY);
    const overwrites = await store.overwrites.listByGuild(access.guild.id);
    const permissionsCtx = permissionContext(access.guild, access.member, access.roles, ctx.deps.now());
    const wanted = params.channelIds ? new Set(params.channelIds) : null;
    const permsOf = (channelId: string) => computeChannelPermissions(permissionsCtx, overwrites.filter((o) => o.channelId === channelId).map((o) => ({ id: o.id, type: o.type, allow: BigInt(o.allow), deny: BigInt(o.deny) })));
    const readableChannels = channels.filter((c) => !(c.nsfw && !params.includeNsfw) && hasPermission(permsOf(c.id), READ));
    // Threads of those channels the user may read (channels/threads.ts) are searched with them.
    const threads = await readableThreads(store, access.guild.id, req.user.id, new Set(readableChannels.map((c) => c.id)), permsOf);
    const readable = [...readableChannels, ...threads].filter((c) => !wanted || wanted.has(c.id));
    return search(ctx, req.user, { scopeId: access.guild.id, guild: true }, readable, params);
  });

  ctx.get('/channels/:channelId/messages/search', {}, async (req) => {
    const access = await channelAccess(store, req.params.channelId, req.user.id, ctx.deps.now());
    requirePermission(access, Permissions.READ_MESSAGE_HISTORY);
    const params = parseSearchParams(req.query);
    const channel = access.channel;
    // The same age gate as the guild route: Discord's clients send include_nsfw=true when searching such a channel.
    const readable = channel.nsfw && !params.includeNsfw ? [] : [channel];
    const scope = channel.guildId ? { scopeId: channel.guildId, guild: true } : { scopeId: channel.id, guild: false };
    return search(ctx, req.user, scope, readable, params);
  });
}

async function search(
  ctx: RouteContext, viewer: UserRecord, scope: { scopeId: string; guild: boolean }, channels: readonly ChannelRecord[], params: SearchParams,
): Promise<Record<string, unknown>> {
  const { store } = ctx.deps;
  const { channelIds: _narrowed, includeNsfw: _nsfw, ...filters } = params;
  const request: SearchQueryRequest = {
    ...filters,
    ...scope,
    // An author type filter that excludes every type matches nothing: the index is still asked (for the 202).
    channelIds: params.authorTypes?.length === 0 ? [] : channels.map((c) => c.id),
  };
  let reply: SearchQueryReply;
  try {
    reply = await searchClient(ctx.deps).request(SearchSubjects.query, request);
  } catch (err) {
    // No search node answered in time (or its breaker is open): Discord answers an outage of a backing service
    // with a 5xx and code 0; 503 says it is temporary. Nothing else of the api depends on the search role.
    if (isRoleDown(err)) throw new ApiError(ErrorCodes.GENERAL, { status: 503, message: 'Service Unavailable' });
    throw err;
  }
  if (reply.status === 'indexing') {
    throw new ApiError(ErrorCodes.INDEX_NOT_READY, { extra: { documents_indexed: reply.documentsIndexed, retry_after: INDEX_RETRY_AFTER } });
  }
  const byChannel = new Map<string, string[]>();
  for (const { channelId, id } of reply.ids) {
    const list = byChannel.get(channelId);
    if (list) list.push(id);
    else byChannel.set(channelId, [id]);
  }
  const records = new Map<string, MessageRecord>();
  for (const [channelId, ids] of byChannel) for (const m of await store.messages.getMany(channelId, ids)) records.set(m.id, m);
  const page = reply.ids.map((r) => records.get(r.id)).filter((m): m is MessageRecord => m !== undefined);
  // A bot without MESSAGE_CONTENT reads results as it reads history (api/message-content.ts).
  const rendered = await readableContent(store, viewer, { guildId: scope.guild ? scope.scopeId : null }, await renderMessages(store, page, { viewerId: viewer.id, media: renderMedia(ctx.deps) }));
  return {
    analytics_id: randomBytes(16).toString('hex'),
    doing_deep_historical_index: false,
    total_results: reply.total,
    // Discord nests each hit in an array (it once carried surrounding messages) and marks it `hit: true`.
    messages: rendered.map(({ reactions: _reactions, ...m }) => [{ ...m, hit: true }]),
    threads: [],
    members: [],
  };
}
