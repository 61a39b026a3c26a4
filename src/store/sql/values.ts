/**
 * Input validation (typed errors before anything reaches the database) and row decoding shared by the
 * repositories. Rows decode the same from both drivers: String(x) for ids (bigint from SQLite, string from
 * PostgreSQL), Number(x) for small integers and times, x != 0 for SMALLINT booleans.
 */
import { InvalidInputError } from '../errors.ts';
import { LIMITS, type LimitName } from '../limits.ts';
import type { Row, SqlValue } from './driver.ts';

const MAX_BIGINT = (1n << 63n) - 1n;

/** A snowflake string as the bigint the database stores; ids must fit a signed 64-bit integer. */
export function id(value: unknown, field = 'id'): bigint {
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value)) throw new InvalidInputError(field, 'not a snowflake');
  const n = BigInt(value);
  if (n > MAX_BIGINT) throw new InvalidInputError(field, 'snowflake out of range');
  return n;
}

export function optId(value: unknown, field: string): bigint | null {
  return value === null || value === undefined ? null : id(value, field);
}

export function ids(values: readonly unknown[], field: string): bigint[] {
  if (!Array.isArray(values)) throw new InvalidInputError(field, 'not a list');
  return values.map((v) => id(v, field));
}

export function text(value: unknown, limit: LimitName, field: string): string {
  if (typeof value !== 'string') throw new InvalidInputError(field, 'not a string');
  const { min, max } = LIMITS[limit];
  if (value.length < min || value.length > max) throw new InvalidInputError(field, `length must be ${min}–${max}`);
  return value;
}

export function optText(value: unknown, limit: LimitName, field: string): string | null {
  return value === null || value === undefined ? null : text(value, limit, field);
}

export function int(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new InvalidInputError(field, 'not an integer');
  return value;
}

export function optInt(value: unknown, field: string): number | null {
  return value === null || value === undefined ? null : int(value, field);
}

export function bool(value: unknown, field: string): number {
  if (typeof value !== 'boolean') throw new InvalidInputError(field, 'not a boolean');
  return value ? 1 : 0;
}

/** Permission bitfields: decimal strings of any size. */
export function bits(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^\d{1,64}$/.test(value)) throw new InvalidInputError(field, 'not a decimal bitfield');
  return value;
}

export function json(value: unknown, field: string): string {
  try {
    const out = JSON.stringify(value ?? null);
    if (out === undefined) throw new Error('not serialisable');
    return out;
  } catch {
    throw new InvalidInputError(field, 'not JSON-serialisable');
  }
}

export function jsonArray(value: unknown, field: string): string {
  if (!Array.isArray(value)) throw new InvalidInputError(field, 'not a list');
  return json(value, field);
}

export function pageLimit(value: unknown, range: { min: number; max: number; default: number }): number {
  if (value === undefined) return range.default;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw new InvalidInputError('limit', `must be an integer ${range.min}–${range.max}`);
  }
  return value;
}

/** `?, ?, ?` for an IN list. */
export function marks(n: number): string {
  return new Array(n).fill('?').join(', ');
}

export function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// ------------------------------------------------------------------------------------------------ decoding

export const rs = (v: unknown): string => String(v);
export const rsn = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
export const rn = (v: unknown): number => Number(v);
export const rnn = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const rb = (v: unknown): boolean => Number(v) !== 0;
export function rj<T>(v: unknown, fallback: T): T {
  if (v === null || v === undefined) return fallback;
  try {
    return JSON.parse(String(v)) as T;
  } catch {
    return fallback;
  }
}

/**
 * Builds `SET a = ?, b = ?` from a patch: each present key of `columns` maps to a column and an encoder.
 * Keys the patch does not hold are left alone; keys outside `columns` are ignored.
 */
export function setClause<P extends object>(
  patch: P,
  columns: { [K in keyof P]?: [column: string, encode: (v: P[K]) => SqlValue] },
): { sql: string; params: SqlValue[] } {
  const sets: string[] = [];
  const params: SqlValue[] = [];
  for (const key of Object.keys(columns) as Array<keyof P>) {
    if (!Object.prototype.hasOwnProperty.call(patch, key) || patch[key] === undefined) continue;
    const [column, encode] = columns[key]!;
    sets.push(`${column} = ?`);
    params.push(encode(patch[key]));
  }
  return { sql: sets.join(', '), params };
}

export type { Row };
