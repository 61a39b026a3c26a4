/**
 * Incoming webhooks. With a user or bot token and MANAGE_WEBHOOKS in the channel: create (15 per channel, 1000
 * per guild), list a channel's or a guild's, get, modify (name, avatar, moving it to another channel of the
 * guild) and delete, each change announced with WEBHOOKS_UPDATE (GUILD_WEBHOOKS intent). With the webhook's token
 * and nothing else: get (without `user`), modify (without `channel_id`), delete, execute (api/webhooks/execute.ts;
 * also in Slack's and GitHub's formats) and its messages' get, edit and delete (api/webhooks/messages.ts).
 *
 * Rate limits are per webhook, whoever calls: sending (all three formats together) 5 per 2 s, the rest 5 per
 * second, with Discord's headers (ratelimit.ts). The token is 68 URL-safe characters, shown on create and to
 * MANAGE_WEBHOOKS holders, as Discord does.
 */
import { randomBytes } from 'node:crypto';
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { Permissions } from '../../protocol/permissions.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import { WebhookType, type WebhookRecord } from '../../store/types.ts';
import { webhookJson } from '../../shapes/webhook.ts';
import { followSources } from '../channels/announcements.ts';
import { guildAccess, requirePermission } from '../access.ts';
import { acceptImage, imageBodyLimit } from '../image-fields.ts';
import { RouteLimits } from '../ratelimit.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { parse, queryBool, snowflake, z } from '../validate.ts';
import { loadWebhook, managedWebhook, webhookByToken, webhookManager } from '../webhooks/access.ts';
import { executeSchema, executeWebhook, sendAsWebhook, webhookThread } from '../webhooks/execute.ts';
import { githubEmbed } from '../webhooks/github.ts';
import { deleteWebhookMessage, editWebhookMessage, getWebhookMessage } from '../webhooks/messages.ts';
import { webhookNameSchema } from '../webhooks/names.ts';
import { deleteFollowUp, editFollowUp, getFollowUp, interactionOfWebhook, sendFollowUp } from '../interactions/followups.ts';
import { platformPayload } from '../webhooks/platform-body.ts';
import { slackToExecute } from '../webhooks/slack.ts';
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { WEBHOOK_AUDIT_KEYS, auditEntry, createdChanges, deletedChanges, diffChanges, publishAudit, recordAudit, webhookAudit, type AuditInput } from '../audit-log.ts';

/** Discord's caps. */
export const MAX_WEBHOOKS_PER_CHANNEL = 15;
export const MAX_WEBHOOKS_PER_GUILD = 1000;

/**
 * Channel types a webhook posts in: guild text, voice (its text chat) and announcement channels, forum and media
 * channels (posts by thread_name or thread_id).
 */
const WEBHOOK_CHANNEL_TYPES: ReadonlySet<number> = new Set([0, 2, 5, 15, 16]);

const createBody = z.object({ name: webhookNameSchema, avatar: z.string().nullish() });
const patchBody = z.object({ name: webhookNameSchema.optional(), avatar: z.string().nullish(), channel_id: snowflake.optional() });
const platformQuery = z.object({ wait: queryBool.optional(), thread_id: snowflake.optional() });
/** Forum and media channels: their webhooks post into threads. */
const FORUM_TYPES: ReadonlySet<number> = new Set([15, 16]);

/** A webhook secret: 51 random bytes, 68 URL-safe characters, the length of Discord's. */
function webhookToken(): string {
  return randomBytes(51).toString('base64url');
}

type TokenParams = { webhookId: string; token: string };

export function registerWebhooksRoutes(ctx: RouteContext): void {
  const { store } = ctx.deps;
  const now = () => ctx.deps.now();
  const execute = RouteLimits.webhookExecute;
  const manage = RouteLimits.webhookManage;

  /** WEBHOOKS_UPDATE for a channel, to those who can see it (bots with GUILD_WEBHOOKS). */
  const announce = (w: Pick<WebhookRecord, 'guildId' | 'channelId'>) =>
    ctx.dispatch.guild(w.guildId, 'WEBHOOKS_UPDATE', { guild_id: w.guildId, channel_id: w.channelId }, { channelId: w.channelId });

  /** Webhooks with their creators, tokens shown (the caller manages them). */
  const renderManaged = async (list: readonly WebhookRecord[]) => {
    const creators = new Map((await store.users.getMany([...new Set(list.flatMap((w) => (w.creatorId ? [w.creatorId] : [])))])).map((u) => [u.id, u]));
    // Channel-follower webhooks show what they follow (source_guild, source_channel).
    const sources = await followSources(store, list);
    return list.map((w) => ({ ...webhookJson(w, { creator: w.creatorId ? creators.get(w.creatorId) : null, withToken: true }), ...sources.get(w.id) }));
  };

  const byToken = (req: RouteRequest<TokenParams>) => webhookByToken(store, req.params.webhookId, req.params.token);

  /** Refuses a 16th webhook in the channel and a 1001st in the guild. */
  const checkRoom = async (guildId: string, channelId: string) => {
    if ((await store.webhooks.listByChannel(channelId)).length >= MAX_WEBHOOKS_PER_CHANNEL) throw new ApiError(ErrorCodes.MAX_WEBHOOKS);
    if ((await store.webhooks.countByGuild(guildId)) >= MAX_WEBHOOKS_PER_GUILD) throw new ApiError(ErrorCodes.MAX_GUILD_WEBHOOKS);
  };

  /** Name and avatar changes of a PATCH, by id or by token. */
  const applyPatch = async (webhook: WebhookRecord, body: z.infer<typeof patchBody>, channelId?: string) => {
    const patch: Partial<Pick<WebhookRecord, 'name' | 'avatar' | 'channelId'>> = {};
    if (body.name !== undefined) patch.name = body.name;
    if (body.avatar !== undefined) patch.avatar = await acceptImage(ctx.deps, body.avatar, { field: 'avatar', owner: { kind: 'webhook-avatars', id: webhook.id }, current: webhook.avatar });
    if (channelId !== undefined && channelId !== webhook.channelId) patch.channelId = channelId;
    const updated = await store.webhooks.update(webhook.id, patch);
    announce(updated);
    if (updated.channelId !== webhook.channelId) announce(webhook);
    return updated;
  };

  // ---------------------------------------------------------------------------------- with a user or bot token

  ctx.post('/channels/:channelId/webhooks', { bodyLimit: imageBodyLimit(ctx.deps.config, 1) }, async (req) => {
    const access = await webhookManager(store, req.params.channelId, req.user.id, now());
    const channel = access.channel;
    if (!WEBHOOK_CHANNEL_TYPES.has(channel.type)) throw new ApiError(ErrorCodes.CANNOT_ACT_ON_CHANNEL_TYPE);
    const body = parse(createBody, req.body);
    await checkRoom(channel.guildId!, channel.id);
    const id = ctx.deps.ids.next();
    const avatar = body.avatar != null ? await acceptImage(ctx.deps, body.avatar, { field: 'avatar', owner: { kind: 'webhook-avatars', id } }) : null;
    const webhook = await store.webhooks.create({
      id,
      type: WebhookType.INCOMING,
      guildId: channel.guildId!,
      channelId: channel.id,
      creatorId: req.user.id,
      name: body.name,
      avatar,
      token: webhookToken(),
      // A bot's webhook is its application's (Discord's "application-owned": it may send interactive components).
      applicationId: req.user.bot ? req.user.id : null,
      createdAt: now(),
    });
    announce(webhook);
    await recordAudit(ctx, req, webhook.guildId, { actionType: AuditLogEvent.WEBHOOK_CREATE, targetId: webhook.id, changes: createdChanges(webhookAudit(webhook), WEBHOOK_AUDIT_KEYS) });
    return webhookJson(webhook, { creator: req.user, withToken: true });
  });

  ctx.get('/channels/:channelId/webhooks', {}, async (req) => {
    const access = await webhookManager(store, req.params.channelId, req.user.id, now());
    return renderManaged(await store.webhooks.listByChannel(access.channel.id));
  });

  ctx.get('/guilds/:guildId/webhooks', {}, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    requirePermission(access, Permissions.MANAGE_WEBHOOKS);
    return renderManaged(await store.webhooks.listByGuild(access.guild.id));
  });

  // "Requires the MANAGE_WEBHOOKS permission unless the application making the request owns the webhook."
  ctx.get('/webhooks/:webhookId', { limit: manage }, async (req) => {
    const webhook = await loadWebhook(store, req.params.webhookId);
    const owner = req.user.bot && webhook.applicationId !== null && (await store.applications.get(webhook.applicationId))?.botUserId === req.user.id;
    if (!owner) await webhookManager(store, webhook.channelId, req.user.id, now());
    return (await renderManaged([webhook]))[0];
  });

  ctx.patch('/webhooks/:webhookId', { limit: manage, bodyLimit: imageBodyLimit(ctx.deps.config, 1) }, async (req) => {
    const { webhook } = await managedWebhook(store, req.params.webhookId, req.user.id, now());
    const body = parse(patchBody, req.body);
    let channelId: string | undefined;
    if (body.channel_id !== undefined && body.channel_id !== webhook.channelId) {
      // Within the guild only, into a channel the caller also manages webhooks of, with room for one more.
      const target = isSnowflake(body.channel_id) ? await store.channels.get(body.channel_id) : null;
      if (!target || target.guildId !== webhook.guildId) throw new ApiError(ErrorCodes.UNKNOWN_CHANNEL);
      await webhookManager(store, target.id, req.user.id, now());
      if (!WEBHOOK_CHANNEL_TYPES.has(target.type)) throw new ApiError(ErrorCodes.CANNOT_ACT_ON_CHANNEL_TYPE);
      if ((await store.webhooks.listByChannel(target.id)).length >= MAX_WEBHOOKS_PER_CHANNEL) throw new ApiError(ErrorCodes.MAX_WEBHOOKS);
      channelId = target.id;
    }
    const updated = await applyPatch(webhook, body, channelId);
    const changes = diffChanges(webhookAudit(webhook), webhookAudit(updated), WEBHOOK_AUDIT_KEYS);
    if (changes.length) await recordAudit(ctx, req, webhook.guildId, { actionType: AuditLogEvent.WEBHOOK_UPDATE, targetId: webhook.id, changes });
    return (await renderManaged([updated]))[0];
  });

  ctx.delete('/webhooks/:webhookId', { limit: manage }, async (req) => {
    const { webhook } = await managedWebhook(store, req.params.webhookId, req.user.id, now());
    await store.webhooks.delete(webhook.id);
    announce(webhook);
    await recordAudit(ctx, req, webhook.guildId, { actionType: AuditLogEvent.WEBHOOK_DELETE, targetId: webhook.id, changes: deletedChanges(webhookAudit(webhook), WEBHOOK_AUDIT_KEYS) });
    return undefined;
  });

  // ------------------------------------------------------------------------------------- with the webhook token

  ctx.get('/webhooks/:webhookId/:token', { auth: 'none', limit: manage }, async (req) => {
    return webhookJson(await byToken(req), { withToken: true });
  });

  // Discord takes no channel_id here: moving a webhook needs a user who manages both channels.
  ctx.patch('/webhooks/:webhookId/:token', { auth: 'none', limit: manage, bodyLimit: imageBodyLimit(ctx.deps.config, 1) }, async (req) => {
    const webhook = await byToken(req);
    const { channel_id: _ignored, ...body } = parse(patchBody, req.body);
    const updated = await applyPatch(webhook, body);
    const changes = diffChanges(webhookAudit(webhook), webhookAudit(updated), WEBHOOK_AUDIT_KEYS);
    if (changes.length) await tokenAudit(req, webhook.guildId, { actionType: AuditLogEvent.WEBHOOK_UPDATE, targetId: webhook.id, changes });
    return webhookJson(updated, { withToken: true });
  });

  ctx.delete('/webhooks/:webhookId/:token', { auth: 'none', limit: manage }, async (req) => {
    const webhook = await byToken(req);
    await store.webhooks.delete(webhook.id);
    announce(webhook);
    await tokenAudit(req, webhook.guildId, { actionType: AuditLogEvent.WEBHOOK_DELETE, targetId: webhook.id, changes: deletedChanges(webhookAudit(webhook), WEBHOOK_AUDIT_KEYS) });
    return undefined;
  });

  /**
   * The audit entry of a change made with the webhook's token: Discord documents these routes as the authenticated
   * ones' equals (X-Audit-Log-Reason included); nobody is signed in, so the entry's user_id is null. Logged, never
   * thrown: the change happened.
   */
  async function tokenAudit(req: RouteRequest, guildId: string, input: AuditInput): Promise<void> {
    const entry = { ...auditEntry(ctx, { headers: req.headers, user: { id: '0' } as RouteRequest['user'] }, guildId, input), userId: null };
    try {
      await store.auditLog.create(entry);
    } catch (err) {
      ctx.deps.log.warn({ err, guildId }, 'audit log entry not stored');
      return;
    }
    await publishAudit(ctx, entry);
  }

  // An application's id with a live interaction token is that interaction's webhook (interactions/followups.ts).
  ctx.post('/webhooks/:webhookId/:token', { auth: 'none', limit: execute, uploads: true }, async (req) => {
    const interaction = await interactionOfWebhook(ctx, req.params);
    return interaction ? sendFollowUp(ctx, interaction, req) : executeWebhook(ctx, await byToken(req), req);
  });

  /**
   * The Slack and GitHub routes' query: `wait` (default true) and `thread_id`, "id of the thread to send the message
   * in"; they cannot make a forum post, so into a forum or media channel only with a thread (else 220004).
   */
  const platformTarget = async (req: RouteRequest<{ webhookId: string; token: string }>, webhook: WebhookRecord) => {
    const query = parse(platformQuery, req.query);
    const thread = await webhookThread(ctx, webhook, query.thread_id);
    if (!thread && FORUM_TYPES.has((await store.channels.get(webhook.channelId))?.type ?? -1)) throw new ApiError(ErrorCodes.WEBHOOK_SERVICES_IN_FORUM);
    return { wait: query.wait ?? true, thread: thread ?? undefined };
  };

  ctx.post('/webhooks/:webhookId/:token/slack', { auth: 'none', limit: execute }, async (req) => {
    const webhook = await byToken(req);
    const { wait, thread } = await platformTarget(req, webhook);
    try {
      const body = slackToExecute(platformPayload(req.body, ctx.deps.config.jsonMaxDepth));
      await sendAsWebhook(ctx, webhook, parse(executeSchema, body), undefined, false, thread);
    } catch (err) {
      // wait=false: Slack's fire-and-forget, a refused message is not reported (Discord's documented behaviour).
      if (wait || !(err instanceof ApiError)) throw err;
    }
    return req.reply.status(200).type('text/html; charset=utf-8').send('ok');
  });

  ctx.post('/webhooks/:webhookId/:token/github', { auth: 'none', limit: execute }, async (req) => {
    const webhook = await byToken(req);
    const { wait, thread } = await platformTarget(req, webhook);
    const event = String(req.headers['x-github-event'] ?? '');
    const embed = githubEmbed(event, platformPayload(req.body, ctx.deps.config.jsonMaxDepth));
    if (!embed) return undefined;
    try {
      await sendAsWebhook(ctx, webhook, parse(executeSchema, { embeds: [embed] }), undefined, false, thread);
    } catch (err) {
      if (wait || !(err instanceof ApiError)) throw err;
    }
    return undefined;
  });

  ctx.get('/webhooks/:webhookId/:token/messages/:messageId', { auth: 'none', limit: manage }, async (req) => {
    const interaction = await interactionOfWebhook(ctx, req.params);
    return interaction ? getFollowUp(ctx, interaction, req.params.messageId) : getWebhookMessage(ctx, await byToken(req), req);
  });

  ctx.patch('/webhooks/:webhookId/:token/messages/:messageId', { auth: 'none', limit: manage, uploads: true }, async (req) => {
    const interaction = await interactionOfWebhook(ctx, req.params);
    return interaction ? editFollowUp(ctx, interaction, req.params.messageId, req) : editWebhookMessage(ctx, await byToken(req), req);
  });

  ctx.delete('/webhooks/:webhookId/:token/messages/:messageId', { auth: 'none', limit: manage }, async (req) => {
    const interaction = await interactionOfWebhook(ctx, req.params);
    if (interaction) await deleteFollowUp(ctx, interaction, req.params.messageId);
    else await deleteWebhookMessage(ctx, await byToken(req), req);
    return undefined;
  });

}
