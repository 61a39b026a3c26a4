import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter } from '../../src/api/ratelimit.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';

describe('rate limiter', () => {
  const route = { bucket: 'messages.create', limit: 3, windowMs: 5000 };

  it('counts per bucket, major parameter and identity, and resets after the window', () => {
    let now = 1_000_000;
    const rl = new RateLimiter({ globalPerSecond: 100, scale: 1, now: () => now });
    const results = [1, 2, 3, 4].map(() => rl.check(route, 'channelA', 'user1'));
    assert.deepEqual(results.map((r) => r.allowed), [true, true, true, false]);
    assert.deepEqual(results.map((r) => r.remaining), [2, 1, 0, 0]);
    assert.equal(results[3]!.scope, 'user');
    assert.equal(results[3]!.resetAfterMs, 5000);
    assert.ok(rl.check(route, 'channelB', 'user1').allowed, 'another channel has its own window');
    assert.ok(rl.check(route, 'channelA', 'user2').allowed, 'another user has its own window');
    now += 5000;
    assert.ok(rl.check(route, 'channelA', 'user1').allowed, 'window reset');
  });

  it('shares one opaque bucket id across major parameters', () => {
    const rl = new RateLimiter({ globalPerSecond: 100, scale: 1 });
    assert.equal(rl.check(route, 'a', 'u').bucketHash, rl.check(route, 'b', 'u').bucketHash);
    assert.notEqual(rl.check(route, 'a', 'u').bucketHash, rl.check({ ...route, bucket: 'other' }, 'a', 'u').bucketHash);
  });

  it('applies the global limit per identity per second', () => {
    let now = 0;
    const rl = new RateLimiter({ globalPerSecond: 2, scale: 1, now: () => now });
    assert.equal(rl.checkGlobal('u'), null);
    assert.equal(rl.checkGlobal('u'), null);
    const limited = rl.checkGlobal('u');
    assert.ok(limited && limited.global && limited.scope === 'global');
    assert.equal(rl.checkGlobal('v'), null);
    now += 1000;
    assert.equal(rl.checkGlobal('u'), null);
  });

  it('scales route limits', () => {
    const rl = new RateLimiter({ globalPerSecond: 100, scale: 10 });
    assert.equal(rl.check(route, 'a', 'u').limit, 30);
  });

  it('shared buckets count in the store (two limiters, one window); others, and an unreachable store, count locally', async () => {
    const store = await openSqliteStore({ path: ':memory:' });
    await store.migrate();
    let now = 1_000_000;
    const errors: unknown[] = [];
    const opts = { globalPerSecond: 100, scale: 1, now: () => now, shared: store.rateWindows, onSharedError: (err: unknown) => errors.push(err) };
    const [one, two] = [new RateLimiter(opts), new RateLimiter(opts)];
    const shared = { ...route, shared: true };
    const got = [await one.checkRoute(shared, 'c', 'u'), await two.checkRoute(shared, 'c', 'u'), await one.checkRoute(shared, 'c', 'u'), await two.checkRoute(shared, 'c', 'u')];
    assert.deepEqual(got.map((r) => [r.allowed, r.remaining]), [[true, 2], [true, 1], [true, 0], [false, 0]]);
    assert.equal(got[3]!.resetAfterMs, 5000);
    assert.equal(got[3]!.bucketHash, one.check(route, 'c', 'u').bucketHash);
    assert.equal((await two.checkRoute(route, 'c', 'u')).remaining, 2, 'an unshared bucket counts per limiter');
    now += 5000;
    assert.equal((await two.checkRoute(shared, 'c', 'u')).remaining, 2, 'the shared window reset');
    await store.close();
    const fallback = await one.checkRoute(shared, 'c', 'u');
    assert.equal(fallback.allowed, true);
    assert.equal(errors.length, 1, 'the failure is reported');
  });
});
