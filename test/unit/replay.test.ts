import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dispatchFrame, EncodedDispatch, GUILD_CREATE_CUTS, seqDigits, SHARED_SEGMENT_MIN } from '../../src/sessions/codec.ts';
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

  it('a GUILD_CREATE cut into segments frames byte for byte, and sessions share its long segments', () => {
    const members = Array.from({ length: 250 }, (_, i) => ({
      user: { id: String(1576461548652597248n + BigInt(i) * 4194304n), username: `u${i} ✓`, global_name: null, avatar: null }, roles: [], joined_at: '2026-01-01T00:00:00.000Z',
    }));
    const presences = members.map((m) => ({ user: { id: m.user.id }, status: 'online', activities: [], guild_id: '9' }));
    const guild = (joinedAt: string, withPresences: typeof presences) =>
      JSON.stringify({ id: '9', name: 'g', roles: [], joined_at: joinedAt, large: false, member_count: 250, members, channels: [{ id: '1' }], threads: [], presences: withPresences, voice_states: [] });
    const a = guild('2026-01-02T00:00:00.000Z', presences);
    const b = guild('2026-01-03T00:00:00.000Z', presences);
    assert.ok(JSON.stringify(members).length >= SHARED_SEGMENT_MIN && JSON.stringify(presences).length >= SHARED_SEGMENT_MIN);
    const ea = new EncodedDispatch('GUILD_CREATE', a, GUILD_CREATE_CUTS);
    const eb = new EncodedDispatch('GUILD_CREATE', b, GUILD_CREATE_CUTS);
    for (const seq of [1, 10, 12345]) {
      assert.deepEqual(ea.frame(seq), Buffer.from(dispatchFrame('GUILD_CREATE', seq, a)));
      assert.equal(ea.frameBytes(seq), Buffer.byteLength(dispatchFrame('GUILD_CREATE', seq, a)));
      assert.deepEqual(eb.frame(seq), Buffer.from(dispatchFrame('GUILD_CREATE', seq, b)));
    }
    // Bytes of x held in Buffers that y holds too (the same objects, not copies).
    const sharedBytes = (x: EncodedDispatch, y: EncodedDispatch) => x.segments.filter((buf) => y.segments.includes(buf)).reduce((n, buf) => n + buf.length, 0);
    const membersBytes = Buffer.byteLength(JSON.stringify(members));
    assert.ok(sharedBytes(ea, eb) > 0.95 * ea.size, `${sharedBytes(ea, eb)} of ${ea.size}`);
    // Different presences: the member list is still shared.
    const c = guild('2026-01-04T00:00:00.000Z', presences.map((p) => ({ ...p, status: 'idle' })));
    const ec = new EncodedDispatch('GUILD_CREATE', c, GUILD_CREATE_CUTS);
    assert.deepEqual(ec.frame(7), Buffer.from(dispatchFrame('GUILD_CREATE', 7, c)));
    assert.ok(sharedBytes(ec, ea) > 0.95 * membersBytes && sharedBytes(ec, ea) < membersBytes + 1024);
    // A large guild: the online members without the caller, then the caller; most of the list is still shared.
    const large = (me: number) => JSON.stringify({ id: '9', joined_at: 'x', members: [...members.filter((_, i) => i !== me), members[me]], channels: [], presences: [] });
    const l1 = new EncodedDispatch('GUILD_CREATE', large(5), GUILD_CREATE_CUTS);
    const l2 = new EncodedDispatch('GUILD_CREATE', large(40), GUILD_CREATE_CUTS);
    assert.deepEqual(l2.frame(3), Buffer.from(dispatchFrame('GUILD_CREATE', 3, large(40))));
    assert.ok(sharedBytes(l1, l2) > 0.5 * membersBytes, `${sharedBytes(l1, l2)} of ${membersBytes}`);
  });

  it('cuts never change the bytes: short payloads, missing or repeated markers, non-ASCII at the edges', () => {
    const long = 'é'.repeat(SHARED_SEGMENT_MIN);
    for (const payload of ['{"a":1}', JSON.stringify({ x: long }), JSON.stringify({ members: long, a: { members: long }, channels: 1 }), JSON.stringify({ a: 1, presences: [long], members: [long] })]) {
      const e = new EncodedDispatch('GUILD_CREATE', payload, GUILD_CREATE_CUTS);
      assert.deepEqual(e.frame(42), Buffer.from(dispatchFrame('GUILD_CREATE', 42, payload)));
      assert.equal(e.frameBytes(42), Buffer.byteLength(dispatchFrame('GUILD_CREATE', 42, payload)));
    }
  });

  it('a seq the session never stored (READY) is a hole: replay skips it, the bounds do not count it as an entry', () => {
    const e = new EncodedDispatch('TYPING_START', '{"a":1}');
    const r = new ReplayBuffer(5, 1 << 20);
    r.push(2, e); // seq 1 was READY
    r.push(3, e);
    r.push(5, e); // 4 never stored
    r.push(6, e);
    assert.equal(r.size, 4);
    assert.equal(r.bytes, e.frameBytes(2) + e.frameBytes(3) + e.frameBytes(5) + e.frameBytes(6));
    assert.deepEqual(r.since(0)!.map((x) => x.seq), [2, 3, 5, 6]);
    assert.deepEqual(r.since(3)!.map((x) => x.seq), [5, 6]);
    assert.deepEqual(r.since(4)!.map((x) => x.seq), [5, 6]);
    // Five slots: the hole takes one, so seq 7 evicts seq 2 and seq 8 evicts seq 3.
    r.push(7, e);
    assert.deepEqual(r.since(2)!.map((x) => x.seq), [3, 5, 6, 7]);
    r.push(8, e);
    assert.equal(r.since(2), null);
    assert.deepEqual(r.since(3)!.map((x) => x.seq), [5, 6, 7, 8]);
    // A gap wider than the deque: what it held is evicted, and a client that saw the last of it is still served.
    r.push(100, e);
    assert.equal(r.size, 1);
    assert.equal(r.bytes, e.frameBytes(100));
    assert.equal(r.since(7), null);
    assert.deepEqual(r.since(8)!.map((x) => x.seq), [100]);
    assert.deepEqual(r.since(50)!.map((x) => x.seq), [100]);
  });

  it('the ring agrees with a plain list model through growth, wrap-around and both bounds', () => {
    const sizes = [5, 17, 64, 300].map((n) => new EncodedDispatch('MESSAGE_CREATE', JSON.stringify({ pad: 'x'.repeat(n) })));
    let rnd = 7;
    const next = () => (rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const [maxEvents, maxBytes] of [[1, 1 << 20], [3, 1 << 20], [37, 1 << 20], [1000, 4000], [50, 2500]] as const) {
      const ring = new ReplayBuffer(maxEvents, maxBytes);
      let model: Array<{ seq: number; bytes: number; e: EncodedDispatch }> = [];
      let evictedUpTo = 0;
      for (let seq = 1; seq <= 600; seq++) {
        const e = sizes[Math.floor(next() * sizes.length)]!;
        ring.push(seq, e);
        model.push({ seq, bytes: e.frameBytes(seq), e });
        let total = model.reduce((n, x) => n + x.bytes, 0);
        while (model.length && (model.length > maxEvents || total > maxBytes)) {
          evictedUpTo = model[0]!.seq;
          total -= model.shift()!.bytes;
        }
        assert.equal(ring.size, model.length, `size at seq ${seq} (${maxEvents}, ${maxBytes})`);
        assert.equal(ring.bytes, total);
        const from = Math.max(0, seq - 1 - Math.floor(next() * 60));
        const got = ring.since(from);
        if (from < evictedUpTo) assert.equal(got, null, `since(${from}) after evicting ${evictedUpTo}`);
        else assert.deepEqual(got!.map((x) => [x.seq, x.payload]), model.filter((x) => x.seq > from).map((x) => [x.seq, x.e]));
      }
      ring.clear();
      assert.equal(ring.size, 0);
      assert.equal(ring.bytes, 0);
      model = [];
    }
  });
});
