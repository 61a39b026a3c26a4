import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DISCORD_EPOCH, SnowflakeGenerator, bucketOf, isSnowflake, snowflakeFromTimestamp, snowflakeParts, snowflakeTimestamp,
} from '../../src/protocol/snowflake.ts';

describe('snowflakes', () => {
  it('use Discord’s layout and epoch', () => {
    // A documented example id from Discord's reference: 175928847299117063 → 2016-04-30T11:18:25.796Z, worker 1, process 0, increment 7.
    const parts = snowflakeParts('175928847299117063');
    assert.equal(new Date(parts.timestamp).toISOString(), '2016-04-30T11:18:25.796Z');
    assert.deepEqual([parts.workerId, parts.processId, parts.increment], [1, 0, 7]);
    assert.equal(DISCORD_EPOCH, 1420070400000n);
  });

  it('encode worker, process, timestamp and increment', () => {
    const gen = new SnowflakeGenerator({ workerId: 3, processId: 17, now: () => 1_700_000_000_000 });
    const a = gen.next();
    const b = gen.next();
    assert.equal(snowflakeTimestamp(a), 1_700_000_000_000);
    assert.deepEqual(snowflakeParts(a), { timestamp: 1_700_000_000_000, workerId: 3, processId: 17, increment: 0 });
    assert.equal(snowflakeParts(b).increment, 1);
  });

  it('stay unique and increasing over 4096 ids in one millisecond and when the clock steps back', () => {
    let clock = 1_700_000_000_000;
    const gen = new SnowflakeGenerator({ now: () => clock });
    const seen: bigint[] = [];
    for (let i = 0; i < 5000; i++) seen.push(gen.nextBigInt());
    clock -= 10_000; // the wall clock jumps back ten seconds
    for (let i = 0; i < 100; i++) seen.push(gen.nextBigInt());
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `id ${i} not increasing`);
    assert.equal(new Set(seen).size, seen.length);
  });

  it('build a lower bound from a time and bucket ids by ten days', () => {
    const t = Date.UTC(2024, 0, 1);
    const bound = snowflakeFromTimestamp(t);
    assert.equal(snowflakeTimestamp(bound), t);
    assert.equal(snowflakeFromTimestamp(0), '0');
    const gen = new SnowflakeGenerator({ now: () => t });
    assert.ok(BigInt(gen.next()) >= BigInt(bound));
    const tenDays = 10 * 86_400_000;
    assert.equal(bucketOf(snowflakeFromTimestamp(t + tenDays)) - bucketOf(bound), 1);
    assert.equal(bucketOf(snowflakeFromTimestamp(t + tenDays - 1)), bucketOf(snowflakeFromTimestamp(t - 1 + tenDays)));
  });

  it('validate snowflake strings', () => {
    assert.ok(isSnowflake('175928847299117063'));
    assert.ok(!isSnowflake('12a'));
    assert.ok(!isSnowflake(''));
    assert.ok(!isSnowflake('18446744073709551616'));
    assert.ok(!isSnowflake(123));
    assert.throws(() => new SnowflakeGenerator({ workerId: 32 }), RangeError);
  });
});
