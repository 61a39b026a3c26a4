/**
 * Turns a requested range into the bytes to serve, as RFC 9110 §14.1.2 judges a byte range: an end past the last
 * byte is clamped to it; a start at or past the size (any range of an empty blob, too) cannot be satisfied.
 */
import { BlobRangeError, type BlobRange } from './types.ts';

export interface ResolvedRange {
  start: number;
  /** Inclusive; start - 1 when nothing is served (an empty blob read whole). */
  end: number;
}

function position(value: unknown, name: string, size: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new BlobRangeError(size, `${name} must be a non-negative integer`);
  return value;
}

export function resolveRange(size: number, range: BlobRange | undefined): ResolvedRange {
  const start = position(range?.start, 'start', size);
  const end = position(range?.end, 'end', size);
  if (start === undefined && end === undefined) return { start: 0, end: size - 1 };
  const first = start ?? 0;
  if (first >= size) throw new BlobRangeError(size, `start ${first} is past the end`);
  if (end !== undefined && end < first) throw new BlobRangeError(size, `end ${end} is before start ${first}`);
  return { start: first, end: Math.min(end ?? size - 1, size - 1) };
}

/** Whether the range covers the whole blob, so its hash can be checked as it streams. */
export function isWhole(size: number, r: ResolvedRange): boolean {
  return r.start === 0 && r.end === size - 1;
}
