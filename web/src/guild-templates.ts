/**
 * Server templates for the web client: a server's template (Server Settings → Server Template, for Manage Server),
 * its link, and making a server from a template's link or code (the /template/{code} page). The server checks every
 * request again (src/api/routes/guild-templates.ts).
 */
import { rest } from './api.ts';
import type { Guild, User } from './types.ts';

export interface GuildTemplate {
  code: string;
  name: string;
  description: string | null;
  usage_count: number;
  creator_id: string;
  creator: User | null;
  created_at: string;
  updated_at: string;
  source_guild_id: string;
  serialized_source_guild: { name: string; roles?: unknown[]; channels?: Array<{ type: number }> };
  is_dirty: boolean | null;
}

const enc = encodeURIComponent;
export const getTemplate = (code: string) => rest.get<GuildTemplate>(`/guilds/templates/${enc(code)}`);
export const createGuildFromTemplate = (code: string, name: string) => rest.post<Guild>(`/guilds/templates/${enc(code)}`, { name });
export const listTemplates = (guildId: string) => rest.get<GuildTemplate[]>(`/guilds/${guildId}/templates`);
export const createTemplate = (guildId: string, name: string, description: string) =>
  rest.post<GuildTemplate>(`/guilds/${guildId}/templates`, { name, description: description || null });
export const syncTemplate = (guildId: string, code: string) => rest.put<GuildTemplate>(`/guilds/${guildId}/templates/${enc(code)}`);
export const updateTemplate = (guildId: string, code: string, patch: { name?: string; description?: string | null }) =>
  rest.patch<GuildTemplate>(`/guilds/${guildId}/templates/${enc(code)}`, patch);
export const deleteTemplate = (guildId: string, code: string) => rest.delete(`/guilds/${guildId}/templates/${enc(code)}`);

/** The link people open to make a server from the template. */
export const templateLink = (code: string) => `${location.origin}/template/${code}`;

/** The code in a pasted template link (…/template/CODE) or the code itself. */
export function templateCodeOf(input: string): string {
  return input.trim().replace(/^.*\/template\//, '').replace(/[/?#].*$/, '');
}

/** "3 channels, 2 roles" for a template's snapshot (categories are not counted as channels; @everyone is not a role here). */
export function templateContents(t: GuildTemplate): string {
  const channels = (t.serialized_source_guild.channels ?? []).filter((c) => c.type !== 4).length;
  const roles = Math.max(0, (t.serialized_source_guild.roles ?? []).length - 1);
  return `${channels} channel${channels === 1 ? '' : 's'}, ${roles} role${roles === 1 ? '' : 's'}`;
}
