/**
 * Discord's legacy message components (action rows of buttons or one select) and modal text inputs: validation
 * with Discord's 50035 keys, and the normalised form Accord stores and renders.
 *
 * Rules (https://discord.com/developers/docs/components/reference):
 * - a message has at most 5 action rows; a row holds 1–5 buttons or exactly one select (a select is as wide as
 *   a row: COMPONENT_LAYOUT_WIDTH_EXCEEDED on whatever does not fit);
 * - text inputs live only in modals: at most 5 rows of one text input each;
 * - every custom_id is unique within its message or modal; every component gets a 32-bit `id`, numbered in
 *   order (row, then its children) where the sender left it out, skipping ids the sender chose.
 *
 * Only what Discord documents is kept, as it was sent; unknown fields are dropped. Interactive components
 * (custom_id buttons, premium buttons, selects) belong to applications: `checkComponents` drops them for other
 * senders (`allowInteractive: false`), as Discord ignores them for webhooks that no application owns.
 * Components V2 layouts (IS_COMPONENTS_V2) are checked by components-v2.ts, with the row and button rules here.
 */
import { formError } from '../../protocol/errors.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import { z } from '../validate.ts';

export const ComponentType = {
  ACTION_ROW: 1,
  BUTTON: 2,
  STRING_SELECT: 3,
  TEXT_INPUT: 4,
  USER_SELECT: 5,
  ROLE_SELECT: 6,
  MENTIONABLE_SELECT: 7,
  CHANNEL_SELECT: 8,
  // Components V2 (components-v2.ts): only in messages flagged IS_COMPONENTS_V2.
  SECTION: 9,
  TEXT_DISPLAY: 10,
  THUMBNAIL: 11,
  MEDIA_GALLERY: 12,
  FILE: 13,
  SEPARATOR: 14,
  CONTAINER: 17,
} as const;

export const ButtonStyle = { PRIMARY: 1, SECONDARY: 2, SUCCESS: 3, DANGER: 4, LINK: 5, PREMIUM: 6 } as const;
export const TextInputStyle = { SHORT: 1, PARAGRAPH: 2 } as const;

export const COMPONENT_LIMITS = {
  rows: 5,
  rowWidth: 5,
  customId: 100,
  buttonLabel: 80,
  buttonUrl: 512,
  options: 25,
  optionText: 100,
  placeholder: 150,
  values: 25,
  textInputLabel: 45,
  textInputLength: 4000,
  textInputPlaceholder: 100,
} as const;

export interface ComponentEmoji {
  id?: string;
  name?: string;
  animated?: boolean;
}

export interface ButtonComponent {
  type: 2;
  id: number;
  style: number;
  label?: string;
  emoji?: ComponentEmoji;
  custom_id?: string;
  url?: string;
  sku_id?: string;
  disabled?: boolean;
}

export interface SelectOption {
  label: string;
  value: string;
  description?: string;
  emoji?: ComponentEmoji;
  default?: boolean;
}

export interface SelectDefaultValue {
  id: string;
  type: 'user' | 'role' | 'channel';
}

export interface SelectComponent {
  type: 3 | 5 | 6 | 7 | 8;
  id: number;
  custom_id: string;
  options?: SelectOption[];
  channel_types?: number[];
  placeholder?: string;
  default_values?: SelectDefaultValue[];
  min_values?: number;
  max_values?: number;
  disabled?: boolean;
}

export interface TextInputComponent {
  type: 4;
  id: number;
  custom_id: string;
  style: number;
  label: string;
  min_length?: number;
  max_length?: number;
  required?: boolean;
  value?: string;
  placeholder?: string;
}

export interface ActionRow<C> {
  type: 1;
  id: number;
  components: C[];
}

export type MessageComponent = ButtonComponent | SelectComponent;
export type MessageActionRow = ActionRow<MessageComponent>;
export type ModalActionRow = ActionRow<TextInputComponent>;

export type Path = Array<string | number>;
export interface Issue {
  path: Path;
  code: string;
  message: string;
}

const SELECT_TYPES: ReadonlySet<number> = new Set([3, 5, 6, 7, 8]);
export const MESSAGE_CHILD_TYPES = [2, 3, 5, 6, 7, 8] as const;
/** Which default_values types each auto-populated select takes. */
const DEFAULT_VALUE_TYPES: Record<number, readonly SelectDefaultValue['type'][]> = { 5: ['user'], 6: ['role'], 7: ['user', 'role'], 8: ['channel'] };
const MAX_COMPONENT_ID = 2 ** 31 - 1;
/** No id from the sender (absent or 0): numberComponents gives it the next free one. */
export const UNSET_ID = 0;

/** Python-style tuple, as Discord's messages print choices: `(1,)`, `(1, 2)`. */
export const choices = (values: readonly (number | string)[]) => `(${values.map((v) => (typeof v === 'string' ? `'${v}'` : v)).join(', ')}${values.length === 1 ? ',' : ''})`;

/** Reads fields of one sent object, collecting Discord's form errors instead of stopping at the first. */
export class Checker {
  readonly issues: Issue[] = [];

  fail(path: Path, code: string, message: string): void {
    this.issues.push({ path, code, message });
  }

  object(value: unknown, path: Path): Record<string, unknown> | undefined {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    this.fail(path, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    return undefined;
  }

  array(obj: Record<string, unknown>, key: string, path: Path, required: boolean): unknown[] | undefined {
    const value = obj[key];
    if (value === undefined || value === null) {
      if (required) this.fail([...path, key], 'BASE_TYPE_REQUIRED', 'This field is required');
      return undefined;
    }
    if (!Array.isArray(value)) {
      this.fail([...path, key], 'BASE_TYPE_INVALID', 'Must be a valid array.');
      return undefined;
    }
    return value;
  }

  string(obj: Record<string, unknown>, key: string, path: Path, opts: { max: number; min?: number; required?: boolean }): string | undefined {
    const value = obj[key];
    if (value === undefined || value === null) {
      if (opts.required) this.fail([...path, key], 'BASE_TYPE_REQUIRED', 'This field is required');
      return undefined;
    }
    if (typeof value !== 'string') {
      this.fail([...path, key], 'BASE_TYPE_INVALID', 'Must be a valid string.');
      return undefined;
    }
    const min = opts.min ?? 0;
    if (value.length > opts.max) this.fail([...path, key], 'BASE_TYPE_MAX_LENGTH', `Must be ${opts.max} or fewer in length.`);
    else if (value.length < min) this.fail([...path, key], 'BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${opts.max} in length.`);
    else return value;
    return undefined;
  }

  int(obj: Record<string, unknown>, key: string, path: Path, opts: { min: number; max: number; required?: boolean }): number | undefined {
    const value = obj[key];
    if (value === undefined || value === null) {
      if (opts.required) this.fail([...path, key], 'BASE_TYPE_REQUIRED', 'This field is required');
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.fail([...path, key], 'BASE_TYPE_INVALID', 'Must be a valid integer.');
      return undefined;
    }
    if (value < opts.min) this.fail([...path, key], 'NUMBER_TYPE_MIN', `int value should be greater than or equal to ${opts.min}.`);
    else if (value > opts.max) this.fail([...path, key], 'NUMBER_TYPE_MAX', `int value should be less than or equal to ${opts.max}.`);
    else return value;
    return undefined;
  }

  choice(obj: Record<string, unknown>, key: string, path: Path, allowed: readonly number[]): number | undefined {
    const value = obj[key];
    if (value === undefined || value === null) {
      this.fail([...path, key], 'BASE_TYPE_REQUIRED', 'This field is required');
      return undefined;
    }
    if (typeof value === 'number' && allowed.includes(value)) return value;
    this.fail([...path, key], 'BASE_TYPE_CHOICES', `Value must be one of ${choices(allowed)}.`);
    return undefined;
  }

  bool(obj: Record<string, unknown>, key: string, path: Path): boolean | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    this.fail([...path, key], 'BASE_TYPE_INVALID', 'Must be a valid boolean.');
    return undefined;
  }

  snowflake(obj: Record<string, unknown>, key: string, path: Path, required: boolean): string | undefined {
    const value = obj[key];
    if (value === undefined || value === null) {
      if (required) this.fail([...path, key], 'BASE_TYPE_REQUIRED', 'This field is required');
      return undefined;
    }
    const text = typeof value === 'number' || typeof value === 'bigint' ? String(value) : value;
    if (typeof text === 'string' && isSnowflake(text)) return text;
    this.fail([...path, key], 'NUMBER_TYPE_COERCE', `Value "${String(value)}" is not snowflake.`);
    return undefined;
  }

  /** `{id?, name?, animated?}`: a custom emoji by id or a Unicode one by name. */
  emoji(obj: Record<string, unknown>, path: Path): ComponentEmoji | undefined {
    if (obj.emoji === undefined || obj.emoji === null) return undefined;
    const at = [...path, 'emoji'];
    const raw = this.object(obj.emoji, at);
    if (!raw) return undefined;
    const before = this.issues.length;
    const id = this.snowflake(raw, 'id', at, false);
    const name = this.string(raw, 'name', at, { max: 32 });
    const animated = this.bool(raw, 'animated', at);
    if (this.issues.length > before) return undefined;
    if (!id && !name) {
      this.fail(at, 'BUTTON_COMPONENT_INVALID_EMOJI', 'Invalid emoji');
      return undefined;
    }
    return { ...(id ? { id } : {}), ...(name ? { name } : {}), ...(animated !== undefined ? { animated } : {}) };
  }

  /** The component's own `id`: kept when the sender gave one (non-zero), numbered later otherwise. */
  componentId(obj: Record<string, unknown>, path: Path): number {
    return this.int(obj, 'id', path, { min: 0, max: MAX_COMPONENT_ID }) ?? UNSET_ID;
  }

  /** The component's `type`, or a UNION_TYPE_CHOICES error when it is not one of `allowed`. */
  type(obj: Record<string, unknown>, path: Path, allowed: readonly number[]): number | undefined {
    if (typeof obj.type === 'number' && allowed.includes(obj.type)) return obj.type;
    this.fail(path, 'UNION_TYPE_CHOICES', `Value of field "type" must be one of ${choices(allowed)}.`);
    return undefined;
  }
}

/** Discord's widths: a button takes one fifth of a row, a select or a text input the whole of it. */
const widthOf = (type: number) => (type === ComponentType.BUTTON ? 1 : COMPONENT_LIMITS.rowWidth);

/** Rows of `rowChild` components: the shared row rules (1–5 rows where asked, width, ids, unique custom_ids). */
function checkRows<C extends { id: number; custom_id?: string }>(
  c: Checker, input: unknown, path: Path, opts: { minRows: number; childTypes: readonly number[]; child: (c: Checker, obj: Record<string, unknown>, type: number, path: Path) => C | undefined },
): ActionRow<C>[] {
  if (!Array.isArray(input)) {
    c.fail(path, 'BASE_TYPE_INVALID', 'Must be a valid array.');
    return [];
  }
  if (input.length > COMPONENT_LIMITS.rows) {
    c.fail(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${COMPONENT_LIMITS.rows} or fewer in length.`);
    return [];
  }
  if (input.length < opts.minRows) {
    c.fail(path, 'BASE_TYPE_BAD_LENGTH', `Must be between ${opts.minRows} and ${COMPONENT_LIMITS.rows} in length.`);
    return [];
  }
  const rows: ActionRow<C>[] = [];
  input.forEach((rawRow, i) => {
    const at = [...path, i];
    const row = c.object(rawRow, at);
    if (!row || c.type(row, at, [ComponentType.ACTION_ROW]) === undefined) return;
    const made = checkRow(c, row, at, opts);
    if (made) rows.push(made);
  });
  checkUnique(c, rows, path);
  return rows;
}

/** One action row (its `type` already checked): 1–5 children of `childTypes` within the row's width. */
export function checkRow<C>(
  c: Checker, row: Record<string, unknown>, at: Path, opts: { childTypes: readonly number[]; child: (c: Checker, obj: Record<string, unknown>, type: number, path: Path) => C | undefined },
): ActionRow<C> | undefined {
  const id = c.componentId(row, at);
  const children = c.array(row, 'components', at, true);
  if (!children) return undefined;
  if (children.length === 0) {
    c.fail([...at, 'components'], 'BASE_TYPE_BAD_LENGTH', `Must be between 1 and ${COMPONENT_LIMITS.rowWidth} in length.`);
    return undefined;
  }
  const out: C[] = [];
  let width = 0;
  children.forEach((rawChild, j) => {
    const childAt = [...at, 'components', j];
    const child = c.object(rawChild, childAt);
    if (!child) return;
    const type = c.type(child, childAt, opts.childTypes);
    if (type === undefined) return;
    width += widthOf(type);
    if (width > COMPONENT_LIMITS.rowWidth) {
      c.fail(childAt, 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', 'The specified component exceeds the maximum width');
      return;
    }
    const made = opts.child(c, child, type, childAt);
    if (made) out.push(made);
  });
  return { type: ComponentType.ACTION_ROW, id, components: out };
}

/** custom_ids and ids are unique within a message (or modal). */
function checkUnique(c: Checker, rows: ActionRow<{ id: number; custom_id?: string }>[], path: Path): void {
  const customIds = new Set<string>();
  const ids = new Set<number>();
  const seeId = (id: number, at: Path) => {
    if (id === UNSET_ID) return;
    if (ids.has(id)) c.fail([...at, 'id'], 'COMPONENT_ID_DUPLICATED', 'Component id cannot be duplicated');
    ids.add(id);
  };
  rows.forEach((row, i) => {
    seeId(row.id, [...path, i]);
    row.components.forEach((child, j) => {
      const at = [...path, i, 'components', j];
      seeId(child.id, at);
      if (child.custom_id === undefined) return;
      if (customIds.has(child.custom_id)) c.fail([...at, 'custom_id'], 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
      customIds.add(child.custom_id);
    });
  });
}

/** Numbers every component the sender left without an id, in order, skipping the ids already taken. */
function numberComponents<R extends ActionRow<{ id: number }>>(rows: R[]): R[] {
  const taken = new Set<number>();
  for (const row of rows) {
    taken.add(row.id);
    for (const child of row.components) taken.add(child.id);
  }
  let next = 1;
  const assign = (id: number) => {
    if (id !== UNSET_ID) return id;
    while (taken.has(next)) next++;
    taken.add(next);
    return next;
  };
  return rows.map((row) => {
    const id = assign(row.id);
    return { ...row, id, components: row.components.map((child) => ({ ...child, id: assign(child.id) })) };
  });
}

const LINK_SCHEMES = ['http', 'https', 'discord'];

export function checkButton(c: Checker, obj: Record<string, unknown>, path: Path): ButtonComponent | undefined {
  const before = c.issues.length;
  const id = c.componentId(obj, path);
  const style = c.choice(obj, 'style', path, Object.values(ButtonStyle));
  const label = c.string(obj, 'label', path, { max: COMPONENT_LIMITS.buttonLabel });
  const emoji = c.emoji(obj, path);
  const disabled = c.bool(obj, 'disabled', path);
  const customId = c.string(obj, 'custom_id', path, { max: COMPONENT_LIMITS.customId });
  const url = c.string(obj, 'url', path, { max: COMPONENT_LIMITS.buttonUrl });
  if (style === undefined) return undefined;
  const out: ButtonComponent = { type: ComponentType.BUTTON, id, style };
  if (style === ButtonStyle.PREMIUM) {
    // A premium button is its SKU: Discord draws its label and emoji.
    const skuId = c.snowflake(obj, 'sku_id', path, false);
    if (!skuId) c.fail([...path, 'sku_id'], 'BUTTON_COMPONENT_SKU_ID_REQUIRED', 'A sku id is required');
    for (const key of ['custom_id', 'url', 'label', 'emoji'] as const) {
      if (obj[key] !== undefined && obj[key] !== null) c.fail([...path, key], 'BUTTON_COMPONENT_PREMIUM_FIELD_INVALID', 'Premium buttons cannot have a custom id, url, label or emoji');
    }
    if (skuId) out.sku_id = skuId;
  } else if (style === ButtonStyle.LINK) {
    if (customId) c.fail([...path, 'custom_id'], 'BUTTON_COMPONENT_CUSTOM_ID_URL_MUTUALLY_EXCLUSIVE', 'A custom id and url cannot both be specified');
    if (!url) {
      if (obj.url === undefined || obj.url === null || obj.url === '') c.fail([...path, 'url'], 'BUTTON_COMPONENT_URL_REQUIRED', 'A url is required');
    } else {
      checkLinkUrl(c, url, [...path, 'url']);
      out.url = url;
    }
  } else {
    if (url) c.fail([...path, 'url'], 'BUTTON_COMPONENT_CUSTOM_ID_URL_MUTUALLY_EXCLUSIVE', 'A custom id and url cannot both be specified');
    if (customId === undefined || customId === '') {
      if (obj.custom_id === undefined || obj.custom_id === null || obj.custom_id === '') c.fail([...path, 'custom_id'], 'BUTTON_COMPONENT_CUSTOM_ID_REQUIRED', 'A custom id is required');
    } else out.custom_id = customId;
  }
  if (style !== ButtonStyle.PREMIUM) {
    if (label !== undefined) out.label = label;
    if (emoji) out.emoji = emoji;
  }
  if (disabled !== undefined) out.disabled = disabled;
  return c.issues.length > before ? undefined : out;
}

function checkLinkUrl(c: Checker, url: string, path: Path): void {
  let scheme: string;
  try {
    scheme = new URL(url).protocol.slice(0, -1);
  } catch {
    c.fail(path, 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
    return;
  }
  if (!LINK_SCHEMES.includes(scheme)) {
    c.fail(path, 'URL_TYPE_INVALID_SCHEME', `Scheme "${scheme}" is not supported. Scheme must be one of ${choices(LINK_SCHEMES)}.`);
  }
}

function checkOption(c: Checker, raw: unknown, path: Path): SelectOption | undefined {
  const obj = c.object(raw, path);
  if (!obj) return undefined;
  const before = c.issues.length;
  const label = c.string(obj, 'label', path, { min: 1, max: COMPONENT_LIMITS.optionText, required: true });
  const value = c.string(obj, 'value', path, { min: 1, max: COMPONENT_LIMITS.optionText, required: true });
  const description = c.string(obj, 'description', path, { max: COMPONENT_LIMITS.optionText });
  const emoji = c.emoji(obj, path);
  const isDefault = c.bool(obj, 'default', path);
  if (c.issues.length > before || label === undefined || value === undefined) return undefined;
  const out: SelectOption = { label, value };
  if (description !== undefined) out.description = description;
  if (emoji) out.emoji = emoji;
  if (isDefault !== undefined) out.default = isDefault;
  return out;
}

function checkSelect(c: Checker, obj: Record<string, unknown>, type: SelectComponent['type'], path: Path): SelectComponent | undefined {
  const before = c.issues.length;
  const id = c.componentId(obj, path);
  const customId = c.string(obj, 'custom_id', path, { min: 1, max: COMPONENT_LIMITS.customId, required: true });
  const placeholder = c.string(obj, 'placeholder', path, { max: COMPONENT_LIMITS.placeholder });
  const minValues = c.int(obj, 'min_values', path, { min: 0, max: COMPONENT_LIMITS.values });
  const maxValues = c.int(obj, 'max_values', path, { min: 1, max: COMPONENT_LIMITS.values });
  const disabled = c.bool(obj, 'disabled', path);
  if (c.issues.length > before || customId === undefined) return undefined;
  const min = minValues ?? 1;
  const max = maxValues ?? 1;
  if (min > max) c.fail([...path, 'min_values'], 'NUMBER_TYPE_MAX', `int value should be less than or equal to ${max}.`);

  const out: SelectComponent = { type, id, custom_id: customId };
  if (type === ComponentType.STRING_SELECT) {
    const options = selectOptions(c, obj, path, min, max);
    if (options) out.options = options;
  } else {
    if (type === ComponentType.CHANNEL_SELECT) {
      const types = c.array(obj, 'channel_types', path, false);
      if (types) {
        const at = [...path, 'channel_types'];
        const list = Object.fromEntries(types.map((t, k) => [String(k), t]));
        out.channel_types = types.flatMap((_, k) => c.int(list, String(k), at, { min: 0, max: 255, required: true }) ?? []);
      }
    }
    const defaults = defaultValues(c, obj, type, path, min, max);
    if (defaults) out.default_values = defaults;
  }
  if (placeholder !== undefined) out.placeholder = placeholder;
  if (minValues !== undefined) out.min_values = minValues;
  if (maxValues !== undefined) out.max_values = maxValues;
  if (disabled !== undefined) out.disabled = disabled;
  return c.issues.length > before ? undefined : out;
}

/** A string select's 1–25 options: unique values, enough of them for min/max_values, no more defaults than max_values. */
function selectOptions(c: Checker, obj: Record<string, unknown>, path: Path, min: number, max: number): SelectOption[] | undefined {
  const raw = c.array(obj, 'options', path, true);
  if (!raw) return undefined;
  const at = [...path, 'options'];
  if (raw.length < 1 || raw.length > COMPONENT_LIMITS.options) {
    c.fail(at, 'BASE_TYPE_BAD_LENGTH', `Must be between 1 and ${COMPONENT_LIMITS.options} in length.`);
    return undefined;
  }
  const before = c.issues.length;
  const options = raw.map((o, k) => checkOption(c, o, [...at, k]));
  if (c.issues.length > before) return undefined;
  const ok = options as SelectOption[];
  const values = new Set<string>();
  ok.forEach((o, k) => {
    if (values.has(o.value)) c.fail([...at, k], 'SELECT_COMPONENT_OPTION_VALUE_DUPLICATED', 'The specified option value is already used');
    values.add(o.value);
  });
  if (min > ok.length) c.fail([...path, 'min_values'], 'NUMBER_TYPE_MAX', `min_values value should be less than or equal to ${ok.length}.`);
  if (max > ok.length) c.fail(at, 'BASE_TYPE_MIN_LENGTH', `Must be ${max} or more in length.`);
  if (ok.filter((o) => o.default).length > max) {
    c.fail(at, 'SELECT_COMPONENT_TOO_MANY_DEFAULT_VALUES', 'The specified number of default values exceeds the specified maximum values');
  }
  return ok;
}

/** An auto-populated select's default_values: `{id, type}` of its kind, between min_values and max_values of them. */
function defaultValues(c: Checker, obj: Record<string, unknown>, type: number, path: Path, min: number, max: number): SelectDefaultValue[] | undefined {
  const raw = c.array(obj, 'default_values', path, false);
  if (!raw) return undefined;
  const at = [...path, 'default_values'];
  const allowed = DEFAULT_VALUE_TYPES[type] ?? [];
  const out: SelectDefaultValue[] = [];
  raw.forEach((v, k) => {
    const entry = c.object(v, [...at, k]);
    if (!entry) return;
    const id = c.snowflake(entry, 'id', [...at, k], true);
    const kind = entry.type;
    if (typeof kind !== 'string' || !(allowed as readonly string[]).includes(kind)) {
      c.fail([...at, k, 'type'], 'BASE_TYPE_CHOICES', `Value must be one of ${choices(allowed)}.`);
      return;
    }
    if (id) out.push({ id, type: kind as SelectDefaultValue['type'] });
  });
  if (raw.length > max || raw.length < Math.min(min, max)) c.fail(at, 'BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${max} in length.`);
  return out;
}

export function checkMessageChild(c: Checker, obj: Record<string, unknown>, type: number, path: Path): MessageComponent | undefined {
  if (type === ComponentType.BUTTON) return checkButton(c, obj, path);
  if (SELECT_TYPES.has(type)) return checkSelect(c, obj, type as SelectComponent['type'], path);
  return undefined;
}

function checkTextInput(c: Checker, obj: Record<string, unknown>, _type: number, path: Path): TextInputComponent | undefined {
  const before = c.issues.length;
  const id = c.componentId(obj, path);
  const customId = c.string(obj, 'custom_id', path, { min: 1, max: COMPONENT_LIMITS.customId, required: true });
  const style = c.choice(obj, 'style', path, Object.values(TextInputStyle));
  const label = c.string(obj, 'label', path, { min: 1, max: COMPONENT_LIMITS.textInputLabel, required: true });
  const minLength = c.int(obj, 'min_length', path, { min: 0, max: COMPONENT_LIMITS.textInputLength });
  const maxLength = c.int(obj, 'max_length', path, { min: 1, max: COMPONENT_LIMITS.textInputLength });
  const required = c.bool(obj, 'required', path);
  const value = c.string(obj, 'value', path, { max: COMPONENT_LIMITS.textInputLength });
  const placeholder = c.string(obj, 'placeholder', path, { max: COMPONENT_LIMITS.textInputPlaceholder });
  if (minLength !== undefined && maxLength !== undefined && minLength > maxLength) {
    c.fail([...path, 'min_length'], 'NUMBER_TYPE_MAX', `int value should be less than or equal to ${maxLength}.`);
  }
  if (c.issues.length > before || customId === undefined || style === undefined || label === undefined) return undefined;
  const out: TextInputComponent = { type: ComponentType.TEXT_INPUT, id, custom_id: customId, style, label };
  if (minLength !== undefined) out.min_length = minLength;
  if (maxLength !== undefined) out.max_length = maxLength;
  if (required !== undefined) out.required = required;
  if (value !== undefined) out.value = value;
  if (placeholder !== undefined) out.placeholder = placeholder;
  return out;
}

/** A message's rows, checked and numbered; `issues` holds Discord's errors relative to `path`. */
export function validateMessageComponents(input: unknown, path: Path = []): { rows: MessageActionRow[]; issues: Issue[] } {
  const c = new Checker();
  const rows = checkRows(c, input, path, { minRows: 0, childTypes: MESSAGE_CHILD_TYPES, child: checkMessageChild });
  return { rows: c.issues.length ? [] : numberComponents(rows), issues: c.issues };
}

/** A modal's rows (1–5 rows of one text input each), checked and numbered. */
export function validateModalComponents(input: unknown, path: Path = []): { rows: ModalActionRow[]; issues: Issue[] } {
  const c = new Checker();
  const rows = checkRows(c, input, path, { minRows: 1, childTypes: [ComponentType.TEXT_INPUT], child: checkTextInput });
  return { rows: c.issues.length ? [] : numberComponents(rows), issues: c.issues };
}


/** Interactive components are custom_id and premium buttons and every select; link buttons are not. */
export function isInteractive(component: MessageComponent): boolean {
  return !(component.type === ComponentType.BUTTON && component.style === ButtonStyle.LINK);
}

/** The rows without their interactive components (rows left empty go too), for senders that are not applications. */
export function withoutInteractive(rows: readonly MessageActionRow[]): MessageActionRow[] {
  return rows.flatMap((row) => {
    const kept = row.components.filter((child) => !isInteractive(child));
    return kept.length ? [{ ...row, components: kept }] : [];
  });
}

/** Turns a validation's issues into zod issues, so a schema field reports them under its own path. */
export function asSchema<T>(validate: (input: unknown) => { rows: T[]; issues: Issue[] }) {
  return z.unknown().transform((input, ctx): T[] => {
    const { rows, issues } = validate(input);
    for (const issue of issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, params: { discordCode: issue.code }, input });
    return issues.length ? z.NEVER : rows;
  });
}

/** A message's `components` in a request body: its action rows, checked and normalised. */
export const componentsSchema = asSchema(validateMessageComponents);

/**
 * Checks a message's `components` by Discord's rules (50035 with Discord's keys under `path`, `components` by
 * default) and returns them normalised. Without `allowInteractive` (the sender is not an application) only
 * link buttons are kept: Discord ignores the rest rather than refusing the message.
 */
export function checkComponents(components: unknown, opts: { allowInteractive: boolean; path?: Path }): MessageActionRow[] {
  if (components === undefined || components === null) return [];
  const { rows, issues } = validateMessageComponents(components, opts.path ?? ['components']);
  if (issues.length) throw formError(issues);
  return opts.allowInteractive ? rows : withoutInteractive(rows);
}

/** Checks a modal's `components` (50035 under `path`, `components` by default) and returns them normalised. */
export function checkModalComponents(components: unknown, opts: { path?: Path } = {}): ModalActionRow[] {
  const { rows, issues } = validateModalComponents(components, opts.path ?? ['components']);
  if (issues.length) throw formError(issues);
  return rows;
}
