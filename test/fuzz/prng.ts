/**
 * The fuzz suite's only source of randomness: a seeded PRNG (mulberry32), so a run is reproduced exactly by its
 * seed. The seed is fixed; ACCORD_FUZZ_SEED replaces it to replay or explore.
 */

export const DEFAULT_FUZZ_SEED = 0x5eed_acc0;

/** The seed for this run: ACCORD_FUZZ_SEED (decimal or 0x hex) when set, else the fixed default. */
export function fuzzSeed(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ACCORD_FUZZ_SEED?.trim();
  if (!raw) return DEFAULT_FUZZ_SEED;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`ACCORD_FUZZ_SEED must be an integer, got ${JSON.stringify(raw)}`);
  return n >>> 0;
}

export class Prng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** An independent stream for one part of the run, so adding cases to one part leaves the others as they were. */
  fork(label: string): Prng {
    let h = this.#state ^ 0x9e3779b9;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
    return new Prng(h);
  }
}
