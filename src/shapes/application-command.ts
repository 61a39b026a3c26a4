/**
 * Application commands and their guild permissions as Discord shapes them (API v10). A command's options are
 * stored in their wire shape already (api/commands/definition.ts builds it), so rendering only picks how
 * localizations appear: the full dictionaries (every single-command answer, and lists asked
 * `with_localizations`), or, in plain lists, `name_localized` / `description_localized` in the requester's locale
 * where a dictionary has it, as Discord's "retrieving localized commands" describes.
 */
import type { ApplicationCommandRecord, CommandPermissionsRecord, LocalizationMap } from '../store/types.ts';

/** Full dictionaries, or the one locale a plain list is localized to (undefined: none). */
export type LocalizationView = { full: true } | { full: false; locale: string | undefined };

export const FULL_LOCALIZATIONS: LocalizationView = { full: true };

type Json = Record<string, unknown>;

/** Discord's locale fallbacks: a locale missing from a dictionary falls back to its sibling (en-US ↔ en-GB, es-419 → es-ES). */
const LOCALE_FALLBACK: Readonly<Record<string, string>> = { 'en-US': 'en-GB', 'en-GB': 'en-US', 'es-419': 'es-ES' };

/** `name_localizations` / `description_localizations` of one object, as the view wants them. */
function localized(obj: Json, view: LocalizationView, fields: ReadonlyArray<'name' | 'description'>): Json {
  if (view.full) return obj;
  const out: Json = { ...obj };
  for (const field of fields) {
    const key = `${field}_localizations`;
    const map = obj[key] as LocalizationMap | null | undefined;
    delete out[key];
    const fallback = view.locale === undefined ? undefined : LOCALE_FALLBACK[view.locale];
    const text = view.locale === undefined ? undefined : map?.[view.locale] ?? (fallback ? map?.[fallback] : undefined);
    if (text !== undefined) out[`${field}_localized`] = text;
  }
  return out;
}

function optionJson(option: Json, view: LocalizationView): Json {
  const out = localized(option, view, ['name', 'description']);
  if (Array.isArray(option.choices)) out.choices = option.choices.map((c: Json) => localized(c, view, ['name']));
  if (Array.isArray(option.options)) out.options = option.options.map((o: Json) => optionJson(o, view));
  return out;
}

/** The application command object; global commands carry dm_permission, contexts and integration_types. */
export function applicationCommandJson(c: ApplicationCommandRecord, view: LocalizationView = FULL_LOCALIZATIONS) {
  const head = localized(
    { name: c.name, name_localizations: c.nameLocalizations, description: c.description, description_localizations: c.descriptionLocalizations },
    view, ['name', 'description'],
  );
  return {
    id: c.id,
    application_id: c.applicationId,
    version: c.version,
    default_member_permissions: c.defaultMemberPermissions,
    type: c.type,
    ...head,
    ...(c.guildId !== null
      ? { guild_id: c.guildId }
      : {
          // dm_permission is the deprecated view of contexts: usable in the bot's DMs.
          dm_permission: c.contexts === null || c.contexts.includes(1),
          contexts: c.contexts,
          integration_types: c.integrationTypes,
        }),
    nsfw: c.nsfw,
    ...(c.options.length ? { options: c.options.map((o) => optionJson(o as Json, view)) } : {}),
  };
}

/** The guild application command permissions object; `id` is the command's, or the application's for its defaults. */
export function commandPermissionsJson(p: CommandPermissionsRecord) {
  return {
    id: p.commandId,
    application_id: p.applicationId,
    guild_id: p.guildId,
    permissions: p.permissions.map((e) => ({ id: e.id, type: e.type, permission: e.permission })),
  };
}
