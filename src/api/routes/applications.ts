/**
 * Bots: applications and their bot users (same id, as on Discord), bot token resets, and the OAuth2 "add bot
 * to guild" flow (POST /oauth2/authorize with scope=bot) that makes the bot a member with its managed role.
 * An application's `interactions_endpoint_url` is checked before it is saved (interactions/http-delivery.ts).
 */
import { integrationAdded } from '../integrations.ts';
import { recordAudit } from '../audit-log.ts';
import { AuditLogEvent } from '../../protocol/audit-log.ts';
import { postJoinMessage } from '../messages/system.ts';
import { issueToken, sha256Hex, tokenPublicId } from '../../lib/secrets.ts';
import { CODE_TTL_MS, MAX_REDIRECT_URIS, newOAuth2Secret, OAUTH2_SCOPES, parseScopes, redirectAllowed, withQuery } from '../oauth2.ts';
import { ApplicationFlags } from '../../protocol/intents.ts';
import { ApiError, ErrorCodes, fieldError } from '../../protocol/errors.ts';
import { Permissions, parsePermissions } from '../../protocol/permissions.ts';
import { ConflictError } from '../../store/errors.ts';
import type { ApplicationRecord, MemberRecord, RoleRecord, UserRecord } from '../../store/types.ts';
import { applicationAccess, guildAccess, requirePermission } from '../access.ts';
import { publicHttpBase } from '../public-url.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { applicationJson, memberJson, partialGuildJson, roleJson } from '../../shapes/serialize.ts';
import { parse, permissionString, snowflake, z } from '../validate.ts';
import { acceptImage, imageBodyLimit } from '../image-fields.ts';
import { assertNotBanned } from './bans.ts';
import { verifyInteractionsEndpoint } from '../interactions/http-delivery.ts';
import { newInteractionsKey, withInteractionsKey } from '../interactions/signing.ts';
import { revokeTokens } from './auth.ts';

/** Flags an owner may set: the privileged-intent switches of the developer portal. Other bits are Discord's to set. */
const EDITABLE_FLAGS = Object.values(ApplicationFlags).reduce((a, b) => a | b, 0);

const createBody = z.object({ name: z.string().trim().min(2).max(32), description: z.string().max(400).optional() });

const patchBody = z.object({
  name: z.string().trim().min(2).max(32).optional(),
  description: z.string().max(400).optional(),
  icon: z.string().nullish(),
  flags: z.number().int().nonnegative().optional(),
  bot_public: z.boolean().optional(),
  bot_require_code_grant: z.boolean().optional(),
  // Discord's limit for URL fields; null or "" removes it (interactions go back to the gateway).
  interactions_endpoint_url: z.string().trim().max(2048).nullish(),
  // Where the OAuth2 code grant may send users back to (api/oauth2.ts): http(s) URLs, at most 10.
  redirect_uris: z.array(z.string().trim().url().max(2048).refine((u) => /^https?:\/\//i.test(u), 'Must be an http(s) URL')).max(MAX_REDIRECT_URIS).optional(),
});

const authorizeQuery = z.object({
  client_id: snowflake,
  scope: z.string().optional(),
  permissions: permissionString.optional(),
  // 0 GUILD_INSTALL (the default), 1 USER_INSTALL (Discord's installation contexts).
  integration_type: z.coerce.number().int().optional(),
  // The authorization code grant (api/oauth2.ts): response_type=code with a registered redirect_uri.
  response_type: z.string().optional(),
  redirect_uri: z.string().max(2048).optional(),
  state: z.string().max(1024).optional(),
  prompt: z.string().optional(),
});

const authorizeBody = z.object({
  guild_id: snowflake.optional(),
  permissions: permissionString.optional(),
  authorize: z.boolean().default(true),
});

/** A bot username derived from the application name: lowercased, reduced to [a-z0-9_.], padded to 2 chars. */
/**
 * A bot's discriminator: bots kept Discord's four-digit tags when people moved to unique usernames ("0"). Derived
 * from the bot's id, so it is stable and needs no lookup (1–9999, zero-padded); usernames stay unique anyway.
 */
export function botDiscriminator(id: string): string {
  return String((BigInt(id) % 9999n) + 1n).padStart(4, '0');
}

export function botUsernameBase(name: string): string {
  const base = name.toLowerCase().replace(/\s+/g, '_').replace(/[^a-z0-9_.]/g, '').slice(0, 28);
  return base.length >= 2 ? base : `${base}bot`.slice(0, 28);
}

export function registerApplicationsRoutes(ctx: RouteContext): void {
  const { store, ids, now, config } = ctx.deps;

  const full = async (app: ApplicationRecord) => {
    const [bot, owner, keyed, client] = await Promise.all([
      store.users.get(app.botUserId), store.users.get(app.ownerId), withInteractionsKey(store, app), store.oauth2.getClient(app.id),
    ]);
    return { ...applicationJson(keyed, bot ?? undefined, owner ?? undefined), redirect_uris: client.redirectUris };
  };

  /** The application named in the path, for its owner only: 10002 unknown, 50001 someone else's. */
  const owned = (req: RouteRequest<{ appId: string }>) => applicationAccess(store, req.params.appId, req.user.id);

  const current = async (req: RouteRequest) => {
    const app = await store.applications.getByBotUser(req.user.id);
    if (!app) throw new ApiError(ErrorCodes.UNKNOWN_APPLICATION);
    return app;
  };

  const edit = async (app: ApplicationRecord, input: unknown) => {
    const body = parse(patchBody, input);
    const patch: Partial<ApplicationRecord> = {};
    if (body.name !== undefined) patch.name = body.name;
    if (body.description !== undefined) patch.description = body.description;
    if (body.flags !== undefined) patch.flags = (app.flags & ~EDITABLE_FLAGS) | (body.flags & EDITABLE_FLAGS);
    if (body.bot_public !== undefined) patch.botPublic = body.bot_public;
    if (body.bot_require_code_grant !== undefined) patch.botRequireCodeGrant = body.bot_require_code_grant;
    if (body.interactions_endpoint_url !== undefined) {
      const url = body.interactions_endpoint_url || null;
      // Checked as Discord checks it (a signed PING answered, a badly signed one refused) when it changes.
      if (url !== null && url !== (app.interactionsEndpointUrl ?? null)) await checkEndpointUrl(ctx, app, url);
      patch.interactionsEndpointUrl = url;
    }
    if (body.redirect_uris !== undefined) await store.oauth2.setRedirectUris(app.id, [...new Set(body.redirect_uris)]);
    // Last, once the rest is valid: a new icon's bytes are stored before its hash.
    if (body.icon !== undefined) patch.icon = await acceptImage(ctx.deps, body.icon, { field: 'icon', owner: { kind: 'app-icons', id: app.id }, current: app.icon });
    return full(Object.keys(patch).length ? await store.applications.update(app.id, patch) : app);
  };

  // At most maxApplicationsPerUser each, with Discord's code for it (50011). Two creates racing at the cap may
  // both pass: the cap bounds abuse, it is not an invariant anything relies on.
  ctx.post('/applications', { auth: 'user', status: 201 }, async (req) => {
    const body = parse(createBody, req.body);
    if ((await store.applications.listByOwner(req.user.id)).length >= config.maxApplicationsPerUser) {
      throw new ApiError(ErrorCodes.OAUTH2_APPLICATION_LIMIT);
    }
    const id = ids.next();
    const at = now();
    const app: ApplicationRecord = {
      id, name: body.name, description: body.description ?? '', icon: null, ownerId: req.user.id, botUserId: id,
      botPublic: true, botRequireCodeGrant: false, flags: 0, createdAt: at, interactionsKey: newInteractionsKey(),
    };
    const base = botUsernameBase(body.name);
    // Usernames are unique: try the plain name, then numbered variants; a race with another sign-up just
    // moves on to the next candidate.
    for (let attempt = 0; attempt < 20; attempt++) {
      const username = attempt === 0 ? base : `${base}${attempt < 10 ? attempt + 1 : Math.floor(Math.random() * 9000) + 1000}`;
      if (await store.users.findByLogin(username)) continue;
      const bot: UserRecord = {
        id, username, discriminator: botDiscriminator(id), globalName: body.name, avatar: null, banner: null, bio: '', email: null,
        passwordHash: null, bot: true, system: false, flags: 0, createdAt: at,
      };
      try {
        await store.applications.create(app, bot);
        return applicationJson(app, bot, req.user);
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    throw fieldError('name', 'USERNAME_TOO_MANY_USERS', 'Too many users have this username, please try another.');
  });

  ctx.get('/applications', { auth: 'user' }, async (req) => Promise.all((await store.applications.listByOwner(req.user.id)).map(full)));
  ctx.get('/applications/@me', { auth: 'bot' }, async (req) => full(await current(req)));
  ctx.patch('/applications/@me', { auth: 'bot', bodyLimit: imageBodyLimit(config, 1) }, async (req) => edit(await current(req), req.body));
  ctx.get('/oauth2/applications/@me', { auth: 'bot' }, async (req) => full(await current(req)));
  ctx.get('/applications/:appId', { auth: 'user' }, async (req) => full(await owned(req)));
  // Activities (embedded apps launched in voice channels) need voice, which Accord does not have: no instance exists,
  // so the application's own bot gets Discord's answer for an unknown one, `{"message": "404: Not Found", "code": 0}`.
  ctx.get('/applications/:appId/activity-instances/:instanceId', { auth: 'bot' }, async (req) => {
    const app = await store.applications.get(req.params.appId);
    if (!app) throw new ApiError(ErrorCodes.UNKNOWN_APPLICATION);
    if (app.botUserId !== req.user.id) throw new ApiError(ErrorCodes.NOT_AUTHORIZED_FOR_APPLICATION);
    throw new ApiError(ErrorCodes.GENERAL, { status: 404, message: '404: Not Found' });
  });
  ctx.patch('/applications/:appId', { auth: 'user', bodyLimit: imageBodyLimit(config, 1) }, async (req) => edit(await owned(req), req.body));

  // One transaction: a failed reset leaves the old token working (retry it), a successful one only the new.
  // Gateway sessions opened with an old token are closed (4004) on every sessions node.
  ctx.post('/applications/:appId/bot/reset', { auth: 'user' }, async (req) => {
    const app = await owned(req);
    const at = now();
    const issued = issueToken(app.botUserId, at);
    const revoked = await store.tokens.replaceForUser(app.botUserId, 'bot', {
      userId: app.botUserId, hash: issued.hash, kind: 'bot', createdAt: at, lastUsedAt: at, clientOs: null, clientPlatform: null,
    });
    if (revoked.length) revokeTokens(ctx, { userId: app.botUserId, tokenIds: revoked.map((t) => tokenPublicId(t.hash)) });
    return { token: issued.token };
  });

  const authorizable = async (req: RouteRequest) => {
    const q = parse(authorizeQuery, req.query);
    const app = await store.applications.get(q.client_id);
    if (!app) throw new ApiError(ErrorCodes.UNKNOWN_APPLICATION);
    const scopes = (q.scope ?? (q.integration_type === 1 ? 'applications.commands' : 'bot')).split(/[\s+]+/).filter(Boolean);
    if (q.integration_type !== undefined && q.integration_type !== 0 && q.integration_type !== 1) throw fieldError('integration_type', 'BASE_TYPE_CHOICES', 'Value must be one of {0, 1}.');
    if (q.integration_type === 1) {
      // A user install grants the application's commands to the user's account: no bot joins anything.
      if (!scopes.includes('applications.commands')) throw fieldError('scope', 'BASE_TYPE_CHOICES', 'A user install needs the "applications.commands" scope');
      if (scopes.includes('bot')) throw fieldError('scope', 'BASE_TYPE_CHOICES', 'The "bot" scope is for guild installs only');
    } else if (!scopes.includes('bot')) throw fieldError('scope', 'BASE_TYPE_CHOICES', 'Only the "bot" scope is supported');
    if (!app.botPublic && app.ownerId !== req.user.id) throw new ApiError(ErrorCodes.MISSING_ACCESS, { message: 'Private application cannot be added by others' });
    return { app, q, scopes };
  };

  /**
   * The authorization code grant's checks (response_type=code): a known application, scopes Accord grants, and a
   * redirect_uri the application registered, exactly (no open redirect). 50035 on the field that is wrong.
   */
  const codeGrant = async (req: RouteRequest) => {
    const q = parse(authorizeQuery, req.query);
    const app = await store.applications.get(q.client_id);
    if (!app) throw new ApiError(ErrorCodes.UNKNOWN_APPLICATION);
    const scopes = parseScopes(q.scope);
    const unknown = scopes.filter((s) => !OAUTH2_SCOPES.has(s));
    if (!scopes.length || unknown.length) throw fieldError('scope', 'SCOPE_INVALID', unknown.length ? `Invalid scope: ${unknown.join(', ')}` : 'This field is required');
    const client = await store.oauth2.getClient(app.id);
    if (!q.redirect_uri || !redirectAllowed(client.redirectUris, q.redirect_uri)) throw fieldError('redirect_uri', 'INVALID_OAUTH_REDIRECT', 'Invalid "redirect_uri" in request.');
    return { app, scopes, redirectUri: q.redirect_uri, state: q.state };
  };

  // What Discord's consent screen shows: the application, its bot, and the guilds the caller may add it to; for
  // the code grant, the scopes asked for and where the answer goes.
  ctx.get('/oauth2/authorize', { auth: 'user' }, async (req) => {
    if ((req.query as { response_type?: unknown }).response_type === 'code') {
      const { app, scopes, redirectUri } = await codeGrant(req);
      return { application: await full(app), scopes, redirect_uri: redirectUri, user: { id: req.user.id, username: req.user.username }, authorized: false };
    }
    const { app, q } = await authorizable(req);
    const guildIds = await store.guilds.listIdsForUser(req.user.id);
    const guilds = [];
    for (const id of guildIds) {
      const access = await guildAccess(store, id, req.user.id, now());
      if ((access.permissions & Permissions.MANAGE_GUILD) === Permissions.MANAGE_GUILD) guilds.push(partialGuildJson(access.guild, access.permissions, req.user.id));
    }
    const bot = await store.users.get(app.botUserId);
    return { application: await full(app), ...(bot ? { bot: { ...applicationJson(app, bot).bot, approximate_guild_count: 0 } } : {}), user: { id: req.user.id, username: req.user.username }, authorized: false, guilds, ...(q.permissions ? { permissions: q.permissions } : {}) };
  });

  ctx.post('/oauth2/authorize', { auth: 'user' }, async (req) => {
    if ((req.query as { response_type?: unknown }).response_type === 'code') {
      const { app, scopes, redirectUri, state } = await codeGrant(req);
      const body = parse(authorizeBody, req.body);
      if (!body.authorize) return { location: withQuery(redirectUri, { error: 'access_denied', error_description: 'The resource owner or authorization server denied the request', state }) };
      const code = newOAuth2Secret();
      await store.oauth2.createCode({ codeHash: sha256Hex(code), applicationId: app.id, userId: req.user.id, scopes, redirectUri, expiresAt: now() + CODE_TTL_MS });
      return { location: withQuery(redirectUri, { code, state }) };
    }
    const { app, q, scopes } = await authorizable(req);
    const body = parse(authorizeBody, req.body);
    const location = `${publicHttpBase(ctx.deps.config, req.raw)}/oauth2/authorized`;
    if (!body.authorize) return { location: `${location}?error=access_denied` };
    if (q.integration_type === 1) {
      // Installed to the caller's account (api/interactions/installation.ts decides where its commands work).
      await store.userInstallations.put({ applicationId: app.id, userId: req.user.id, scopes, createdAt: now() });
      return { location };
    }
    if (!body.guild_id) throw fieldError('guild_id', 'BASE_TYPE_REQUIRED', 'This field is required');
    const access = await guildAccess(store, body.guild_id, req.user.id, now());
    requirePermission(access, Permissions.MANAGE_GUILD);
    const permissions = parsePermissions(body.permissions ?? q.permissions ?? '0');
    // Nobody hands a bot more than they hold themselves (admins and the owner hold everything).
    requirePermission(access, permissions);
    await assertNotBanned(store, access.guild.id, app.botUserId);
    if (await store.members.get(access.guild.id, app.botUserId)) return { location };
    try {
      await addBot(ctx, req, access.guild.id, app, permissions);
    } catch (err) {
      // A concurrent authorize added the bot first (and nothing of ours was stored): added either way.
      if (!(err instanceof ConflictError && err.entity === 'member')) throw err;
    }
    return { location };
  });
}

/** A URL the application's interactions may be sent to: http(s), and verified; 50035 otherwise, as Discord answers. */
async function checkEndpointUrl(ctx: RouteContext, app: ApplicationRecord, url: string): Promise<void> {
  const field = 'interactions_endpoint_url';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw fieldError(field, 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw fieldError(field, 'URL_TYPE_INVALID_SCHEME', `Scheme "${parsed.protocol.slice(0, -1)}" is not supported. Scheme must be one of ('http', 'https').`);
  }
  if (!(await verifyInteractionsEndpoint(ctx.deps, app, url))) {
    throw fieldError(field, 'APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID', 'The specified interactions endpoint url could not be verified.');
  }
}

/**
 * Adds the bot with its managed role (only when it was granted permissions, as on Discord), in one store
 * transaction: a membership that fails leaves no orphan role.
 */
async function addBot(ctx: RouteContext, req: RouteRequest, guildId: string, app: ApplicationRecord, permissions: bigint): Promise<void> {
  const { store, ids, now } = ctx.deps;
  const bot = await store.users.get(app.botUserId);
  if (!bot) throw new ApiError(ErrorCodes.UNKNOWN_USER);
  const role: RoleRecord | null = permissions === 0n ? null : {
    id: ids.next(), guildId, name: bot.globalName ?? bot.username, color: 0, hoist: false,
    // New roles sit just above @everyone (Discord's placement); ties are ordered by id.
    position: 1, permissions: permissions.toString(), managed: true, mentionable: false, icon: null, unicodeEmoji: null,
    botId: bot.id, flags: 0,
  };
  const record: MemberRecord = {
    guildId, userId: bot.id, nick: null, avatar: null, roles: role ? [role.id] : [], joinedAt: now(), deaf: false, mute: false,
    pending: false, communicationDisabledUntil: null, flags: 0,
  };
  const member = role ? await store.members.addWithRole(record, role) : await store.members.add(record);
  if (role) ctx.dispatch.guild(guildId, 'GUILD_ROLE_CREATE', { guild_id: guildId, role: roleJson(role) });
  ctx.dispatch.guild(guildId, 'GUILD_MEMBER_ADD', { ...memberJson(member, bot), guild_id: guildId });
  await integrationAdded(ctx, guildId, bot);
  await recordAudit(ctx, req, guildId, { actionType: AuditLogEvent.BOT_ADD, targetId: bot.id });
  await postJoinMessage(ctx, guildId, bot);
}
