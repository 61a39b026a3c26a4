/**
 * The push role against a push service in trouble: while it answers 500s, then hangs (the sender's own deadline
 * must cut each push), then is gone (connection refused), message sends go on untouched — every send succeeds,
 * none is stored twice — and once the service is back every pending notification arrives per message per
 * device, nothing dead-lettered, and more than once only where Web Push is at least once.
 *
 * That is the one repeat a push service can see from a correct sender (RFC 8030 has no idempotency key): the
 * service took a push but its answer was lost, here when entering `hang` resets connections with a request on
 * its way (the receiver, its status already 201 again, takes it). The sender cannot tell that from a push that
 * never arrived and sends it again. The receiver and proxy tell which copies lost their answer
 * (WebPushReceiver.answerLost); any other repeat — a push sent again after its 201 came back, or sent twice
 * at once — fails the test. Every push carries its channel as Topic, so a push service holding a repeat for an
 * offline device replaces it rather than piling it up (docs/push.md, "Delivered at least once").
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
import { WebPushReceiver, type ReceivedPush, type ReceiverSubscription } from '../helpers/web-push-receiver.ts';

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

  it('sends all succeed once through 500s, hangs and refusals; every push arrives afterwards, repeated only when its answer was lost', async (ctx) => {
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

    // 4. The service is back: every pending push arrives, once per message per device unless an answer was lost.
    await proxy.setMode('forward');
    const messageOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
    await waitFor(() => subs.every((s) => new Set(s.received.map((r) => messageOf(r.payload.url))).size >= MESSAGES), { what: 'every push delivered', timeoutMs: 60_000, intervalMs: 100 });
   
    await waitFor(() => metric(t, 'push_deliveries_queued_total') === metric(t, 'push_sent_total') + metric(t, 'push_gone_total') + metric(t, 'push_failed_total') + metric(t, 'push_dead_total'), { what: 'push deliveries settled', timeoutMs: 10_000 });
    assert.equal(metric(t, 'push_deliveries_queued_total'), MESSAGES * subs.length);
    assert.equal(metric(t, 'push_sent_total'), MESSAGES * subs.length);
    assert.equal(metric(t, 'push_dead_total'), 0);
    assert.equal(metric(t, 'push_failed_total'), 0);
    let repeats = 0;
    for (const s of subs) {
      const copies = new Map<string, ReceivedPush[]>();
      for (const r of s.received) copies.set(messageOf(r.payload.url), [...(copies.get(messageOf(r.payload.url)) ?? []), r]);
      assert.deepEqual(new Set(copies.keys()), new Set(ids));
      // Once sent (its 201 back), a delivery is never sent again: every copy but the last lost its answer, the
      // last did not.
      const unexplained = [...copies]
        .filter(([, cs]) => cs.length > 1 && (cs.slice(0, -1).some((c) => !receiver.answerLost(c)) || receiver.answerLost(cs.at(-1)!)))
        .map(([id, cs]) => `${id}: ${cs.length} copies, answers lost: ${cs.map((c) => receiver.answerLost(c)).join(', ')}`);
      assert.deepEqual(unexplained, [], 'a message pushed twice to a device only when the push service took it and the answer was lost');
      for (const cs of copies.values()) repeats += cs.length - 1;
      assert.deepEqual(s.received.filter((r) => r.topic !== channelId).map((r) => r.topic), [], 'every push has its channel as Topic');
    }
    // Each connection the fault reset loses at most the answer of the one request on its way (no pipelining).
    assert.ok(repeats <= proxy.counts.reset, `${repeats} repeats, ${proxy.counts.reset} connections reset`);
    ctx.diagnostic(`repeats after lost answers: ${repeats} (connections reset by the faults: ${proxy.counts.reset})`);
    assert.deepEqual(receiver.errors, []);
  });

  it('a push the service took but whose answer was lost is sent again, and only until an answer comes back', async () => {
    const messageOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
    const sent = metric(t, 'push_sent_total');
    const retries = metric(t, 'push_retries_total');
    await proxy.setMode('lose-answers');
    const res = await t.request('POST', `/channels/${channelId}/messages`, { auth: owner, body: { content: 'answer lost' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const copiesOf = (s: ReceiverSubscription) => s.received.filter((r) => messageOf(r.payload.url) === res.body.id);
    await waitFor(() => subs.every((s) => copiesOf(s).length > 0) && metric(t, 'push_retries_total') >= retries + subs.length, { what: 'pushes taken, answers lost, tries retried', timeoutMs: 15_000 });
    await proxy.setMode('forward');
    await waitFor(() => metric(t, 'push_sent_total') === sent + subs.length, { what: 'the pushes sent', timeoutMs: 15_000 });
    // The last copy's answer bytes are counted as the proxy's write to the sender completes.
    await waitFor(() => subs.every((s) => !receiver.answerLost(copiesOf(s).at(-1)!)), { what: 'the last answers counted', timeoutMs: 5_000 });
    for (const s of subs) {
      const copies = copiesOf(s);
      assert.ok(copies.length >= 2, `${copies.length} copies`);
      assert.deepEqual(copies.map((c) => receiver.answerLost(c)), copies.map((_, i) => i < copies.length - 1), 'every copy but the last lost its answer');
      assert.ok(copies.every((c) => c.topic === channelId), 'each copy has the channel as Topic: a push service replaces one it still holds');
    }
    assert.deepEqual(receiver.errors, []);
  });
});
