/**
 * An application command's definition from a request body, checked as Discord checks it
 * (https://discord.com/developers/docs/interactions/application-commands), and built into the stored shape:
 * options in their wire form with only the fields their type takes, localizations without entries equal to the
 * default, defaults filled in. Two passes: zod first for the JSON types and plain lengths (the route parses with
 * api/validate.ts), then Discord's rules about names, types, nesting, choices, ranges and the size of the whole
 * command; each pass reports every issue it finds in one 50035 tree.
 */
import { formError } from '../../protocol/errors.ts';
import { isDiscordLocale, DISCORD_LOCALES } from '../../protocol/locales.ts';
import { ApplicationCommandType, type ApplicationCommandRecord, type ApplicationCommandTypeValue, type LocalizationMap } from '../../store/types.ts';
import { permissionString, snowflake, z } from '../validate.ts';

/** What a command is, apart from its identity (id, application, scope, version). */
export type CommandDefinition = Omit<ApplicationCommandRecord, 'id' | 'applicationId' | 'guildId' | 'version'>;

export const OptionType = {
  SUB_COMMAND: 1, SUB_COMMAND_GROUP: 2, STRING: 3, INTEGER: 4, BOOLEAN: 5, USER: 6, CHANNEL: 7, ROLE: 8, MENTIONABLE: 9, NUMBER: 10,
  ATTACHMENT: 11,
} as const;

/** Discord's limits on commands. */
export const CommandLimits = {
  /** Commands of each type per scope (global, or one guild): 30032 beyond. */
  perType: { [ApplicationCommandType.CHAT_INPUT]: 100, [ApplicationCommandType.USER]: 15, [ApplicationCommandType.MESSAGE]: 15 } as Record<ApplicationCommandTypeValue, number>,
  /** New commands a day per application and scope (global, or one guild): 30034 beyond (routes/commands.ts). */
  dailyCreates: 200,
  options: 25,
  choices: 25,
  /**
   * Characters of every name, description and choice value of one command, counting only the longest of each
   * field's default and localizations. Discord raised it from 4000 to 8000 (its docs and its error text,
   * "Command exceeds maximum size (8000)").
   */
  size: 8000,
  stringLength: 6000,
} as const;

/** CHAT_INPUT command and option names; letters must be lowercase where a lowercase form exists. */
const CHAT_INPUT_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
/** Any double between -2^53 and 2^53; integers one closer. */
const NUMBER_LIMIT = 2 ** 53;
/** Channel types an option may offer: all but GUILD_DIRECTORY (14). */
const OPTION_CHANNEL_TYPES = [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 15, 16];
const CONTEXTS = [0, 1, 2];
const INTEGRATION_TYPES = [0, 1];
const COMMAND_TYPES = Object.values(ApplicationCommandType) as number[];
const OPTION_TYPES = Object.values(OptionType) as number[];
const CHOICE_TYPES = new Set<number>([OptionType.STRING, OptionType.INTEGER, OptionType.NUMBER]);

// ------------------------------------------------------------------------------------------- first pass

/**
 * A string of min–max characters with Discord's answer on either side: BASE_TYPE_BAD_LENGTH "Must be between 1 and
 * 32 in length." (api/validate.ts answers BASE_TYPE_MAX_LENGTH above the maximum, which Discord keeps for lists).
 */
const bounded = (min: number, max: number) =>
  z.string().refine((s) => s.length >= min && s.length <= max, { message: `Must be between ${min} and ${max} in length.`, params: { discordCode: 'BASE_TYPE_BAD_LENGTH' } });

const localizations = z.record(z.string(), z.string().nullable()).nullish();

const choiceSchema = z.object({
  name: bounded(1, 100),
  name_localizations: localizations,
  value: z.union([z.string(), z.number()]),
});

interface OptionInput {
  type: number;
  name: string;
  name_localizations?: Record<string, string | null> | null;
  description: string;
  description_localizations?: Record<string, string | null> | null;
  required?: boolean | null;
  choices?: Array<z.infer<typeof choiceSchema>> | null;
  options?: OptionInput[] | null;
  channel_types?: number[] | null;
  min_value?: number | null;
  max_value?: number | null;
  min_length?: number | null;
  max_length?: number | null;
  autocomplete?: boolean | null;
  file_types?: string[] | null;
}

/** An ATTACHMENT option's accepted files: `image`, `video`, `audio`, or a `.extension` (Discord's file_types). */
const FILE_TYPE = /^(?:image|video|audio|\.[A-Za-z0-9]{1,16})$/;

const optionSchema: z.ZodType<OptionInput> = z.lazy(() =>
  z.object({
    type: z.number().int(),
    name: bounded(1, 32),
    name_localizations: localizations,
    description: bounded(1, 100),
    description_localizations: localizations,
    required: z.boolean().nullish(),
    choices: z.array(choiceSchema).max(CommandLimits.choices).nullish(),
    options: z.array(optionSchema).max(CommandLimits.options).nullish(),
    channel_types: z.array(z.number().int()).nullish(),
    min_value: z.number().nullish(),
    max_value: z.number().nullish(),
    min_length: z.number().int().nullish(),
    max_length: z.number().int().nullish(),
    autocomplete: z.boolean().nullish(),
    file_types: z.array(z.string().max(20)).max(10).nullish(),
  }),
);

const fields = {
  type: z.number().int(),
  name: bounded(1, 32),
  name_localizations: localizations,
  description: z.string().nullish(),
  description_localizations: localizations,
  options: z.array(optionSchema).max(CommandLimits.options).nullish(),
  default_member_permissions: permissionString.nullish(),
  dm_permission: z.boolean().nullish(),
  /** Deprecated by Discord for default_member_permissions; accepted and ignored. */
  default_permission: z.boolean().nullish(),
  contexts: z.array(z.number().int()).nullish(),
  integration_types: z.array(z.number().int()).nullish(),
  nsfw: z.boolean().nullish(),
};

/** POST and each entry of PUT (with the id of the command it overwrites, if the caller knows it). */
export const commandBody = z.object({ ...fields, type: fields.type.optional(), id: snowflake.optional() });
/** PATCH: every field optional; the ones given replace the command's, the type never changes. */
export const commandPatchBody = z.object({ ...fields, type: fields.type.optional(), name: fields.name.optional() });

export type CommandBody = z.infer<typeof commandBody>;
export type CommandPatch = z.infer<typeof commandPatchBody>;

// ------------------------------------------------------------------------------------------ second pass

type Path = Array<string | number>;
interface Issue {
  path: Path;
  code: string;
  message: string;
}

const choicesText = (values: readonly (string | number)[]) => `Value must be one of {${values.join(', ')}}.`;
const lengthText = (min: number, max: number) => `Must be between ${min} and ${max} in length.`;

/** Discord's rules for one body, collecting every issue; `issues` stays empty for a valid command. */
class Checker {
  readonly issues: Issue[] = [];

  constructor(private readonly chatInput: boolean) {}

  add(path: Path, code: string, message: string): void {
    this.issues.push({ path, code, message });
  }

  /** A command or option name (1–32 is zod's): the regex and lowercase for CHAT_INPUT names. */
  name(value: string, path: Path): void {
    if (!this.chatInput) return;
    if (!CHAT_INPUT_NAME.test(value)) {
      this.add(path, 'STRING_TYPE_REGEX', 'String value did not match validation regex.');
      this.add(path, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    } else if (value !== value.toLowerCase()) {
      this.add(path, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    }
  }

  /**
   * A localization dictionary: keys are Discord locales, values follow the default's rules (`value` checks one);
   * null values and values equal to the default drop out. Null when nothing is left.
   */
  localizations(
    map: Record<string, string | null> | null | undefined,
    fallback: string,
    path: Path,
    value: (text: string, at: Path) => void,
  ): LocalizationMap | null {
    if (!map) return null;
    const out: LocalizationMap = {};
    for (const [locale, text] of Object.entries(map)) {
      if (!isDiscordLocale(locale)) {
        this.add([...path, locale], 'BASE_TYPE_CHOICES', choicesText(DISCORD_LOCALES));
        continue;
      }
      if (text === null || text === fallback) continue;
      value(text, [...path, locale]);
      out[locale] = text;
    }
    return Object.keys(out).length ? sortKeys(out) : null;
  }

  nameLocalizations(map: Record<string, string | null> | null | undefined, fallback: string, path: Path, max = 32): LocalizationMap | null {
    return this.localizations(map, fallback, path, (text, at) => {
      if (text.length < 1 || text.length > max) this.add(at, 'BASE_TYPE_BAD_LENGTH', lengthText(1, max));
      else if (max === 32) this.name(text, at);
    });
  }

  descriptionLocalizations(map: Record<string, string | null> | null | undefined, fallback: string, path: Path): LocalizationMap | null {
    return this.localizations(map, fallback, path, (text, at) => {
      if (text.length < 1 || text.length > 100) this.add(at, 'BASE_TYPE_BAD_LENGTH', lengthText(1, 100));
    });
  }

  /**
   * One level of options. `parent` is what holds them: the command, a subcommand group or a subcommand.
   * Subcommands and groups exclude every other type at the top; a group holds only subcommands; a subcommand
   * holds only plain options; required options come before optional ones; names are unique per level.
   */
  options(list: readonly OptionInput[], path: Path, parent: 'command' | 'group' | 'subcommand'): Record<string, unknown>[] {
    const nested = (o: OptionInput) => o.type === OptionType.SUB_COMMAND || o.type === OptionType.SUB_COMMAND_GROUP;
    const anyNested = list.some(nested);
    const names = new Set<string>();
    let optionalSeen = false;
    const out = list.map((o, i) => {
      const at = [...path, i];
      if (!OPTION_TYPES.includes(o.type)) this.add([...at, 'type'], 'BASE_TYPE_CHOICES', choicesText(OPTION_TYPES));
      else if (parent === 'command' && anyNested && !nested(o)) {
        this.add([...at, 'type'], 'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID', 'Sub-command and sub-command group option types are mutually exclusive to all other types');
      } else if (parent === 'group' && o.type !== OptionType.SUB_COMMAND) {
        this.add([...at, 'type'], 'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID', 'Sub-command groups may only contain sub-commands');
      } else if (parent === 'subcommand' && nested(o)) {
        this.add([...at, 'type'], 'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID', 'Sub-commands may not contain sub-commands or sub-command groups');
      }
      this.name(o.name, [...at, 'name']);
      if (names.has(o.name)) this.add([...at, 'name'], 'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS', 'Option names must be unique within their level');
      names.add(o.name);
      if (!nested(o)) {
        if (o.required && optionalSeen) this.add(at, 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', 'Required options must be placed before non-required options');
        if (!o.required) optionalSeen = true;
      }
      return this.option(o, at);
    });
    this.localizedNamesUnique(list, path);
    return out;
  }

  /**
   * Names stay unique in every locale too: a client shows an option under its localized name where it has one,
   * its name elsewhere, so two options of a level must not meet under one name in any locale.
   */
  localizedNamesUnique(list: readonly OptionInput[], path: Path): void {
    const localized = (o: OptionInput) => (o.name_localizations && typeof o.name_localizations === 'object' ? o.name_localizations : null);
    const locales = new Set(list.flatMap((o) => Object.keys(localized(o) ?? {})));
    for (const locale of locales) {
      const seen = new Set<string>();
      list.forEach((o, i) => {
        const shown = localized(o)?.[locale] ?? o.name;
        if (seen.has(shown)) this.add([...path, i, 'name_localizations', locale], 'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS', 'Option names must be unique within their level');
        seen.add(shown);
      });
    }
  }

  /** One option in its wire shape, with only the fields its type takes. */
  option(o: OptionInput, at: Path): Record<string, unknown> {
    const out: Record<string, unknown> = { type: o.type, name: o.name };
    const nameLoc = this.nameLocalizations(o.name_localizations, o.name, [...at, 'name_localizations']);
    if (nameLoc) out.name_localizations = nameLoc;
    out.description = o.description;
    const descriptionLoc = this.descriptionLocalizations(o.description_localizations, o.description, [...at, 'description_localizations']);
    if (descriptionLoc) out.description_localizations = descriptionLoc;

    if (o.type === OptionType.SUB_COMMAND || o.type === OptionType.SUB_COMMAND_GROUP) {
      if (o.required) this.add([...at, 'required'], 'APPLICATION_COMMAND_REQUIRED_INVALID', 'Required cannot be configured for this type of option');
      // Always a list for these, even empty: libraries compare it by length with what they sent (discord.js's equals).
      out.options = this.options(o.options ?? [], [...at, 'options'], o.type === OptionType.SUB_COMMAND_GROUP ? 'group' : 'subcommand');
      return out;
    }
    if (o.required) out.required = true;

    const choices = o.choices ?? [];
    if (choices.length && !CHOICE_TYPES.has(o.type)) {
      this.add([...at, 'choices'], 'APPLICATION_COMMAND_CHOICES_INVALID', 'Choices cannot be configured for this type of option');
    } else if (choices.length) {
      out.choices = choices.map((c, j) => this.choice(c, o.type, [...at, 'choices', j]));
    }
    if (o.autocomplete) {
      if (!CHOICE_TYPES.has(o.type)) this.add([...at, 'autocomplete'], 'APPLICATION_COMMAND_AUTOCOMPLETE_INVALID', 'Autocomplete cannot be configured for this type of option');
      else if (choices.length) this.add([...at, 'autocomplete'], 'APPLICATION_COMMAND_AUTOCOMPLETE_INVALID', 'Autocomplete cannot be set with choices');
      else out.autocomplete = true;
    }
    if (o.type === OptionType.INTEGER || o.type === OptionType.NUMBER) this.range(o, at, out);
    if (o.type === OptionType.STRING) this.lengths(o, at, out);
    if (o.type === OptionType.CHANNEL && o.channel_types) {
      o.channel_types.forEach((t, j) => {
        if (!OPTION_CHANNEL_TYPES.includes(t)) this.add([...at, 'channel_types', j], 'BASE_TYPE_CHOICES', choicesText(OPTION_CHANNEL_TYPES));
      });
      const types = [...new Set(o.channel_types)];
      if (types.length) out.channel_types = types;
    }
    if (o.type === OptionType.ATTACHMENT && o.file_types?.length) {
      o.file_types.forEach((t, j) => {
        if (!FILE_TYPE.test(t)) this.add([...at, 'file_types', j], 'BASE_TYPE_INVALID', 'Must be image, video, audio or a file extension such as .pdf');
      });
      out.file_types = [...new Set(o.file_types)];
    }
    return out;
  }

  choice(c: z.infer<typeof choiceSchema>, type: number, at: Path): Record<string, unknown> {
    const out: Record<string, unknown> = { name: c.name };
    const nameLoc = this.nameLocalizations(c.name_localizations, c.name, [...at, 'name_localizations'], 100);
    if (nameLoc) out.name_localizations = nameLoc;
    const v = c.value;
    if (type === OptionType.STRING) {
      if (typeof v !== 'string') this.add([...at, 'value'], 'STRING_TYPE_CONVERT', `Could not interpret "${String(v)}" as string.`);
      else if (v.length > 100) this.add([...at, 'value'], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
    } else if (type === OptionType.INTEGER) {
      if (typeof v !== 'number' || !Number.isInteger(v)) this.add([...at, 'value'], 'NUMBER_TYPE_COERCE', `Value "${String(v)}" is not int.`);
      else this.bounds(v, [...at, 'value'], NUMBER_LIMIT - 1);
    } else if (typeof v !== 'number') {
      this.add([...at, 'value'], 'NUMBER_TYPE_COERCE', `Value "${String(v)}" is not a valid number.`);
    } else {
      this.bounds(v, [...at, 'value'], NUMBER_LIMIT);
    }
    out.value = v;
    return out;
  }

  bounds(v: number, at: Path, limit: number): void {
    if (v < -limit) this.add(at, 'NUMBER_TYPE_MIN', `int value should be greater than or equal to ${-limit}.`);
    if (v > limit) this.add(at, 'NUMBER_TYPE_MAX', `int value should be less than or equal to ${limit}.`);
  }

  /** min_value / max_value of INTEGER (integers) and NUMBER options. */
  range(o: OptionInput, at: Path, out: Record<string, unknown>): void {
    const integer = o.type === OptionType.INTEGER;
    const limit = integer ? NUMBER_LIMIT - 1 : NUMBER_LIMIT;
    for (const key of ['min_value', 'max_value'] as const) {
      const v = o[key];
      if (v === null || v === undefined) continue;
      if (integer && !Number.isInteger(v)) this.add([...at, key], 'NUMBER_TYPE_COERCE', `Value "${v}" is not int.`);
      else this.bounds(v, [...at, key], limit);
      out[key] = v;
    }
    if (typeof o.min_value === 'number' && typeof o.max_value === 'number' && o.min_value > o.max_value) {
      this.add([...at, 'max_value'], 'NUMBER_TYPE_MIN', `int value should be greater than or equal to ${o.min_value}.`);
    }
  }

  /** min_length (0–6000) and max_length (1–6000) of STRING options. */
  lengths(o: OptionInput, at: Path, out: Record<string, unknown>): void {
    const check = (key: 'min_length' | 'max_length', min: number) => {
      const v = o[key];
      if (v === null || v === undefined) return;
      if (v < min) this.add([...at, key], 'NUMBER_TYPE_MIN', `int value should be greater than or equal to ${min}.`);
      if (v > CommandLimits.stringLength) this.add([...at, key], 'NUMBER_TYPE_MAX', `int value should be less than or equal to ${CommandLimits.stringLength}.`);
      out[key] = v;
    };
    check('min_length', 0);
    check('max_length', 1);
    if (typeof o.min_length === 'number' && typeof o.max_length === 'number' && o.min_length > o.max_length) {
      this.add([...at, 'max_length'], 'NUMBER_TYPE_MIN', `int value should be greater than or equal to ${o.min_length}.`);
    }
  }
}

function sortKeys(map: LocalizationMap): LocalizationMap {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The longest of a field's default and its localizations. */
function longest(text: string, map: unknown): number {
  let n = text.length;
  if (map && typeof map === 'object') for (const v of Object.values(map)) if (typeof v === 'string' && v.length > n) n = v.length;
  return n;
}

/** Discord's size of a command: names, descriptions and choice names and values, localizations at their longest. */
export function commandSize(d: Pick<CommandDefinition, 'name' | 'nameLocalizations' | 'description' | 'descriptionLocalizations' | 'options'>): number {
  const ofOption = (o: Record<string, unknown>): number => {
    let n = longest(String(o.name), o.name_localizations) + longest(String(o.description), o.description_localizations);
    for (const c of (o.choices as Record<string, unknown>[] | undefined) ?? []) n += longest(String(c.name), c.name_localizations) + String(c.value).length;
    for (const child of (o.options as Record<string, unknown>[] | undefined) ?? []) n += ofOption(child);
    return n;
  };
  let n = longest(d.name, d.nameLocalizations) + longest(d.description, d.descriptionLocalizations);
  for (const o of d.options) n += ofOption(o as Record<string, unknown>);
  return n;
}

/** The body a stored definition came from, so a PATCH can lay its fields over it and be checked whole. */
export function definitionAsBody(d: CommandDefinition): CommandBody {
  return {
    type: d.type,
    name: d.name,
    name_localizations: d.nameLocalizations,
    description: d.description,
    description_localizations: d.descriptionLocalizations,
    options: d.options as OptionInput[],
    default_member_permissions: d.defaultMemberPermissions,
    contexts: d.contexts,
    integration_types: d.integrationTypes,
    nsfw: d.nsfw,
  };
}

/**
 * Discord's rules over a body that passed the first pass; issues go under `path` (a bulk entry's index). The
 * definition, or the issues found.
 */
export function checkDefinition(body: CommandBody, scope: 'global' | 'guild', path: Path = []): { definition: CommandDefinition } | { issues: Issue[] } {
  const type = body.type ?? ApplicationCommandType.CHAT_INPUT;
  const chatInput = type === ApplicationCommandType.CHAT_INPUT;
  const c = new Checker(chatInput);
  if (!COMMAND_TYPES.includes(type)) c.add([...path, 'type'], 'BASE_TYPE_CHOICES', choicesText(COMMAND_TYPES));
  c.name(body.name, [...path, 'name']);
  const nameLocalizations = c.nameLocalizations(body.name_localizations, body.name, [...path, 'name_localizations']);

  let description = body.description ?? '';
  let descriptionLocalizations: LocalizationMap | null = null;
  let options: Record<string, unknown>[] = [];
  if (chatInput) {
    if (body.description === undefined || body.description === null) c.add([...path, 'description'], 'BASE_TYPE_REQUIRED', 'This field is required');
    else if (description.length < 1 || description.length > 100) c.add([...path, 'description'], 'BASE_TYPE_BAD_LENGTH', lengthText(1, 100));
    descriptionLocalizations = c.descriptionLocalizations(body.description_localizations, description, [...path, 'description_localizations']);
    options = c.options(body.options ?? [], [...path, 'options'], 'command');
  } else {
    // USER and MESSAGE commands have an empty description and no options.
    if (description.length) c.add([...path, 'description'], 'BASE_TYPE_MAX_LENGTH', 'Must be 0 or fewer in length.');
    if (body.options?.length) c.add([...path, 'options'], 'BASE_TYPE_MAX_LENGTH', 'Must be 0 or fewer in length.');
    description = '';
  }

  let contexts: number[] | null = null;
  let integrationTypes: number[] | null = null;
  if (scope === 'global') {
    body.contexts?.forEach((v, i) => CONTEXTS.includes(v) || c.add([...path, 'contexts', i], 'BASE_TYPE_CHOICES', choicesText(CONTEXTS)));
    body.integration_types?.forEach((v, i) => INTEGRATION_TYPES.includes(v) || c.add([...path, 'integration_types', i], 'BASE_TYPE_CHOICES', choicesText(INTEGRATION_TYPES)));
    // contexts replaces dm_permission: without contexts, dm_permission false takes the bot's DMs (1) away.
    contexts = body.contexts ? [...new Set(body.contexts)].sort((a, b) => a - b) : body.dm_permission === false ? [0, 2] : [...CONTEXTS];
    integrationTypes = body.integration_types?.length ? [...new Set(body.integration_types)].sort((a, b) => a - b) : [0];
  }

  const definition: CommandDefinition = {
    type: type as ApplicationCommandTypeValue,
    name: body.name,
    nameLocalizations,
    description,
    descriptionLocalizations,
    options,
    defaultMemberPermissions: body.default_member_permissions === undefined || body.default_member_permissions === null
      ? null
      : BigInt(body.default_member_permissions).toString(),
    contexts,
    integrationTypes,
    nsfw: body.nsfw ?? false,
  };
  if (!c.issues.length && commandSize(definition) > CommandLimits.size) {
    c.add(path, 'APPLICATION_COMMAND_TOO_LARGE', `Command exceeds maximum size (${CommandLimits.size})`);
  }
  return c.issues.length ? { issues: c.issues } : { definition };
}

/** POST / PATCH: the definition of one body, or the 50035 error with every issue. */
export function parseDefinition(body: CommandBody, scope: 'global' | 'guild'): CommandDefinition {
  const checked = checkDefinition(body, scope);
  if ('issues' in checked) throw formError(checked.issues);
  return checked.definition;
}
