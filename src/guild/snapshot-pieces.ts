/**
 * A GUILD_CREATE payload as pieces (contracts/guild.ts SnapshotPiece) instead of one string.
 *
 * In an identify storm every snapshot of a guild repeats most of its text: the guild with its roles, the channels,
 * and the member and presence lists, the same for every caller (a large guild lists its online members in the
 * presence role's order, the caller's own member in its place among them). The sessions node shares those parts
 * between sessions by content; before, it found them by scanning each payload for cut points and hashing every
 * segment, ~0.4 CPU ms per identify into a guild of 250 online members. Here the pieces and their keys come from
 * what the guild node already reuses, so the scan is gone and each key is computed once per piece, not once per
 * snapshot.
 *
 * Lists are cut into runs before about one element in 16, chosen by a hash of the element's user id, at least
 * KEYED_PIECE_MIN chars apart: the cuts depend on the elements, not on their positions, so a list that gained or
 * lost one element still shares every run but the one that held it. A run is memoised by the identity of
 * its objects (member objects and presences are reused until they change, and their text with them), bounded in
 * total size.
 */
import { snapshotPieceKey as pieceKey, type SnapshotPiece } from '../contracts/guild.ts';

/** Pieces shorter than this (chars) get no key: the sessions node keeps them as the session's own bytes. */
export const KEYED_PIECE_MIN = 1024;
/** Lists ListRuns remembers whole (a guild's member list and presence list, a few guilds at a time). */
const RECENT_LISTS = 8;
/** About one element in 16 starts a run: the top 4 bits of the FNV-1a hash of its user id are zero. */
const ANCHOR_SHIFT = 28;

/** A piece with its key when it is long enough to be shared. */
export function keyedPiece(text: string): SnapshotPiece {
  return text.length >= KEYED_PIECE_MIN ? { text, key: pieceKey(text) } : text;
}

function anchored(userId: string): boolean {
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) h = Math.imul(h ^ userId.charCodeAt(i), 0x01000193);
  return h >>> ANCHOR_SHIFT === 0;
}

type Keyed = { text: string; key: string };

interface Run {
  /** The run's objects in order; `first`: the run opens its list (no leading comma). */
  objects: object[];
  first: boolean;
  piece: Keyed;
}

export class ListRuns {
  /** Runs by their first object: a lookup compares object identities, it builds no string. */
  readonly #byHead = new WeakMap<object, Run[]>();
  /** Every memoised run, oldest first, for eviction. */
  readonly #order = new Set<Run>();
  #chars = 0;
  /**
   * The last few lists pushed and the pieces they gave, most recent first. In a storm every caller's list is the
   * same list of the same objects: comparing identities finds it without reading an item's id or text.
   */
  #recent: Array<{ items: readonly object[]; pieces: readonly SnapshotPiece[] }> = [];
  /** The run each memoised piece stands for. */
  readonly #runOf = new WeakMap<Keyed, Run>();

  /** maxChars: the most text the memo holds (older runs are dropped first). */
  constructor(private readonly maxChars: number) {}

  /**
   * Appends the items' texts, comma-separated, to `out` as runs (the brackets are the caller's). An item's identity
   * stands for its text; `userIdOf` and `textOf` read them, so a list is passed as it is, with no object per element.
   */
  push<T extends object>(out: SnapshotPiece[], items: readonly T[], userIdOf: (item: T) => string, textOf: (item: T) => string): void {
    for (let i = 0; i < this.#recent.length; i++) {
      const recent = this.#recent[i]!;
      if (recent.items.length !== items.length || !sameObjects(recent.items, items, 0, items.length)) continue;
      if (i > 0) this.#recent.unshift(...this.#recent.splice(i, 1));
      for (const piece of recent.pieces) {
        out.push(piece);
        // Its runs are in use: the last to be evicted, as when found one by one.
        const run = typeof piece === 'string' ? undefined : this.#runOf.get(piece);
        if (run && this.#order.delete(run)) this.#order.add(run);
      }
      return;
    }
    const from = out.length;
    this.#pushRuns(out, items, userIdOf, textOf);
    this.#recent.unshift({ items: items.slice(), pieces: out.slice(from) });
    if (this.#recent.length > RECENT_LISTS) this.#recent.pop();
  }

  #pushRuns<T extends object>(out: SnapshotPiece[], items: readonly T[], userIdOf: (item: T) => string, textOf: (item: T) => string): void {
    let start = 0;
    let chars = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (chars >= KEYED_PIECE_MIN && anchored(userIdOf(item))) {
        out.push(this.#run(items, start, i, textOf));
        start = i;
        chars = 0;
      }
      chars += textOf(item).length + 1;
    }
    if (start < items.length) out.push(this.#run(items, start, items.length, textOf));
  }

  /** Items [from, to) as one piece; a run after the first starts with its comma. */
  #run<T extends object>(items: readonly T[], from: number, to: number, textOf: (item: T) => string): SnapshotPiece {
    const first = from === 0;
    const head = items[from]!;
    const candidates = this.#byHead.get(head);
    if (candidates) {
      for (const run of candidates) {
        if (run.first !== first || !sameObjects(run.objects, items, from, to)) continue;
        // Used again: the last to be evicted. Eviction in order of insertion alone dropped runs every identify
        // still used, and rebuilt and hashed them (each user's lists once held runs of their own).
        this.#order.delete(run);
        this.#order.add(run);
        return run.piece;
      }
    }
    let text = first ? '' : ',';
    for (let i = from; i < to; i++) text += (i === from ? '' : ',') + textOf(items[i]!);
    if (text.length < KEYED_PIECE_MIN) return text;
    const run: Run = { objects: items.slice(from, to), first, piece: { text, key: pieceKey(text) } };
    if (candidates) candidates.push(run);
    else this.#byHead.set(head, [run]);
    this.#runOf.set(run.piece, run);
    this.#order.add(run);
    this.#chars += text.length;
    for (const old of this.#order) {
      if (this.#chars <= this.maxChars) break;
      this.#order.delete(old);
      this.#chars -= old.piece.text.length;
      const list = this.#byHead.get(old.objects[0]!);
      if (list) list.splice(list.indexOf(old), 1);
    }
    return run.piece;
  }
}

function sameObjects(objects: readonly object[], items: readonly object[], from: number, to: number): boolean {
  if (objects.length !== to - from) return false;
  for (let i = 0; i < objects.length; i++) if (objects[i] !== items[from + i]) return false;
  return true;
}
