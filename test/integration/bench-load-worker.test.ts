/**
 * The benchmarks' load worker (bench/lib/load-worker.ts), driven over its IPC as the benchmarks drive it, against a
 * real server: what the figures rest on.
 * - `send` with the server's own rate limits: 429s are waited out (Retry-After) and the same message is posted
 *   again; the waits are counted apart; every message lands exactly once.
 * - `open` counts a plain GUILD_CREATE by its head (its seq read from it) when no detail is asked, and parses it
 *   (the member list's shape) when detail is asked or the frame is zlib-stream.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gatewayUrl, WorkerClient } from '../../bench/lib/common.ts';
import { Intents } from '../../src/protocol/intents.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('bench load worker', () => {
  let t: TestServer;
  /** The server's default rate limits: a burst of message creates in one channel meets 429s. */
  let limited: TestServer;
  let worker: WorkerClient;
  let owner: TestUser;
  let member: TestUser;
  let guild: any;
  let channelId: string;

  before(async () => {
    t = await startTestServer({ heartbeatIntervalMs: 30_000 });
    limited = await startTestServer({ rateLimitScale: 1 });
    owner = await t.register();
    member = await t.register();
    guild = await t.createGuild(owner, 'bench');
    await t.join(owner, guild.id, member);
    const channels = await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner });
    channelId = channels.body.find((c: any) => c.type === 0).id;
    worker = new WorkerClient('test-load-worker');
    await worker.ready;
  });
  after(async () => {
    await worker?.close();
    await t?.close();
    await limited?.close();
  });

  it('send waits out 429s, counts them apart, and posts every message exactly once', async () => {
    const sender = await limited.register();
    const g = await limited.createGuild(sender, 'limited');
    const channels = await limited.request('GET', `/guilds/${g.id}/channels`, { auth: sender });
    const channel = channels.body.find((c: any) => c.type === 0).id;
    const count = 12;
    const r = await worker.call<any>('send', { base: limited.url, tokens: [sender.token], channelIds: [channel], count, rate: 0, concurrency: 6, tag: 'rl', timeoutMs: 60_000 }, 120_000);
    assert.deepEqual(r.errors, {});
    assert.equal(r.ok, count);
    assert.ok(r.rateLimited.responses > 0, 'the burst met the rate limit');
    assert.ok(r.rateLimited.waitMs > 0 && r.rateLimited.maxWaitMs > 0, 'and waited it out');
    assert.equal(r.rateLimited.gaveUp, 0);
    // Latency is timed from the attempt that went through: one sample per message, none for the refused attempts.
    assert.equal(r.latency.n, count);
    const res = await limited.request('GET', `/channels/${channel}/messages?limit=100`, { auth: sender });
    const posted = res.body.map((m: any) => m.content).filter((c: string) => c.startsWith('bench|rl|'));
    const indexes = posted.map((c: string) => Number(c.split('|')[2])).sort((a: number, b: number) => a - b);
    assert.deepEqual(indexes, Array.from({ length: count }, (_, i) => i), 'each message once');
  });

  for (const compress of [false, true]) {
    it(`open counts GUILD_CREATE without detail and reads its shape with detail (${compress ? 'zlib-stream' : 'plain JSON'})`, async () => {
      const common = { url: gatewayUrl(t.url, compress), compress, intents: Intents.GUILDS, rate: 0, expectGuilds: 1, timeoutMs: 20_000 };
      const counted = await worker.call<any>('open', { ...common, tokens: [owner.token, member.token] }, 60_000);
      assert.equal(counted.ready, 2);
      assert.equal(counted.complete, 2, 'both sessions saw their GUILD_CREATE');
      assert.equal(counted.detail, undefined);
      // Plain frames are counted by their head; zlib-stream frames are inflated and parsed whole.
      assert.equal(counted.guildCreatesByHead, compress ? 0 : 2);
      // READY is seq 1 and the one GUILD_CREATE seq 2 (a presence may follow by now): the head's seq was read.
      assert.equal(counted.lastSeqs.length, 2);
      for (const seq of counted.lastSeqs) assert.ok(Number.isInteger(seq) && seq >= 2 && seq <= 10, `last seq ${seq}`);
      const detailed = await worker.call<any>('open', { ...common, tokens: [member.token], detail: true }, 60_000);
      assert.equal(detailed.complete, 1);
      assert.equal(detailed.guildCreatesByHead, 0, 'with detail every GUILD_CREATE is parsed');
      const d = detailed.detail[0];
      assert.equal(d.guilds, 1);
      assert.ok(d.guildCreateBytes > 0);
      assert.deepEqual(d.guild, { id: guild.id, large: false, memberCount: 2, members: 2, presences: d.guild.presences });
      assert.ok(d.guild.presences >= 1, 'the sessions already open are online');
      await worker.call('closeAll', {}, 30_000);
    });
  }
});
