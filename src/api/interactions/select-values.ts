/**
 * A select menu's chosen `values` checked against the component the message holds, as Discord checks them: their
 * count within `min_values` / `max_values` (defaults 1 / 1), no value twice, and for the auto-populated selects
 * (USER 5, ROLE 6, MENTIONABLE 7, CHANNEL 8) each a snowflake naming something of the guild (or the DM) of the
 * select's type (a channel of one of its `channel_types`). What they name becomes `data.resolved` (users, members
 * with their channel permissions, roles, channels), built by options.ts. Refusals are 50035 on data.values.
 */
import { fieldError } from '../../protocol/errors.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import type { Store } from '../../store/types.ts';
import type { ChannelAccess } from '../access.ts';
import { resolveOptions, type Resolved, type Wanted } from './options.ts';

export const SelectType = { STRING: 3, USER: 5, ROLE: 6, MENTIONABLE: 7, CHANNEL: 8 } as const;

export const isSelectType = (type: number): boolean => type === SelectType.STRING || (type >= SelectType.USER && type <= SelectType.CHANNEL);

const PATH = ['data', 'values'];
const CODE = 'COMPONENT_INVALID';

/** Checks `values` against `component` (a select menu); returns `data.resolved` for auto-populated selects. */
export async function checkSelectValues(
  store: Store, access: ChannelAccess, component: Record<string, unknown>, values: readonly string[], now: number,
): Promise<Resolved | null> {
  const min = typeof component.min_values === 'number' ? component.min_values : 1;
  const max = typeof component.max_values === 'number' ? component.max_values : 1;
  if (values.length < min || values.length > max) throw fieldError(PATH, CODE, `Must choose between ${min} and ${max} values`);
  if (new Set(values).size !== values.length) throw fieldError(PATH, CODE, 'Values must be unique');
  const type = component.type as number;
  if (type === SelectType.STRING) {
    const options = Array.isArray(component.options) ? (component.options as Array<{ value?: unknown }>) : [];
    const known = new Set(options.map((o) => o.value));
    for (const v of values) if (!known.has(v)) throw fieldError(PATH, CODE, `Unknown option ${v}`);
    return null;
  }
  for (const v of values) if (!isSnowflake(v)) throw fieldError(PATH, CODE, `Value ${v} is not snowflake.`);
  const wanted: Wanted = { users: new Set(), roles: new Set(), channels: new Set(), mentionables: new Set() };
  const set = type === SelectType.USER ? wanted.users : type === SelectType.ROLE ? wanted.roles : type === SelectType.CHANNEL ? wanted.channels : wanted.mentionables;
  for (const v of values) set.add(v);
  const channelTypes = Array.isArray(component.channel_types) ? (component.channel_types as number[]) : [];
  if (type === SelectType.CHANNEL && channelTypes.length) wanted.channelTypes = new Map(values.map((v) => [v, channelTypes]));
  return resolveOptions(store, access, wanted, now, { path: PATH, code: CODE });
}
