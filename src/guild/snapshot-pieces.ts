/**
 * A GUILD_CREATE payload as pieces (contracts/guild.ts SnapshotPiece) instead of one string.
 *
 * In an identify storm every snapshot of a guild repeats most of its text: the guild with its roles, the channels,
 * and the member and presence lists, which differ from one user's to the next only where the caller's own member
 * object was taken out. The sessions node shares those parts between sessions by content; before, it found them by
 * scanning each payload for cut points and hashing every segment, ~0.4 CPU ms per identify into a guild of 250
 * online members. Here the pieces and their keys come from what the guild node already reuses, so the scan is
 * gone and each key is computed once per piece, not once per snapshot.
 *
 * Lists are cut into runs before about one element in 16, chosen by a hash of the element's user id, at least
 * KEYED_PIECE_MIN chars apart: the cuts depend on the elements, not on their positions, so a list missing one
 * element (the caller's) still shares every run but the one that held it. A run is memoised by the identity of
 * its objects (member objects and presences are reused until they change, and their text with them), bounded in
 * total size.
 */
import { createHash } from 'node:crypto';
import type { SnapshotPiece } from '../contracts/guild.ts';

/** Pieces shorter than this (chars) get no key: the sessions node keeps them as the session's own bytes. */
export const KEYED_PIECE_MIN = 1024;
/** About one element in 16 starts a run: the top 4 bits of the FNV-1a hash of its user id are zero. */
const ANCHOR_SHIFT = 28;

/** The key of a piece: base64 sha-256 of its text (the sessions node's key for segments it hashes itself). */
export function pieceKey(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

/** A piece with its key when it is long enough to be shared. */
export function keyedPiece(text: string): SnapshotPiece {
  return text.length >= KEYED_PIECE_MIN ? { text, key: pieceKey(text) } : text;
}

function anchored(userId: string): boolean {
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) h = Math.imul(h ^ userId.charCodeAt(i), 0x01000193);
  return h >>> ANCHOR_SHIFT === 0;
}

export interface ListElement {
  /** The object whose identity stands for its text (a cached member object, a memoised presence). */
  readonly id: object;
  readonly userId: string;
  readonly text: string;
}

type Keyed = { text: string; key: string };

export class ListRuns {
  readonly #serials = new WeakMap<object, number>();
  #nextSerial = 1;
  /** Run id (position flag + serials of its objects) → its piece; oldest first, for eviction. */
  readonly #runs = new Map<string, Keyed>();
  #chars = 0;

  /** maxChars: the most text the memo holds (older runs are dropped first). */
  constructor(private readonly maxChars: number) {}

  /** Appends the elements' texts, comma-separated, to `out` as runs (the brackets are the caller's). */
  push(out: SnapshotPiece[], elements: readonly ListElement[]): void {
    let start = 0;
    let chars = 0;
    for (let i = 0; i < elements.length; i++) {
      const el = elements[i]!;
      if (chars >= KEYED_PIECE_MIN && anchored(el.userId)) {
        out.push(this.#run(elements, start, i));
        start = i;
        chars = 0;
      }
      chars += el.text.length + 1;
    }
    if (start < elements.length) out.push(this.#run(elements, start, elements.length));
  }

  /** Elements [from, to) as one piece; a run after the first starts with its comma. */
  #run(elements: readonly ListElement[], from: number, to: number): SnapshotPiece {
    let id = from === 0 ? 'f' : 'n';
    for (let i = from; i < to; i++) id += this.#serialOf(elements[i]!.id) + '.';
    const hit = this.#runs.get(id);
    if (hit) return hit;
    let text = from === 0 ? '' : ',';
    for (let i = from; i < to; i++) text += (i === from ? '' : ',') + elements[i]!.text;
    if (text.length < KEYED_PIECE_MIN) return text;
    const piece = { text, key: pieceKey(text) };
    this.#runs.set(id, piece);
    this.#chars += text.length;
    for (const [oldId, old] of this.#runs) {
      if (this.#chars <= this.maxChars) break;
      this.#runs.delete(oldId);
      this.#chars -= old.text.length;
    }
    return piece;
  }

  #serialOf(o: object): number {
    let serial = this.#serials.get(o);
    if (serial === undefined) this.#serials.set(o, (serial = this.#nextSerial++));
    return serial;
  }
}
