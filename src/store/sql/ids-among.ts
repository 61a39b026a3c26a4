/**
 * "Which of these ids does the table hold under this key?" (the banned among a lobby's players, the players among
 * a member update, the events among a list a user is interested in): one read per 500 ids, ascending.
 */
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { SqlDriver } from './driver.ts';
import { chunks, id, ids, marks, rs } from './values.ts';

/**
 * Names written into the SQL text as they are: only these constants, never input. Another table joins the list.
 */
export interface IdsAmongQuery {
  table: 'bans' | 'lobby_members' | 'guild_scheduled_event_users';
  /** The column the ids are looked up in, and returned from. */
  column: 'user_id' | 'event_id';
  /** The key every row must match: [column, value]. */
  where: readonly ['guild_id' | 'lobby_id' | 'user_id', Snowflake];
}

/** The ids of `among` that have a row in `q.table` with `q.where`, ascending and without repeats. */
export async function idsAmong(db: SqlDriver, q: IdsAmongQuery, among: readonly Snowflake[]): Promise<Snowflake[]> {
  const [keyColumn, key] = q.where;
  const k = id(key, keyColumn);
  const out: Snowflake[] = [];
  const wanted = [...new Set(ids(among, q.column))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const part of chunks(wanted)) {
    const rows = await db.all(`SELECT ${q.column} FROM ${q.table} WHERE ${keyColumn} = ? AND ${q.column} IN (${marks(part.length)}) ORDER BY ${q.column}`, [k, ...part]);
    for (const r of rows) out.push(rs(r[q.column]));
  }
  return out;
}
