import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mayHoldBigInteger, parseExactJson } from '../../src/api/json-body.ts';

describe('parseExactJson', () => {
  it('keeps integers beyond 2^53 exactly, as bigints, and leaves the rest as JSON.parse reads it', () => {
    const v = parseExactJson('{"id": 1577986078365818880, "ids": [9007199254740993, 5], "n": 9007199254740991, "f": 1.5e3, "s": "x:12345678901234567"}') as any;
    assert.equal(v.id, 1577986078365818880n);
    assert.deepEqual(v.ids, [9007199254740993n, 5]);
    assert.equal(v.n, Number.MAX_SAFE_INTEGER);
    assert.equal(v.f, 1500);
    assert.equal(v.s, 'x:12345678901234567');
    assert.equal((parseExactJson('[-9223372036854775808]') as any)[0], -9223372036854775808n);
  });

  it('sends only texts that may hold a long integer down the slow path', () => {
    assert.equal(mayHoldBigInteger('{"id":"1577986078365818880","a":[1,2]}'), false, 'digits inside a string');
    assert.equal(mayHoldBigInteger('{"a": [1, 1577986078365818880]}'), true);
    assert.equal(mayHoldBigInteger('{"a":-1577986078365818880}'), true);
    assert.deepEqual(parseExactJson('{"id":"1577986078365818880","a":[1,2]}'), { id: '1577986078365818880', a: [1, 2] });
  });

  it('gives up (undefined) on what only JSON.parse accepts, so the caller keeps its result', () => {
    assert.equal(parseExactJson('{"a": 12345678901234567890, "a": 1}'), undefined);
  });
});
