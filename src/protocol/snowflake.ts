/**
 * Snowflakes with Discord's layout: 42 bits of milliseconds since the Discord epoch, 5 bits worker id,
 * 5 bits process id, 12 bits increment. Decimal strings on the wire, bigint in the store.
 */
export const DISCORD_EPOCH = 1420070400000n;
const MAX_INCREMENT = 0xfffn;

export type Snowflake = string;

export class SnowflakeGenerator {
  readonly #workerId: bigint;
  readonly #processId: bigint;
  readonly #now: () => number;
  #lastMs = -1n;
  #increment = 0n;

  constructor(opts: { workerId?: number; processId?: number; now?: () => number } = {}) {
    const workerId = opts.workerId ?? 0;
    const processId = opts.processId ?? 0;
    if (!Number.isInteger(workerId) || workerId < 0 || workerId > 31) throw new RangeError('workerId must be 0..31');
    if (!Number.isInteger(processId) || processId < 0 || processId > 31) throw new RangeError('processId must be 0..31');
    this.#workerId = BigInt(workerId);
    this.#processId = BigInt(processId);
    this.#now = opts.now ?? Date.now;
  }

  /**
   * A new id, strictly greater than every id this generator returned before. When the clock steps back we keep
   * issuing from the last millisecond seen; when 4096 ids are used up in one millisecond we borrow the next one,
   * so ids stay unique and ordered at the cost of running slightly ahead of the wall clock.
   */
  next(): Snowflake {
    return this.nextBigInt().toString();
  }

  nextBigInt(): bigint {
    let ms = BigInt(this.#now()) - DISCORD_EPOCH;
    if (ms <= this.#lastMs) {
      ms = this.#lastMs;
      this.#increment += 1n;
      if (this.#increment > MAX_INCREMENT) {
        ms = this.#lastMs + 1n;
        this.#increment = 0n;
      }
    } else {
      this.#increment = 0n;
    }
    this.#lastMs = ms;
    return (ms << 22n) | (this.#workerId << 17n) | (this.#processId << 12n) | this.#increment;
  }
}

/** Milliseconds since the Unix epoch at which the snowflake was made. */
export function snowflakeTimestamp(id: Snowflake | bigint): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

/** The smallest snowflake made at `ms` (Unix milliseconds): a bound for `before` / `after` paging by time. */
export function snowflakeFromTimestamp(ms: number): Snowflake {
  const rel = BigInt(Math.floor(ms)) - DISCORD_EPOCH;
  return (rel < 0n ? 0n : rel << 22n).toString();
}

export function snowflakeParts(id: Snowflake | bigint) {
  const n = BigInt(id);
  return {
    timestamp: Number((n >> 22n) + DISCORD_EPOCH),
    workerId: Number((n & 0x3e0000n) >> 17n),
    processId: Number((n & 0x1f000n) >> 12n),
    increment: Number(n & 0xfffn),
  };
}

/**
 * True for a decimal string that fits a signed 64-bit integer, the range the store keeps ids in (and every id
 * Discord has issued; the top bit would be a timestamp past 2154). Ids between 2^63 and 2^64 used to pass here
 * and fail in the store, so `/channels/9223372036854775808` answered 400 instead of 404 and a message
 * containing `<@99999999999999999999>` could not be sent.
 */
export function isSnowflake(value: unknown): value is Snowflake {
  // Canonical decimal only: `0123` is not the id 123 (Discord refuses it), and a cache keyed by the string
  // would otherwise miss what the store finds.
  if (typeof value !== 'string' || !/^(?:0|[1-9]\d{0,18})$/.test(value)) return false;
  return BigInt(value) <= 0x7fffffffffffffffn;
}

/** Ten days of snowflake time: the width of a message partition (Discord's Cassandra bucket). */
export const BUCKET_MS = 10 * 24 * 60 * 60 * 1000;

/** The message bucket an id falls in: floor(ms since Discord epoch / 10 days). */
export function bucketOf(id: Snowflake | bigint): number {
  return Number((BigInt(id) >> 22n) / BigInt(BUCKET_MS));
}
