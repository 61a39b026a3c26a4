/** guildPartition: the same on every node (a pure function of the id text) and even over partitions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { guildPartition, GuildSubjects } from '../../src/contracts/guild.ts';
import { SnowflakeGenerator } from '../../src/protocol/snowflake.ts';

describe('guild partitions', () => {
  it('maps an id to one partition in range, always the same', () => {
    assert.equal(guildPartition('1234567890123456789', 64), guildPartition('1234567890123456789', 64));
    for (const n of [1, 7, 64, 4096]) {
      const p = guildPartition('1234567890123456789', n);
      assert.ok(Number.isInteger(p) && p >= 0 && p < n, `${p} in [0, ${n})`);
    }
    assert.equal(guildPartition('42', 1), 0);
    assert.equal(GuildSubjects.partitionSnapshot(5), 'guild.p.5.snapshot');
    assert.equal(GuildSubjects.partitionMembers(5), 'guild.p.5.members');
  });

  it('spreads snowflakes made in one burst by one process evenly over 64 partitions', () => {
    const ids = new SnowflakeGenerator({ workerId: 1 });
    const counts = new Array(64).fill(0);
    const total = 64_000;
    for (let i = 0; i < total; i++) counts[guildPartition(ids.next(), 64)]++;
    // 1000 expected per partition; a fair spread stays well within ±20 %.
    assert.ok(Math.min(...counts) > 800 && Math.max(...counts) < 1200, `min ${Math.min(...counts)} max ${Math.max(...counts)}`);
  });
});
