/** src/lib/digest.ts: the one-shot digests give the standard values, with crypto.hash and without it. */
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { digestFunctions } from '../../src/lib/digest.ts';

// FIPS 180 test vectors for "abc".
const ABC = {
  sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
};

describe('digest', () => {
  const hash = (crypto as { hash?: Parameters<typeof digestFunctions>[0] }).hash;
  for (const [name, oneShot] of [['crypto.hash', hash], ['createHash (older Node)', undefined]] as const) {
    it(`hex, base64 and bytes over ${name}`, () => {
      const { digest, digestBytes } = digestFunctions(oneShot);
      assert.equal(digest('sha256', 'abc', 'hex'), ABC.sha256);
      assert.equal(digest('sha1', 'abc', 'hex'), ABC.sha1);
      assert.equal(digest('sha256', Buffer.from('abc'), 'base64'), Buffer.from(ABC.sha256, 'hex').toString('base64'));
      assert.deepEqual(digestBytes('sha256', 'abc'), Buffer.from(ABC.sha256, 'hex'));
      // Strings are hashed as UTF-8.
      assert.equal(digest('sha256', 'é', 'hex'), crypto.createHash('sha256').update(Buffer.from('é', 'utf8')).digest('hex'));
    });
  }

  it('this runtime has crypto.hash (Node 20.12+), so the fast path is the one that runs', () => {
    assert.equal(typeof hash, 'function');
  });
});
