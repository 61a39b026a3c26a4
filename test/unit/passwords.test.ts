import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { hashPassword, passwordNeedsRehash, setPasswordHashCost, verifyPassword } from '../../src/lib/passwords.ts';

describe('password hashing', () => {
  it('defaults to scrypt N = 2^17, r = 8, p = 1', async () => {
    const stored = await hashPassword('correct horse');
    assert.match(stored, /^scrypt\$131072\$8\$1\$/);
    assert.equal(await verifyPassword('correct horse', stored), true);
    assert.equal(await verifyPassword('wrong horse', stored), false);
  });

  it('verifies older hashes by their own parameters and asks to rehash them', async () => {
    // A hash as Accord made them before (N = 2^14).
    const salt = randomBytes(16);
    const old = `scrypt$16384$8$1$${salt.toString('base64')}$${scryptSync('pw-old-1', salt, 64, { N: 16384, r: 8, p: 1 }).toString('base64')}`;
    setPasswordHashCost(17);
    assert.equal(await verifyPassword('pw-old-1', old), true);
    assert.equal(passwordNeedsRehash(old), true);
    setPasswordHashCost(12);
    const current = await hashPassword('pw-new-1');
    assert.equal(passwordNeedsRehash(current), false);
    setPasswordHashCost(13);
    assert.equal(passwordNeedsRehash(current), true);
    assert.equal(passwordNeedsRehash(null), false);
  });

  it('refuses what is not a hash, after the same work', async () => {
    setPasswordHashCost(12);
    assert.equal(await verifyPassword('x', null), false);
    assert.equal(await verifyPassword('x', 'scrypt$1$2'), false);
    assert.equal(await verifyPassword('x', 'bcrypt$whatever'), false);
    assert.throws(() => setPasswordHashCost(25), RangeError);
  });

  it('hashes off the event loop: timers run while many hashes are under way', async () => {
    setPasswordHashCost(15);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = ticks;
    await Promise.all(Array.from({ length: 6 }, (_, i) => hashPassword(`pw-${i}`)));
    clearInterval(timer);
    assert.ok(ticks > started, 'the event loop ran timers during hashing');
  });
});
