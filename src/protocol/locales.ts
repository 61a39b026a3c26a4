/**
 * Discord's locales (https://discord.com/developers/docs/reference#locales): the keys a localization dictionary
 * (`name_localizations`, `description_localizations`) may use, and the values of a user's or guild's locale.
 */
export const DISCORD_LOCALES = [
  'id', 'da', 'de', 'en-GB', 'en-US', 'es-ES', 'es-419', 'fr', 'hr', 'it', 'lt', 'hu', 'nl', 'no', 'pl', 'pt-BR', 'ro',
  'fi', 'sv-SE', 'vi', 'tr', 'cs', 'el', 'bg', 'ru', 'uk', 'hi', 'th', 'zh-CN', 'ja', 'zh-TW', 'ko',
] as const;

export type DiscordLocale = (typeof DISCORD_LOCALES)[number];

const KNOWN = new Set<string>(DISCORD_LOCALES);

export function isDiscordLocale(value: string): value is DiscordLocale {
  return KNOWN.has(value);
}
