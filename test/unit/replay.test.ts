import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dispatchFrame, EncodedDispatch, seqDigits } from '../../src/sessions/codec.ts';
import { ReplayBuffer } from '../../src/sessions/replay.ts';

describe('encoded dispatches and the replay deque', () => {
  it('a frame built from the shared encoding is byte for byte the concatenated frame', () => {
    const payload = JSON.stringify({ id: '1', content: 'héllo ✓ \u2028 "quoted"', n: [1, 2] });
    const e = new EncodedDispatch('MESSAGE_CREATE', payload);
    for (const seq of [1, 9, 10, 99, 100, 12345, 2 ** 31]) {
      const expected = Buffer.from(dispatchFrame('MESSAGE_CREATE', seq, payload));
      assert.deepEqual(e.frame(seq), expected);
      assert.equal(e.frameBytes(seq), expected.length);
      assert.equal(seqDigits(seq), String(seq).length);
    }
  });

  it('deques of many sessions share one payload and replay identical frames', () => {
    const events = Array.from({ length: 10 }, (_, i) => new EncodedDispatch('MESSAGE_CREATE', JSON.stringify({ i, content: 'x'.repeat(100) })));
    const a = new ReplayBuffer(100, 1 << 20);
    const b = new ReplayBuffer(100, 1 << 20);
    events.forEach((e, i) => {
      a.push(i + 1, e);
      b.push(i + 101, e);
    });
    const ra = a.since(4)!;
    const rb = b.since(104)!;
    assert.equal(ra.length, 6);
    assert.ok(ra.every((x, i) => x.payload === rb[i]!.payload), 'the same object, not a copy');
    assert.deepEqual(ra.map((x) => x.payload.frame(x.seq).toString()), events.slice(4).map((e, i) => dispatchFrame('MESSAGE_CREATE', i + 5, JSON.stringify({ i: i + 4, content: 'x'.repeat(100) }))));
  });

  it('bounds count and bytes per session (counting full frames), and says when a seq was evicted', () => {
    const e = new EncodedDispatch('TYPING_START', '{"a":1}');
    const perFrame = e.frameBytes(10);
    const r = new ReplayBuffer(1000, perFrame * 5);
    for (let seq = 10; seq < 30; seq++) r.push(seq, e);
    assert.equal(r.size, 5);
    assert.equal(r.bytes, perFrame * 5);
    assert.equal(r.since(10), null);
    assert.deepEqual(r.since(24)!.map((x) => x.seq), [25, 26, 27, 28, 29]);
    const c = new ReplayBuffer(3, 1 << 20);
    for (let seq = 1; seq <= 10; seq++) c.push(seq, e);
    assert.equal(c.size, 3);
    assert.deepEqual(c.since(7)!.map((x) => x.seq), [8, 9, 10]);
  });
});
