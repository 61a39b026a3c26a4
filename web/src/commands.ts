/**
 * Slash commands in the composer, as Discord's client offers them: the application command index of the channel
 * (GET /channels/{id}/application-command-index, the commands the server says this user may use there), flattened
 * into what can be run ("cmd", "cmd sub", "cmd group sub"), then invoked through POST /interactions as Discord's
 * client does it (multipart with `payload_json`: type 2, or 4 for an autocomplete with one option `focused`).
 * components/CommandPicker.tsx draws the picker and the command form.
 */
import { API_BASE, rest } from './api.ts';
import { awaitAutocompleteChoices, awaitInteractionOutcome, type AutocompleteChoice } from './interaction-outcomes.ts';
import { INTERACTION_TIMEOUT_MS } from './interactions.ts';
import { gatewaySessionId, newNonce } from './session.ts';

export const OptionType = {
  SUB_COMMAND: 1, SUB_COMMAND_GROUP: 2, STRING: 3, INTEGER: 4, BOOLEAN: 5, USER: 6, CHANNEL: 7, ROLE: 8, MENTIONABLE: 9, NUMBER: 10, ATTACHMENT: 11,
} as const;

export const CommandType = { CHAT_INPUT: 1, USER: 2, MESSAGE: 3 } as const;

const InteractionType = { APPLICATION_COMMAND: 2, APPLICATION_COMMAND_AUTOCOMPLETE: 4 } as const;

export interface CommandOption {
  type: number;
  name: string;
  description?: string;
  required?: boolean;
  choices?: AutocompleteChoice[];
  options?: CommandOption[];
  channel_types?: number[];
  min_value?: number;
  max_value?: number;
  min_length?: number;
  max_length?: number;
  autocomplete?: boolean;
}

export interface ApplicationCommand {
  id: string;
  application_id: string;
  version: string;
  type: number;
  name: string;
  description: string;
  guild_id?: string;
  options?: CommandOption[];
}

export interface IndexApplication {
  id: string;
  name: string;
  icon: string | null;
  bot_id?: string;
}

export interface CommandIndex {
  applications: IndexApplication[];
  application_commands: ApplicationCommand[];
  version: string;
}

/** Something runnable: a command, or one of its subcommands (in at most one group). */
export interface CommandEntry {
  key: string;
  app: IndexApplication;
  command: ApplicationCommand;
  /** The subcommand group and subcommand names below the command, outermost first. */
  path: string[];
  /** "cmd", "cmd sub" or "cmd group sub". */
  label: string;
  description: string;
  /** The options to fill (the subcommand's for a subcommand). */
  options: CommandOption[];
}

/** How long the client waits for an application's autocomplete choices before giving up on them. */
const AUTOCOMPLETE_TIMEOUT_MS = 3_000;
/** An index is read again after this long (commands change when a bot deploys). */
const INDEX_TTL_MS = 30_000;

const indexes = new Map<string, { at: number; index: Promise<CommandIndex> }>();

/** The channel's command index, read once per INDEX_TTL_MS. */
export function loadCommandIndex(channelId: string): Promise<CommandIndex> {
  const cached = indexes.get(channelId);
  if (cached && Date.now() - cached.at < INDEX_TTL_MS) return cached.index;
  const index = rest.get<CommandIndex>(`/channels/${channelId}/application-command-index`);
  indexes.set(channelId, { at: Date.now(), index });
  index.catch(() => indexes.delete(channelId));
  return index;
}

/** The index's chat-input commands flattened to what can be run, grouped by application in the index's order. */
export function commandEntries(index: CommandIndex, type: number = CommandType.CHAT_INPUT): CommandEntry[] {
  const apps = new Map(index.applications.map((a) => [a.id, a]));
  const out: CommandEntry[] = [];
  for (const app of index.applications) {
    const commands = index.application_commands.filter((c) => c.application_id === app.id && c.type === type).sort((a, b) => a.name.localeCompare(b.name));
    for (const command of commands) {
      const entry = (path: string[], description: string, options: CommandOption[]): CommandEntry => ({
        key: `${command.id}:${path.join(' ')}`, app: apps.get(command.application_id)!, command, path,
        label: [command.name, ...path].join(' '), description, options,
      });
      const subs = (command.options ?? []).filter((o) => o.type === OptionType.SUB_COMMAND || o.type === OptionType.SUB_COMMAND_GROUP);
      if (!subs.length) {
        out.push(entry([], command.description, command.options ?? []));
        continue;
      }
      for (const sub of subs) {
        if (sub.type === OptionType.SUB_COMMAND) out.push(entry([sub.name], sub.description ?? '', sub.options ?? []));
        else for (const leaf of sub.options ?? []) out.push(entry([sub.name, leaf.name], leaf.description ?? '', leaf.options ?? []));
      }
    }
  }
  return out;
}

/** Entries whose label starts with the query, then those containing it, keeping the application grouping. */
export function filterEntries(entries: readonly CommandEntry[], query: string): CommandEntry[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...entries];
  const rank = (e: CommandEntry) => (e.label.toLowerCase().startsWith(q) ? 0 : e.label.toLowerCase().includes(q) ? 1 : -1);
  const appOrder = new Map<string, number>();
  entries.forEach((e) => appOrder.has(e.app.id) || appOrder.set(e.app.id, appOrder.size));
  return entries
    .map((e, i) => ({ e, i, r: rank(e) }))
    .filter((x) => x.r >= 0)
    .sort((a, b) => appOrder.get(a.e.app.id)! - appOrder.get(b.e.app.id)! || a.r - b.r || a.i - b.i)
    .map((x) => x.e);
}

/** A filled option: its value in the wire type (string, number, boolean or an id). */
export type OptionValues = Record<string, string | number | boolean>;

/** The typed-in text of a field as the option's value, or why it is not one. */
export function parseOptionInput(option: CommandOption, raw: string): { value: string | number | boolean } | { error: string } | null {
  if (raw === '') return null;
  switch (option.type) {
    case OptionType.INTEGER:
    case OptionType.NUMBER: {
      const n = Number(raw);
      if (!Number.isFinite(n)) return { error: 'Must be a number' };
      if (option.type === OptionType.INTEGER && !Number.isSafeInteger(n)) return { error: 'Must be a whole number' };
      if (option.min_value !== undefined && n < option.min_value) return { error: `Must be at least ${option.min_value}` };
      if (option.max_value !== undefined && n > option.max_value) return { error: `Must be at most ${option.max_value}` };
      return { value: n };
    }
    case OptionType.BOOLEAN:
      return { value: raw === 'true' };
    case OptionType.STRING:
      if (option.min_length !== undefined && raw.length < option.min_length) return { error: `Must be at least ${option.min_length} characters` };
      if (raw.length > (option.max_length ?? 6000)) return { error: `Must be at most ${option.max_length ?? 6000} characters` };
      return { value: raw };
    default:
      return { value: raw };
  }
}

/** `data.options` of an invocation: the filled options, nested in the subcommand (and group) as Discord wants. */
export function optionsPayload(entry: CommandEntry, values: OptionValues, focused?: string): unknown[] {
  let list: unknown[] = entry.options
    .filter((o) => values[o.name] !== undefined)
    .map((o) => ({ type: o.type, name: o.name, value: values[o.name], ...(focused === o.name ? { focused: true } : {}) }));
  const subs = entry.command.options ?? [];
  if (entry.path.length === 2) {
    list = [{ type: OptionType.SUB_COMMAND_GROUP, name: entry.path[0], options: [{ type: OptionType.SUB_COMMAND, name: entry.path[1], options: list }] }];
  } else if (entry.path.length === 1) {
    const sub = subs.find((o) => o.name === entry.path[0]);
    list = [{ type: sub?.type ?? OptionType.SUB_COMMAND, name: entry.path[0], options: list }];
  }
  return list;
}

/** POST /interactions as Discord's client sends it: multipart, the body in `payload_json`. */
async function postInteraction(body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
  const form = new FormData();
  form.append('payload_json', JSON.stringify(body));
  return fetch(`${API_BASE}/interactions`, { method: 'POST', headers: rest.token ? { authorization: rest.token } : {}, body: form, signal });
}

function invocation(type: number, entry: CommandEntry, channelId: string, guildId: string | null, values: OptionValues, focused?: string, targetId?: string) {
  const options = optionsPayload(entry, values, focused);
  return {
    type,
    application_id: entry.command.application_id,
    ...(guildId ? { guild_id: guildId } : {}),
    channel_id: channelId,
    session_id: gatewaySessionId(),
    data: {
      version: entry.command.version,
      ...(entry.command.guild_id ? { guild_id: entry.command.guild_id } : {}),
      id: entry.command.id,
      name: entry.command.name,
      type: entry.command.type,
      options,
      ...(targetId ? { target_id: targetId } : {}),
      attachments: [],
    },
    nonce: newNonce(),
  };
}

/** What became of a command sent: answered, not answered in time, or refused by the server (its message). */
export type CommandOutcome = { ok: true } | { ok: false; error: string };

export const NO_RESPONSE = 'The application did not respond';

/**
 * Runs the command. As Discord's client: the application must acknowledge it (INTERACTION_SUCCESS, which follows
 * its reply message) within 3 seconds of the POST, or the client says it did not respond.
 */
export async function sendCommand(entry: CommandEntry, channelId: string, guildId: string | null, values: OptionValues, targetId?: string): Promise<CommandOutcome> {
  const body = invocation(InteractionType.APPLICATION_COMMAND, entry, channelId, guildId, values, undefined, targetId);
  const outcome = awaitInteractionOutcome(body.nonce, INTERACTION_TIMEOUT_MS);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), INTERACTION_TIMEOUT_MS);
  try {
    const res = await postInteraction(body, abort.signal);
    if (res.status !== 204) {
      // Perhaps the command changed (an outdated version): read the index again next time.
      indexes.delete(channelId);
      const data = await res.json().catch(() => ({}));
      return { ok: false, error: String(data?.message ?? `HTTP ${res.status}`) };
    }
  } catch {
    return { ok: false, error: NO_RESPONSE };
  } finally {
    clearTimeout(timer);
  }
  return (await outcome) === true ? { ok: true } : { ok: false, error: NO_RESPONSE };
}

/** Asks the application for choices for the focused option (type 4); null when it gave none in time. */
export async function requestAutocomplete(entry: CommandEntry, channelId: string, guildId: string | null, values: OptionValues, focused: string): Promise<AutocompleteChoice[] | null> {
  const body = invocation(InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE, entry, channelId, guildId, values, focused);
  const choices = awaitAutocompleteChoices(body.nonce, AUTOCOMPLETE_TIMEOUT_MS);
  try {
    const res = await postInteraction(body);
    if (res.status !== 204) return null;
  } catch {
    return null;
  }
  return choices;
}
