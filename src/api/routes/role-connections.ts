/**
 * Linked roles (https://discord.com/developers/docs/resources/application-role-connection-metadata): an
 * application's role connection metadata (`GET/PUT /applications/{id}/role-connections/metadata`, its bot or its
 * owner; at most 5 records, keys unique), and what it says of a user
 * (`GET/PUT /users/@me/applications/{id}/role-connection`): the user's account on its platform and a value for
 * each metadata key. Writing a connection takes an OAuth2 access token with `role_connections.write` for that
 * application, as on Discord, so that only the application speaks for its platform; the user reads their own with
 * such a token or their log-in.
 *
 * Values are strings checked against the record's type: an integer (types 1–4), an ISO 8601 date and time (5, 6) or
 * "0" / "1" (7, 8). Decided: Accord keeps the records and the connections (and shows both in the web client) but does
 * not yet turn them into role requirements: a server cannot make a role require an application's metadata.
 */
import { ApiError, ErrorCodes, fieldError, formError } from '../../protocol/errors.ts';
import { isDiscordLocale } from '../../protocol/locales.ts';
import type { RoleConnectionMetadataRecord, UserRoleConnectionRecord } from '../../store/types.ts';
import { applicationAccess } from '../access.ts';
import type { RouteContext } from '../route.ts';
import { parse, z } from '../validate.ts';

export const ROLE_CONNECTION_SCOPE = 'role_connections.write';
const MAX_RECORDS = 5;

const localized = (max: number) => z.record(z.string(), z.string().min(1).max(max)).nullish();
const recordBody = z.object({
  type: z.number().int().min(1).max(8),
  key: z.string().regex(/^[a-z0-9_]{1,50}$/, 'Must be 1–50 characters of a-z, 0-9 and _'),
  name: z.string().min(1).max(100),
  name_localizations: localized(100),
  description: z.string().min(1).max(200),
  description_localizations: localized(200),
});
const metadataBody = z.array(recordBody).max(MAX_RECORDS);
const connectionBody = z.object({
  platform_name: z.string().max(50).nullish(),
  platform_username: z.string().max(100).nullish(),
  metadata: z.record(z.string(), z.union([z.string().max(100), z.number(), z.boolean()])).nullish(),
});

export function metadataRecordJson(r: RoleConnectionMetadataRecord) {
  return {
    type: r.type, key: r.key, name: r.name, ...(r.nameLocalizations ? { name_localizations: r.nameLocalizations } : {}),
    description: r.description, ...(r.descriptionLocalizations ? { description_localizations: r.descriptionLocalizations } : {}),
  };
}

function connectionJson(c: UserRoleConnectionRecord | null) {
  return { platform_name: c?.platformName ?? null, platform_username: c?.platformUsername ?? null, metadata: c?.metadata ?? {} };
}

/** A metadata value as stored (a string), or null when it does not fit the record's type. */
function metadataValue(type: number, v: string | number | boolean): string | null {
  const text = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  if (type <= 4) return /^-?\d{1,19}$/.test(text) ? text : null;
  if (type <= 6) return Number.isFinite(Date.parse(text)) ? text : null;
  return text === '0' || text === '1' ? text : null;
}

export function registerRoleConnectionRoutes(ctx: RouteContext): void {
  const { store } = ctx.deps;

  ctx.get('/applications/:appId/role-connections/metadata', {}, async (req) => {
    const app = await applicationAccess(store, req.params.appId, req.user.id, { bot: true });
    return (await store.roleConnections.getMetadata(app.id)).map(metadataRecordJson);
  });

  ctx.put('/applications/:appId/role-connections/metadata', {}, async (req) => {
    const app = await applicationAccess(store, req.params.appId, req.user.id, { bot: true });
    const body = parse(metadataBody, req.body);
    const seen = new Set<string>();
    body.forEach((r, i) => {
      if (seen.has(r.key)) throw fieldError([i, 'key'], 'APPLICATION_ROLE_CONNECTION_METADATA_DUPLICATE_KEY', 'Keys must be unique');
      seen.add(r.key);
      for (const [field, map] of [['name_localizations', r.name_localizations], ['description_localizations', r.description_localizations]] as const) {
        for (const locale of Object.keys(map ?? {})) {
          if (!isDiscordLocale(locale)) throw formError([{ path: [i, field, locale], code: 'LOCALE_INVALID', message: `Invalid locale: ${locale}` }]);
        }
      }
    });
    const records: RoleConnectionMetadataRecord[] = body.map((r) => ({
      type: r.type, key: r.key, name: r.name, nameLocalizations: r.name_localizations ?? null, description: r.description, descriptionLocalizations: r.description_localizations ?? null,
    }));
    await store.roleConnections.setMetadata(app.id, records);
    return records.map(metadataRecordJson);
  });

  ctx.get('/users/@me/applications/:appId/role-connection', { auth: 'user', oauth: ROLE_CONNECTION_SCOPE }, async (req) => {
    if (req.oauth && req.oauth.applicationId !== req.params.appId) throw new ApiError(ErrorCodes.MISSING_ACCESS);
    const app = await store.applications.get(req.params.appId).catch(() => null);
    if (!app) throw new ApiError(ErrorCodes.UNKNOWN_APPLICATION);
    return connectionJson(await store.roleConnections.get(req.user.id, app.id));
  });

  ctx.put('/users/@me/applications/:appId/role-connection', { auth: 'user', oauth: ROLE_CONNECTION_SCOPE }, async (req) => {
    // Only the application, with the user's grant, speaks for its platform.
    if (!req.oauth || req.oauth.applicationId !== req.params.appId) throw new ApiError(ErrorCodes.MISSING_ACCESS);
    const body = parse(connectionBody, req.body ?? {});
    const records = new Map((await store.roleConnections.getMetadata(req.params.appId)).map((r) => [r.key, r]));
    const metadata: Record<string, string> = {};
    for (const [key, value] of Object.entries(body.metadata ?? {})) {
      const record = records.get(key);
      if (!record) throw formError([{ path: ['metadata', key], code: 'APPLICATION_ROLE_CONNECTION_METADATA_UNKNOWN_KEY', message: `No metadata record has the key "${key}"` }]);
      const stored = metadataValue(record.type, value);
      if (stored === null) throw formError([{ path: ['metadata', key], code: 'APPLICATION_ROLE_CONNECTION_METADATA_INVALID_VALUE', message: 'The value does not fit the record\'s type' }]);
      metadata[key] = stored;
    }
    const saved = await store.roleConnections.put({
      userId: req.user.id, applicationId: req.params.appId, platformName: body.platform_name ?? null, platformUsername: body.platform_username ?? null, metadata,
    });
    return connectionJson(saved);
  });
}
