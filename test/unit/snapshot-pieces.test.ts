/**
 * GUILD_CREATE as pieces (src/guild/snapshot-pieces.ts, and EncodedDispatch from pieces in src/sessions/codec.ts):
 * the pieces make up the payload exactly, a keyed piece's key is the hash of its text, lists cut by their elements
 * share every run but the ones that changed, runs are memoised by the identity of their objects within a bound, and
 * the sessions node shares a keyed piece's bytes by key, byte for byte the frame of the joined text.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { SnapshotPiece } from '../../src/contracts/guild.ts';
import { KEYED_PIECE_MIN, keyedPiece, ListRuns } from '../../src/guild/snapshot-pieces.ts';
import { EncodedDispatch } from '../../src/sessions/codec.ts';

const textOf = (pieces: readonly SnapshotPiece[]) => pieces.map((p) => (typeof p === 'string' ? p : p.text)).join('');
const keysOf = (pieces: readonly SnapshotPiece[]) => pieces.flatMap((p) => (typeof p === 'string' ? [] : [p.key]));
const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');

/** A list element; the element object itself is what the memo compares (`id` is the JSON it stands for). */
interface ListElement {
  id: object;
  userId: string;
  text: string;
}

function elements(n: number, extra = ''): ListElement[] {
  return Array.from({ length: n }, (_, i) => {
    const json = { user: { id: String(100_000_000_000_000_000n + BigInt(i * 7919)), username: `member ${i}${extra}` }, roles: [], nick: i % 3 ? null : 'ñick ✓' };
    return { id: json, userId: json.user.id, text: JSON.stringify(json) };
  });
}

function list(runs: ListRuns, els: readonly ListElement[]): SnapshotPiece[] {
  const out: SnapshotPiece[] = ['['];
  runs.push(out, els, (e) => e.userId, (e) => e.text);
  out.push(']');
  return out;
}

describe('GUILD_CREATE pieces', () => {
  it('a list made of runs is the JSON array of its elements; keyed runs carry the hash of their text', () => {
    const runs = new ListRuns(1 << 24);
    for (const n of [0, 1, 2, 15, 400]) {
      const els = elements(n);
      const pieces = list(runs, els);
      assert.equal(textOf(pieces), JSON.stringify(els.map((e) => e.id)));
      for (const p of pieces) if (typeof p !== 'string') assert.equal(p.key, sha(p.text));
    }
    const long = list(runs, elements(400));
    assert.ok(keysOf(long).length >= 5, `a long list is cut into several keyed runs (${keysOf(long).length})`);
    for (const p of long.slice(1, -2)) assert.ok(typeof p !== 'string' && p.text.length >= KEYED_PIECE_MIN, 'every run but the last is long enough to share');
  });

  it("a list without one element shares every run but the one that held it, and repeats reuse the same pieces", () => {
    const runs = new ListRuns(1 << 24);
    const els = elements(400);
    const all = list(runs, els);
    const withoutOne = list(runs, els.filter((_, i) => i !== 200));
    const allKeys = new Set(keysOf(all));
    const differing = keysOf(withoutOne).filter((k) => !allKeys.has(k));
    assert.ok(differing.length >= 1 && differing.length <= 2, `runs that differ: ${differing.length}`);
    assert.ok(keysOf(withoutOne).length - differing.length >= keysOf(all).length - 3, 'the rest are shared');
    const again = list(runs, els);
    assert.equal(again.length, all.length);
    again.forEach((p, i) => typeof p !== 'string' && assert.equal(p, all[i], 'the memoised piece itself: no text built or hashed again'));
    // Equal text in new objects (a member changed and changed back) is a new run with the same key.
    const copies = els.map((e) => ({ ...e, id: { ...e.id } }));
    assert.deepEqual(keysOf(list(runs, copies)), keysOf(all));
  });

  it('a list of the same length with one object replaced is built anew, not taken for the list it resembles', () => {
    const runs = new ListRuns(1 << 24);
    const els = elements(300);
    const before = list(runs, els);
    const changed = els.slice();
    const json = { ...(els[150]!.id as Record<string, unknown>), nick: 'renamed' };
    changed[150] = { id: json, userId: els[150]!.userId, text: JSON.stringify(json) };
    const after = list(runs, changed);
    assert.equal(textOf(after), JSON.stringify(changed.map((e) => e.id)));
    assert.notEqual(textOf(after), textOf(before));
    assert.ok(after.some((p, i) => p !== before[i]), 'the run holding the new object is new');
    assert.equal(textOf(list(runs, els)), textOf(before), 'the first list again, as it was');
  });

  it('the memo is bounded: runs of older lists are evicted, the latest kept', () => {
    // One list is ~20 KB of text: the bound holds about three.
    const runs = new ListRuns(64 * 1024);
    // After many other lists, the first one's runs were evicted: asking again builds new piece objects.
    const first = elements(200, '#first');
    const a = list(runs, first);
    for (let round = 0; round < 20; round++) list(runs, elements(200, `#again${round}`));
    const b = list(runs, first);
    assert.deepEqual(keysOf(a), keysOf(b));
    assert.ok(
      a.some((p, i) => typeof p !== 'string' && p !== b[i]),
      'evicted runs are rebuilt (same keys, new pieces)',
    );
    const c = list(runs, first);
    assert.ok(b.every((p, i) => typeof p === 'string' || p === c[i]), 'runs just built are still held');
  });

  it('runs in use are kept: eviction drops the runs used least recently, not the oldest', () => {
    // Room for about three lists. A list asked for between every new one (each caller's shared member list in an
    // identify storm) keeps its pieces however many others come and go.
    const runs = new ListRuns(64 * 1024);
    const shared = elements(200, '#shared');
    const first = list(runs, shared);
    for (let round = 0; round < 20; round++) {
      list(runs, elements(200, `#other${round}`));
      const again = list(runs, shared);
      assert.ok(again.every((p, i) => p === first[i]), `round ${round}: the same memoised pieces, nothing rebuilt or hashed`);
    }
  });

  it('the sessions node frames pieces byte for byte as the joined payload and shares keyed pieces by key', () => {
    const runs = new ListRuns(1 << 24);
    const els = elements(300);
    const payload = (userId: string, omit: number): SnapshotPiece[] => {
      const out: SnapshotPiece[] = [keyedPiece('{"id":"1","name":"guild","roles":' + JSON.stringify(Array(60).fill({ id: '2', name: 'role' }))), `,"joined_at":"${userId}","members":[`];
      runs.push(out, els.filter((_, i) => i !== omit), (e) => e.userId, (e) => e.text);
      out.push('],"channels":[]}');
      return out;
    };
    const pa = payload('a', 10);
    const pb = payload('b', 250);
    const ea = new EncodedDispatch('GUILD_CREATE', pa);
    const eb = new EncodedDispatch('GUILD_CREATE', pb);
    assert.ok(ea.frame(7).equals(Buffer.from(`{"op":0,"t":"GUILD_CREATE","s":7,"d":${textOf(pa)}}`)));
    assert.deepEqual(JSON.parse(ea.payloadJson()), JSON.parse(textOf(pa)));
    const shared = ea.segments.filter((buf) => eb.segments.includes(buf)).reduce((n, buf) => n + buf.length, 0);
    assert.ok(shared > ea.size * 0.6, `most bytes are one buffer for both sessions (${shared} of ${ea.size})`);
    // A keyed piece is shared with a dispatch that hashed the same text itself (one content key for both).
    const base = pa[0] as { text: string; key: string };
    const hashed = new EncodedDispatch('GUILD_CREATE', [base.text, ',"x":1}']);
    assert.ok(hashed.segments.some((buf) => ea.segments.includes(buf)));
  });
});
