/**
 * A chat-input invocation's options checked against the command's stored definition, as Discord's client sends
 * them and its server checks them: one subcommand (in at most one group) when the command has them, then each
 * option known, of its type, once, required ones present, a value among the choices, within the ranges and
 * lengths; USER / ROLE / CHANNEL / MENTIONABLE values must name something of the guild (or the DM). What they
 * name is gathered into `data.resolved` (users, members with their channel permissions, roles, channels).
 * ATTACHMENT values name files sent with the invocation; attachments.ts resolves them.
 */
import { formError } from '../../protocol/errors.ts';
import { computeChannelPermissions } from '../../protocol/permissions.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import type { ChannelRecord, Store } from '../../store/types.ts';
import { memberJson, publicUser, roleJson } from '../../shapes/serialize.ts';
import { permissionContext, type ChannelAccess } from '../access.ts';
import { OptionType } from '../commands/definition.ts';

type Issue = { path: Array<string | number>; code: string; message: string };

interface DefinedOption {
  type: number;
  name: string;
  required?: boolean;
  choices?: Array<{ name: string; value: string | number }>;
  options?: DefinedOption[];
  channel_types?: number[];
  min_value?: number;
  max_value?: number;
  min_length?: number;
  max_length?: number;
  autocomplete?: boolean;
}

export interface GivenOption {
  type: number;
  name: string;
  value?: unknown;
  options?: GivenOption[];
  focused?: boolean;
}

/** What the options (or a select menu's values: select-values.ts) name, to resolve after the check. */
export interface Wanted {
  /** Channel ids with the channel types their option allows (none: any). */
  channelTypes?: Map<string, number[]>;
  users: Set<string>;
  roles: Set<string>;
  channels: Set<string>;
  mentionables: Set<string>;
}

const invalid = (path: Array<string | number>, message: string): Issue => ({ path, code: 'INTERACTION_APPLICATION_COMMAND_OPTION_INVALID', message });

/**
 * Checks `given` against `defined`; throws 50035 with every issue. Returns the ids to resolve. `autocomplete`:
 * an autocomplete invocation, where exactly one option is focused and values may be partial (not checked).
 */
export function checkOptions(defined: readonly DefinedOption[], given: readonly GivenOption[] | undefined, opts: { autocomplete?: boolean } = {}): Wanted {
  const issues: Issue[] = [];
  const wanted: Wanted = { users: new Set(), roles: new Set(), channels: new Set(), mentionables: new Set() };
  let focused = 0;
  const walk = (defs: readonly DefinedOption[], list: readonly GivenOption[], path: Array<string | number>) => {
    const subs = defs.filter((d) => d.type === OptionType.SUB_COMMAND || d.type === OptionType.SUB_COMMAND_GROUP);
    if (subs.length > 0) {
      if (list.length !== 1) {
        issues.push(invalid(path, 'A subcommand is required'));
        return;
      }
      const g = list[0]!;
      const d = subs.find((s) => s.name === g.name && s.type === g.type);
      if (!d) {
        issues.push(invalid([...path, 0, 'name'], 'Unknown subcommand'));
        return;
      }
      walk(d.options ?? [], g.options ?? [], [...path, 0, 'options']);
      return;
    }
    const seen = new Set<string>();
    list.forEach((g, i) => {
      const at = [...path, i];
      const d = defs.find((x) => x.name === g.name);
      if (!d) return void issues.push(invalid([...at, 'name'], `Unknown option ${String(g.name)}`));
      if (seen.has(d.name)) return void issues.push(invalid([...at, 'name'], 'Option given twice'));
      seen.add(d.name);
      if (g.type !== d.type) return void issues.push(invalid([...at, 'type'], `Option type must be ${d.type}`));
      if (g.focused) focused++;
      if (opts.autocomplete && g.focused) return;
      const problem = valueProblem(d, g.value, wanted);
      if (problem) issues.push(invalid([...at, 'value'], problem));
    });
    defs.forEach((d) => {
      if (d.required && !seen.has(d.name)) issues.push({ path, code: 'INTERACTION_APPLICATION_COMMAND_OPTION_REQUIRED', message: `Option ${d.name} is required` });
    });
  };
  walk(defined, given ?? [], ['data', 'options']);
  if (opts.autocomplete && focused !== 1) issues.push(invalid(['data', 'options'], 'Exactly one option must be focused'));
  if (issues.length) throw formError(issues);
  return wanted;
}

/** Why `value` is not a value of option `d`, or null when it is (noting ids to resolve). */
function valueProblem(d: DefinedOption, value: unknown, wanted: Wanted): string | null {
  switch (d.type) {
    case OptionType.STRING: {
      if (typeof value !== 'string') return 'Must be a string';
      if (d.min_length !== undefined && value.length < d.min_length) return `Must be at least ${d.min_length} characters`;
      if (value.length > (d.max_length ?? 6000)) return `Must be at most ${d.max_length ?? 6000} characters`;
      return choiceProblem(d, value);
    }
    case OptionType.INTEGER:
    case OptionType.NUMBER: {
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'Must be a number';
      if (d.type === OptionType.INTEGER && !Number.isSafeInteger(value)) return 'Must be an integer';
      if (d.min_value !== undefined && value < d.min_value) return `Must be at least ${d.min_value}`;
      if (d.max_value !== undefined && value > d.max_value) return `Must be at most ${d.max_value}`;
      return choiceProblem(d, value);
    }
    case OptionType.BOOLEAN:
      return typeof value === 'boolean' ? null : 'Must be a boolean';
    case OptionType.USER:
    case OptionType.ROLE:
    case OptionType.CHANNEL:
    case OptionType.MENTIONABLE: {
      if (typeof value !== 'string' || !isSnowflake(value)) return 'Must be a snowflake';
      const set = d.type === OptionType.USER ? wanted.users : d.type === OptionType.ROLE ? wanted.roles : d.type === OptionType.CHANNEL ? wanted.channels : wanted.mentionables;
      set.add(value);
      if (d.type === OptionType.CHANNEL && d.channel_types?.length) (wanted.channelTypes ??= new Map()).set(value, d.channel_types);
      return null;
    }
    case OptionType.ATTACHMENT:
      // The placeholder of a file sent with the invocation (attachments.ts maps it to the file).
      return (typeof value === 'string' && /^\d{1,20}$/.test(value)) || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) ? null : 'Must be an attachment id';
    default:
      return 'Unknown option type';
  }
}

function choiceProblem(d: DefinedOption, value: string | number): string | null {
  if (!d.choices?.length) return null;
  return d.choices.some((c) => c.value === value) ? null : 'Must be one of the choices';
}

export interface Resolved {
  users?: Record<string, unknown>;
  members?: Record<string, unknown>;
  roles?: Record<string, unknown>;
  channels?: Record<string, unknown>;
  messages?: Record<string, unknown>;
  attachments?: Record<string, unknown>;
}

/**
 * `data.resolved` for what the options name, within the invocation's guild (or DM): unknown ids are refused
 * (50035), as Discord's client only offers what exists. A member's `permissions` are in the invoked channel.
 */
export async function resolveOptions(
  store: Store, access: ChannelAccess, wanted: Wanted, now: number,
  // Where unknown ids are reported: the options, or a select menu's values (select-values.ts).
  report: { path: string[]; code: string } = { path: ['data', 'options'], code: 'INTERACTION_APPLICATION_COMMAND_OPTION_INVALID' },
): Promise<Resolved> {
  const issues: Issue[] = [];
  const invalid = (_path: unknown, message: string): Issue => ({ path: report.path, code: report.code, message });
  const out: Resolved = {};
  const guild = access.guild;
  const guildId = access.channel.guildId;
  const overwrites = guildId ? await store.overwrites.listByChannel(access.channel.id) : [];
  const roles = new Map((guild?.roles ?? []).map((r) => [r.id, r]));

  const mentionables = [...wanted.mentionables];
  const userIds = new Set([...wanted.users, ...mentionables.filter((id) => !roles.has(id))]);
  const roleIds = new Set([...wanted.roles, ...mentionables.filter((id) => roles.has(id))]);

  if (userIds.size) {
    const users = await store.users.getMany([...userIds]);
    const found = new Set(users.map((u) => u.id));
    for (const id of userIds) if (!found.has(id)) issues.push(invalid(['data', 'options'], `Unknown user ${id}`));
    if (users.length) out.users = Object.fromEntries(users.map((u) => [u.id, publicUser(u)]));
    if (guild && guildId) {
      const members = await store.members.getMany(guildId, [...found]);
      if (members.length) {
        out.members = Object.fromEntries(members.map((m) => {
          const permissions = computeChannelPermissions(
            permissionContext(guild.guild, m, guild.roles, now),
            overwrites.map((o) => ({ id: o.id, type: o.type, allow: BigInt(o.allow), deny: BigInt(o.deny) })),
          );
          const { user: _user, ...rest } = memberJson(m) as Record<string, unknown>;
          return [m.userId, { ...rest, permissions: permissions.toString() }];
        }));
      }
    }
  }
  if (roleIds.size) {
    const list = [...roleIds].map((id) => roles.get(id));
    for (const id of roleIds) if (!roles.has(id)) issues.push(invalid(['data', 'options'], `Unknown role ${id}`));
    const known = list.filter((r) => r !== undefined);
    if (known.length) out.roles = Object.fromEntries(known.map((r) => [r.id, roleJson(r)]));
  }
  if (wanted.channels.size) {
    const channels: ChannelRecord[] = [];
    for (const id of wanted.channels) {
      const c = await store.channels.get(id);
      const types = wanted.channelTypes?.get(id);
      if (!c || (c.guildId ?? null) !== (guildId ?? null) || (!guildId && c.id !== access.channel.id)) issues.push(invalid(['data', 'options'], `Unknown channel ${id}`));
      else if (types && !types.includes(c.type)) issues.push(invalid(['data', 'options'], `Channel ${id} is not of an allowed type`));
      else channels.push(c);
    }
    if (channels.length) {
      out.channels = Object.fromEntries(channels.map((c) => [c.id, {
        id: c.id, type: c.type, name: c.name, parent_id: c.parentId, nsfw: c.nsfw, flags: 0,
        ...(c.guildId && guild ? { guild_id: c.guildId, permissions: access.channel.id === c.id ? access.permissions.toString() : guild.permissions.toString() } : {}),
      }]));
    }
  }
  if (issues.length) throw formError(issues);
  return out;
}
