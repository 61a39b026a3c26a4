/**
 * OAuth2 endpoints (api/oauth2.ts has the rules): the token endpoint (authorization_code, refresh_token,
 * client_credentials), revocation, the current authorization (/oauth2/@me), an application's client secret (reset
 * by its owner, shown once), and adding a user to a guild with their guilds.join token (PUT
 * /guilds/{guild.id}/members/{user.id}, by the application's bot). The authorize step (a user's consent, a code
 * sent to the redirect URI) is in routes/applications.ts beside the bot install it shares a page with.
 *
 * The token endpoint answers errors as RFC 6749 says and Discord does: `{error, error_description}` with 400 (401
 * for a client that failed to authenticate), plus the API's `code` (0) and `message`.
 */
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { Permissions } from '../../protocol/permissions.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import { sha256Hex } from '../../lib/secrets.ts';
import { applicationJson, memberJson, publicUser } from '../../shapes/serialize.ts';
import { ConflictError } from '../../store/errors.ts';
import type { ApplicationRecord, MemberRecord } from '../../store/types.ts';
import { applicationAccess, guildAccess, requirePermission } from '../access.ts';
import { CLIENT_CREDENTIALS_SCOPES, grantedUser, issueAccessToken, newOAuth2Secret, parseScopes, secretMatches } from '../oauth2.ts';
import { RouteLimits } from '../ratelimit.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { parse, snowflake, z } from '../validate.ts';
import { postJoinMessage } from '../messages/system.ts';
import { assertNotBanned } from './bans.ts';
import { requireRoleBelow } from './roles.ts';

/** An RFC 6749 error answer. */
class OAuthError extends Error {
  constructor(readonly status: number, readonly error: string, readonly description: string) {
    super(description);
  }
}

const tokenBody = z.object({
  grant_type: z.string().optional(),
  code: z.string().max(128).optional(),
  redirect_uri: z.string().max(2048).optional(),
  refresh_token: z.string().max(128).optional(),
  scope: z.string().max(1000).optional(),
  client_id: z.string().max(32).optional(),
  client_secret: z.string().max(128).optional(),
});
const revokeBody = tokenBody.extend({ token: z.string().max(128).optional(), token_type_hint: z.string().max(32).optional() });
const addMemberBody = z.object({
  access_token: z.string().min(1).max(128),
  nick: z.string().min(1).max(32).nullish(),
  roles: z.array(snowflake).max(250).nullish(),
  mute: z.boolean().nullish(),
  deaf: z.boolean().nullish(),
});

export function registerOAuth2Routes(ctx: RouteContext): void {
  const { store } = ctx.deps;
  const now = () => ctx.deps.now();

  /** The client from HTTP Basic (client_id:client_secret) or the body's client_id and client_secret. */
  const authenticateClient = async (req: RouteRequest, body: { client_id?: string; client_secret?: string }): Promise<ApplicationRecord> => {
    let id = body.client_id;
    let secret = body.client_secret;
    const header = req.headers.authorization;
    if (typeof header === 'string' && header.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) [id, secret] = [decodeURIComponent(decoded.slice(0, colon)), decodeURIComponent(decoded.slice(colon + 1))];
    }
    const app = id && isSnowflake(id) ? await store.applications.get(id) : null;
    const client = app ? await store.oauth2.getClient(app.id) : null;
    if (!app || !client || !secretMatches(client.secretHash, secret ?? '')) throw new OAuthError(401, 'invalid_client', 'Invalid client.');
    return app;
  };

  /** Runs an RFC 6749 endpoint: its errors become `{error, error_description}`. */
  const oauthEndpoint = (fn: (req: RouteRequest) => Promise<unknown>) => async (req: RouteRequest) => {
    try {
      return await fn(req);
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      // RFC 6749's fields, which OAuth2 clients read, and Discord's `code` / `message` beside them, which every
      // other error of the API carries.
      return req.reply.status(err.status).send({ error: err.error, error_description: err.description, code: 0, message: err.description });
    }
  };
  const formBody = <T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> => {
    const r = schema.safeParse(raw ?? {});
    if (!r.success) throw new OAuthError(400, 'invalid_request', 'Invalid request.');
    return r.data;
  };

  ctx.post('/oauth2/token', { auth: 'none', limit: RouteLimits.oauth2Token }, oauthEndpoint(async (req) => {
    const body = formBody(tokenBody, req.body);
    const app = await authenticateClient(req, body);
    switch (body.grant_type) {
      case 'authorization_code': {
        if (!body.code) throw new OAuthError(400, 'invalid_request', 'Missing "code" in request.');
        // Taken (deleted) whatever comes next: a code is tried once.
        const code = await store.oauth2.takeCode(sha256Hex(body.code));
        if (!code || code.applicationId !== app.id || code.expiresAt <= now()) throw new OAuthError(400, 'invalid_grant', 'Invalid "code" in request.');
        if (body.redirect_uri !== code.redirectUri) throw new OAuthError(400, 'invalid_grant', 'Invalid "redirect_uri" in request.');
        return issueAccessToken(store, { applicationId: app.id, userId: code.userId, scopes: code.scopes }, now());
      }
      case 'refresh_token': {
        if (!body.refresh_token) throw new OAuthError(400, 'invalid_request', 'Missing "refresh_token" in request.');
        const old = await store.oauth2.takeRefresh(sha256Hex(body.refresh_token));
        if (!old || old.applicationId !== app.id) throw new OAuthError(400, 'invalid_grant', 'Invalid "refresh_token" in request.');
        return issueAccessToken(store, { applicationId: app.id, userId: old.userId, scopes: old.scopes }, now());
      }
      case 'client_credentials': {
        const scopes = parseScopes(body.scope);
        if (!scopes.length || scopes.some((s) => !CLIENT_CREDENTIALS_SCOPES.has(s))) throw new OAuthError(400, 'invalid_scope', 'The requested scope is invalid, unknown, or malformed.');
        // Discord's "quick and easy way for bot developers to get their own bearer tokens": the owner's.
        return issueAccessToken(store, { applicationId: app.id, userId: app.ownerId, scopes }, now(), false);
      }
      default:
        throw new OAuthError(400, 'unsupported_grant_type', 'Unsupported grant type.');
    }
  }));

  ctx.post('/oauth2/token/revoke', { auth: 'none', limit: RouteLimits.oauth2Token }, oauthEndpoint(async (req) => {
    const body = formBody(revokeBody, req.body);
    const app = await authenticateClient(req, body);
    if (!body.token) throw new OAuthError(400, 'invalid_request', 'Missing "token" in request.');
    // RFC 7009: an unknown token is not an error.
    await store.oauth2.revoke(app.id, sha256Hex(body.token));
    return {};
  }));

  ctx.get('/oauth2/@me', { oauth: 'any' }, async (req) => {
    if (!req.oauth) throw new ApiError(ErrorCodes.GENERAL, { status: 401, message: '401: Unauthorized' });
    const app = await store.applications.get(req.oauth.applicationId);
    if (!app) throw new ApiError(ErrorCodes.UNKNOWN_APPLICATION);
    const { bot: _bot, owner: _owner, ...application } = applicationJson(app) as Record<string, unknown>;
    return {
      application,
      scopes: req.oauth.scopes,
      expires: new Date(req.oauth.expiresAt).toISOString(),
      ...(req.oauth.scopes.includes('identify') ? { user: publicUser(req.user) } : {}),
    };
  });

  /**
   * The user's authorized apps (Discord's client lists them in Settings → Authorized Apps, from GET /oauth2/tokens):
   * one entry per application with the scopes granted, named by the application's id; DELETE ends every grant the
   * user gave it (its access and refresh tokens stop working at once).
   */
  ctx.get('/oauth2/tokens', { auth: 'user' }, async (req) => {
    const grants = await store.oauth2.listGrants(req.user.id, now());
    const out = [];
    for (const g of grants) {
      const app = await store.applications.get(g.applicationId);
      if (!app) continue;
      const { bot: _bot, owner: _owner, ...application } = applicationJson(app) as Record<string, unknown>;
      out.push({ id: app.id, scopes: g.scopes, application });
    }
    return out;
  });

  ctx.delete('/oauth2/tokens/:appId', { auth: 'user' }, async (req) => {
    if (!isSnowflake(req.params.appId) || !(await store.oauth2.revokeApplication(req.user.id, req.params.appId))) {
      throw new ApiError(ErrorCodes.GENERAL, { status: 404, message: '404: Not Found' });
    }
    return undefined;
  });

  /** A new client secret for the application's owner: shown this once, only its hash is kept. */
  ctx.post('/applications/:appId/reset', { auth: 'user', limit: RouteLimits.auth }, async (req) => {
    const app = await applicationAccess(store, req.params.appId, req.user.id);
    const secret = newOAuth2Secret();
    await store.oauth2.setSecret(app.id, sha256Hex(secret));
    return { secret };
  });

  /**
   * Adds the access token's user to the guild (Discord's Add Guild Member): the application's bot calls it with a
   * token of that application carrying guilds.join; the bot needs CREATE_INSTANT_INVITE, and MANAGE_NICKNAMES,
   * MANAGE_ROLES, MUTE_MEMBERS or DEAFEN_MEMBERS for the fields it sets. 201 with the member, 204 when already in.
   */
  ctx.put('/guilds/:guildId/members/:userId', { auth: 'bot', limit: RouteLimits.invitesUse, status: 201 }, async (req) => {
    const access = await guildAccess(store, req.params.guildId, req.user.id, now());
    requirePermission(access, Permissions.CREATE_INSTANT_INVITE);
    const body = parse(addMemberBody, req.body);
    const granted = await grantedUser(store, body.access_token, req.user.id, 'guilds.join', now());
    if (!granted || granted.id !== req.params.userId) throw new ApiError(ErrorCodes.INVALID_OAUTH2_ACCESS_TOKEN);
    const guildId = access.guild.id;
    if (await store.members.get(guildId, granted.id)) return undefined;
    await assertNotBanned(store, guildId, granted.id);
    if (body.nick) requirePermission(access, Permissions.MANAGE_NICKNAMES);
    if (body.mute) requirePermission(access, Permissions.MUTE_MEMBERS);
    if (body.deaf) requirePermission(access, Permissions.DEAFEN_MEMBERS);
    const roles = [...new Set((body.roles ?? []).filter((id) => id !== guildId))];
    if (roles.length) {
      requirePermission(access, Permissions.MANAGE_ROLES);
      for (const id of roles) {
        const role = access.roles.find((r) => r.id === id);
        if (!role || role.managed) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
        requireRoleBelow(access, role);
      }
    }
    const record: MemberRecord = {
      guildId, userId: granted.id, nick: body.nick ?? null, avatar: null, roles, joinedAt: now(), deaf: body.deaf ?? false, mute: body.mute ?? false,
      pending: false, communicationDisabledUntil: null, flags: 0,
    };
    let member: MemberRecord;
    try {
      member = await store.members.add(record);
    } catch (err) {
      // Added meanwhile (another request, an invite): in either way.
      if (err instanceof ConflictError) return undefined;
      throw err;
    }
    ctx.dispatch.guild(guildId, 'GUILD_MEMBER_ADD', { ...memberJson(member, granted), guild_id: guildId });
    await postJoinMessage(ctx, guildId, granted);
    return memberJson(member, granted);
  });
}
