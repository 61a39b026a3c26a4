/** src/lib/totp.ts: RFC 6238's SHA-1 test vectors, base32 both ways, the drift window. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base32Decode, base32Encode, matchTotp, newTotpSecret, totpCode, totpStep } from '../../src/lib/totp.ts';

// RFC 6238, appendix B: the SHA-1 seed and 8-digit codes at these times.
const SEED = Buffer.from('12345678901234567890');
const VECTORS: Array<[number, string]> = [[59, '94287082'], [1111111109, '07081804'], [1111111111, '14050471'], [1234567890, '89005924'], [2000000000, '69279037'], [20000000000, '65353130']];

describe('TOTP', () => {
  it("gives RFC 6238's codes", () => {
    for (const [seconds, code] of VECTORS) assert.equal(totpCode(SEED, totpStep(seconds * 1000), 8), code, `at ${seconds}`);
    assert.equal(totpCode(SEED, totpStep(59_000)), '287082', 'six digits are the last six');
  });

  it('base32 round-trips, ignores case, spaces and padding, refuses other letters', () => {
    assert.equal(base32Encode(Buffer.from('foobar')), 'MZXW6YTBOI');
    assert.deepEqual(Buffer.from(base32Decode('mzxw 6ytb oi======')!), Buffer.from('foobar'));
    assert.equal(base32Decode('MZXW1'), null);
    const secret = newTotpSecret();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal(base32Decode(secret)!.length, 20);
  });

  it('accepts the step before and after, names the step, refuses further and malformed codes', () => {
    const secret = base32Encode(SEED);
    const at = 1_111_111_111_000;
    const step = totpStep(at);
    assert.equal(matchTotp(secret, totpCode(SEED, step), at), step);
    assert.equal(matchTotp(secret, totpCode(SEED, step - 1), at), step - 1);
    assert.equal(matchTotp(secret, totpCode(SEED, step + 1), at), step + 1);
    assert.equal(matchTotp(secret, totpCode(SEED, step - 2), at), null);
    assert.equal(matchTotp(secret, '12345', at), null);
    assert.equal(matchTotp(secret, 'abcdef', at), null);
    assert.equal(matchTotp('not base32!', totpCode(SEED, step), at), null);
  });
});
