/**
 * The push role against a push service in trouble: while it answers 500s, then hangs (the sender's own deadline
 * must cut each push), then is gone (connection refused), message sends go on untouched — every send succeeds,
 * none is stored twice — and once the service is back every pending notification arrives exactly once per
 * message per device, nothing dead-lettered.
 *
 * The service is helpers/web-push-receiver.ts behind helpers/web-push-fault-proxy.ts (the faults at the
 * connection level). Retries are quick (ACCORD_PUSH_RETRY_BASE_MS 100) and many (ACCORD_PUSH_MAX_ATTEMPTS 100)
 * so that nothing is dead-lettered while the faults last.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { WebPushFaultProxy } from '../helpers/web-push-fault-proxy.ts';
import { WebPushReceiver, type ReceiverSubscription } from '../helpers/web-push-receiver.ts';

const MESSAGES = 1000;
const CONCURRENCY = 16;

function metric(t: TestServer, name: string): number {
  const role = t.server.roles.find((r) => r.name === 'push')!;
  return role.metrics!().find((m) => m.name === name)!.value;
}

/** Runs fn over 0..n-1 with at most `concurrency` in flight. */
async function pool(from: number, to: number, concurrency: number, fn: (i: number) => Promise<void>) {
  let next = from;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < to) await fn(next++);
  }));
}

describe('push role under push service faults', () => {
  let t: TestServer;
  let receiver: WebPushReceiver;
  let proxy: WebPushFaultProxy;
  let owner: TestUser;
  let channelId: string;
  const subs: ReceiverSubscription[] = [];

  before(async () => {
    receiver = await WebPushReceiver.start();
    proxy = await WebPushFaultProxy.start(receiver);
    t = await startTestServer({ pushAllowHosts: ['127.0.0.1'], pushRetryBaseMs: 100, pushMaxAttempts: 100, pushActiveGraceMs: 0 });
    owner = await t.register();
    const recipients = [await t.register(), await t.register()];
    const guild = await t.createGuild(owner, 'Fault Guild'); // default_message_notifications ALL: every message is pushed
    for (const u of recipients) await t.join(owner, guild.id, u);
    // A channel of its own: the system channel also holds the join messages.
    const channel = await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'faults', type: 0 } });
    assert.equal(channel.status, 201, JSON.stringify(channel.body));
    channelId = channel.body.id;
    for (const u of recipients) {
      const sub = receiver.subscribe();
      const res = await t.request('POST', '/users/@me/devices', { auth: u, body: { provider: 'webpush', token: sub.endpoint, keys: sub.keys } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      subs.push(sub);
    }
  });

  after(async () => {
    await t?.close();
    await proxy?.close();
    await receiver?.close();
  });

  it('sends all succeed once through 500s, hangs and refusals; every push arrives exactly once afterwards', async () => {
    const ids: string[] = new Array(MESSAGES);
    const failures: string[] = [];
    const send = async (i: number) => {
      const res = await t.request('POST', `/channels/${channelId}/messages`, { auth: owner, body: { content: `fault ${i}`, nonce: `n${i}` } });
      if (res.status !== 200) failures.push(`${i}: ${res.status} ${JSON.stringify(res.body)}`);
      else {
        assert.equal(res.body.nonce, `n${i}`);
        ids[i] = res.body.id;
      }
    };
    const sends = (from: number, to: number) => pool(from, to, CONCURRENCY, send);
    const third = Math.ceil(MESSAGES / 3);

    // 1. The service answers 500: tries fail and are retried.
    for (const s of subs) s.status = 500;
    let batch = sends(0, third);
    await waitFor(() => subs.every((s) => s.refused > 0) && metric(t, 'push_retries_total') > 0, { what: '500s answered and retried', timeoutMs: 15_000 });
    await batch;
    for (const s of subs) s.status = 201;

    // 2. The service hangs: only the sender's deadline ends a push.
    await proxy.setMode('hang');
    batch = sends(third, 2 * third);
    await waitFor(() => proxy.counts.cut > 0, { what: 'a hung push cut by the sender', timeoutMs: 30_000 });
    await batch;

    // 3. The service is gone: connections refused, tries retried (beyond the at most 8 pushes, one send group,
    // that were still held when the hang ended).
    const retries = metric(t, 'push_retries_total');
    const connections = proxy.counts.connections;
    await proxy.setMode('down');
    batch = sends(2 * third, MESSAGES);
    await waitFor(() => metric(t, 'push_retries_total') > retries + 8, { what: 'refused tries retried', timeoutMs: 15_000 });
    await batch;
    assert.equal(proxy.counts.connections, connections, 'nothing reached the service while it was down');
    assert.deepEqual(failures, []);
    assert.equal(new Set(ids).size, MESSAGES, 'every send answered with its own message');

    // Stored once each.
    const stored: Array<{ id: string; content: string }> = [];
    for (let before: string | undefined; ; ) {
      const page = await t.request('GET', `/channels/${channelId}/messages?limit=100${before ? `&before=${before}` : ''}`, { auth: owner });
      assert.equal(page.status, 200);
      stored.push(...page.body);
      if (page.body.length < 100) break;
      before = page.body[page.body.length - 1].id;
    }
    assert.equal(stored.length, MESSAGES);
    assert.deepEqual(new Set(stored.map((m) => m.id)), new Set(ids));
    assert.equal(new Set(stored.map((m) => m.content)).size, MESSAGES);

    // 4. The service is back: every pending push arrives, once per message per device.
    await proxy.setMode('forward');
    const messageOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
    await waitFor(() => subs.every((s) => new Set(s.received.map((r) => messageOf(r.payload.url))).size >= MESSAGES), { what: 'every push delivered', timeoutMs: 60_000, intervalMs: 100 });
   
    await waitFor(() => metric(t, 'push_deliveries_queued_total') === metric(t, 'push_sent_total') + metric(t, 'push_gone_total') + metric(t, 'push_failed_total') + metric(t, 'push_dead_total'), { what: 'push deliveries settled', timeoutMs: 10_000 });
    assert.equal(metric(t, 'push_deliveries_queued_total'), MESSAGES * subs.length);
    assert.equal(metric(t, 'push_sent_total'), MESSAGES * subs.length);
    assert.equal(metric(t, 'push_dead_total'), 0);
    assert.equal(metric(t, 'push_failed_total'), 0);
    for (const s of subs) {
      const perMessage = new Map<string, number>();
      for (const r of s.received) perMessage.set(messageOf(r.payload.url), (perMessage.get(messageOf(r.payload.url)) ?? 0) + 1);
      assert.deepEqual(new Set(perMessage.keys()), new Set(ids));
      assert.deepEqual([...perMessage.values()].filter((n) => n !== 1), [], 'no message pushed twice to a device');
    }
    assert.deepEqual(receiver.errors, []);
  });
});
