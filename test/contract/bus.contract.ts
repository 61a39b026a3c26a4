/**
 * The Bus contract (src/bus/types.ts), run against every implementation with no opt-outs.
 *
 * `factory` may be called several times in one test; every bus it returns must share one backing server, so two
 * buses behave like two processes (queue groups, request/reply and durable queues across them). Each test uses
 * its own subjects and queue names, so buses left over from other tests cannot interfere.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  BusClosedError,
  BusNoRespondersError,
  BusNotRetainedError,
  BusRemoteError,
  BusTimeoutError,
  type Bus,
  type Consumer,
  type DeliveryInfo,
} from '../../src/bus/types.ts';
import { InvalidSubjectError } from '../../src/bus/subjects.ts';
import { waitFor } from '../helpers/services.ts';

export interface BusUnderTest {
  bus: Bus;
  cleanup(): Promise<void>;
}

/** Short ack wait so redelivery tests finish quickly. */
const ACK_WAIT_MS = 500;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function busContract(name: string, factory: () => Promise<BusUnderTest>): void {
  describe(`Bus contract: ${name}`, () => {
    let opened: BusUnderTest[] = [];
    /** Handlers parked "forever" by a test; released after the buses close so nothing outlives the test. */
    let parked: Array<() => void> = [];

    const open = async (): Promise<Bus> => {
      const h = await factory();
      opened.push(h);
      return h.bus;
    };
    const park = () => new Promise<void>((resolve) => parked.push(resolve));
    const unique = (stem: string) => `${stem}-${randomBytes(4).toString('hex')}`;

    afterEach(async () => {
      const handles = opened.reverse();
      opened = [];
      for (const h of handles) await h.cleanup();
      for (const release of parked) release();
      parked = [];
    });

    describe('publish / subscribe', () => {
      it('says it is connected while open, and not once closed', async () => {
        const bus = await open();
        assert.equal(bus.connected, true);
        await bus.close();
        assert.equal(bus.connected, false);
      });

      it('delivers to exact, `*` and `>` subscribers and to nobody else', async () => {
        const bus = await open();
        const root = unique('ps');
        const got: Record<string, string[]> = { exact: [], star: [], rest: [], other: [] };
        bus.subscribe(`${root}.a.b`, (_p, s) => got.exact.push(s));
        bus.subscribe(`${root}.*.b`, (_p, s) => got.star.push(s));
        bus.subscribe(`${root}.>`, (_p, s) => got.rest.push(s));
        bus.subscribe(`${root}.x.*`, (_p, s) => got.other.push(s));
        await bus.flush();
        bus.publish(`${root}.a.b`, 1);
        bus.publish(`${root}.c.b`, 2);
        bus.publish(`${root}.a.b.c`, 3);
        bus.publish(`${root}`, 4);
        await bus.flush();
        await waitFor(() => got.rest.length === 3, { what: '`>` deliveries' });
        await waitFor(() => got.star.length === 2, { what: '`*` deliveries' });
        assert.deepEqual(got.exact, [`${root}.a.b`]);
        assert.deepEqual(got.star, [`${root}.a.b`, `${root}.c.b`]);
        assert.deepEqual(got.rest, [`${root}.a.b`, `${root}.c.b`, `${root}.a.b.c`]);
        assert.deepEqual(got.other, []);
      });

      it('hands JSON payloads over intact', async () => {
        const [a, b] = [await open(), await open()];
        const subject = unique('payload');
        const got: unknown[] = [];
        b.subscribe(subject, (p) => got.push(p));
        await b.flush();
        const payloads = [{ id: '123456789012345678', nested: { list: [1, 'two', null, true] }, text: 'héllo ✓' }, null, 0, 'plain', [], undefined];
        for (const p of payloads) a.publish(subject, p);
        await a.flush();
        await waitFor(() => got.length === payloads.length, { what: 'payloads' });
        assert.deepEqual(got, payloads);
      });

      it('keeps publish order per subscriber, across processes', async () => {
        const [pub, sub] = [await open(), await open()];
        const subject = unique('order');
        const seen: number[] = [];
        sub.subscribe<number>(subject, (n) => seen.push(n));
        await sub.flush();
        for (let i = 0; i < 500; i++) pub.publish(subject, i);
        await pub.flush();
        await waitFor(() => seen.length === 500, { what: '500 messages' });
        assert.deepEqual(seen, Array.from({ length: 500 }, (_, i) => i));
      });

      it('delivers asynchronously, never inside publish', async () => {
        const bus = await open();
        const subject = unique('async');
        let delivered = false;
        bus.subscribe(subject, () => {
          delivered = true;
        });
        await bus.flush();
        bus.publish(subject, 1);
        assert.equal(delivered, false);
        await waitFor(() => delivered, { what: 'delivery' });
      });

      it('stops delivering after unsubscribe', async () => {
        const bus = await open();
        const subject = unique('unsub');
        const kept: number[] = [];
        const dropped: number[] = [];
        const gone = bus.subscribe<number>(subject, (n) => dropped.push(n));
        bus.subscribe<number>(subject, (n) => kept.push(n));
        await bus.flush();
        bus.publish(subject, 1);
        await waitFor(() => dropped.length === 1 && kept.length === 1, { what: 'first message' });
        gone.unsubscribe();
        await bus.flush();
        bus.publish(subject, 2);
        await bus.flush();
        await waitFor(() => kept.length === 2, { what: 'second message' });
        assert.deepEqual(dropped, [1]);
      });

      it('survives a subscriber that throws', async () => {
        const bus = await open();
        const subject = unique('throws');
        const good: number[] = [];
        let calls = 0;
        bus.subscribe<number>(subject, () => {
          calls++;
          throw new Error('subscriber bug');
        });
        bus.subscribe<number>(subject, async () => {
          throw new Error('async subscriber bug');
        });
        bus.subscribe<number>(subject, (n) => good.push(n));
        await bus.flush();
        bus.publish(subject, 1);
        bus.publish(subject, 2);
        await bus.flush();
        await waitFor(() => good.length === 2 && calls === 2, { what: 'both messages everywhere' });
        assert.deepEqual(good, [1, 2]);
      });

      it('gives each message to exactly one member of a queue group, plus every plain subscriber', async () => {
        const [a, b, c] = [await open(), await open(), await open()];
        const subject = unique('group');
        const members: Record<string, number[]> = { a: [], b: [] };
        const plain: number[] = [];
        a.subscribe<number>(subject, (n) => members.a.push(n), { queue: 'workers' });
        b.subscribe<number>(subject, (n) => members.b.push(n), { queue: 'workers' });
        c.subscribe<number>(subject, (n) => plain.push(n));
        await Promise.all([a.flush(), b.flush(), c.flush()]);
        for (let i = 0; i < 40; i++) c.publish(subject, i);
        await c.flush();
        await waitFor(() => plain.length === 40 && members.a.length + members.b.length === 40, { what: '40 deliveries' });
        await sleep(50); // a duplicate would arrive now
        assert.deepEqual([...members.a, ...members.b].sort((x, y) => x - y), Array.from({ length: 40 }, (_, i) => i));
        assert.ok(members.a.length > 0 && members.b.length > 0, `both members got work (${members.a.length}/${members.b.length})`);
      });

      it('rejects invalid subjects and non-JSON payloads synchronously', async () => {
        const bus = await open();
        assert.throws(() => bus.publish('a.*', 1), InvalidSubjectError);
        assert.throws(() => bus.publish('a..b', 1), InvalidSubjectError);
        assert.throws(() => bus.publish('', 1), InvalidSubjectError);
        assert.throws(() => bus.subscribe('a.>.b', () => {}), InvalidSubjectError);
        assert.throws(() => bus.publish(unique('bigint'), { id: 1n }), TypeError);
        await assert.rejects(bus.enqueue('bad queue', 1), InvalidSubjectError);
      });
    });

    describe('request / reply', () => {
      it('answers a request from another process', async () => {
        const [server, client] = [await open(), await open()];
        const subject = unique('rpc');
        server.serve<{ a: number; b: number }, { sum: number }>(subject, ({ a, b }) => ({ sum: a + b }));
        await server.flush();
        assert.deepEqual(await client.request(subject, { a: 2, b: 3 }, { timeoutMs: 2000 }), { sum: 5 });
      });

      it('replies with null or nothing', async () => {
        const bus = await open();
        const root = unique('rpcempty');
        bus.serve(`${root}.null`, () => null);
        bus.serve(`${root}.none`, () => undefined);
        await bus.flush();
        assert.equal(await bus.request(`${root}.null`, undefined, { timeoutMs: 2000 }), null);
        assert.equal(await bus.request(`${root}.none`, null, { timeoutMs: 2000 }), undefined);
      });

      it('lets async handlers and wildcard subjects serve', async () => {
        const bus = await open();
        const root = unique('rpcwild');
        bus.serve<null, string>(`${root}.*`, async (_q, subject) => {
          await sleep(5);
          return subject;
        });
        await bus.flush();
        assert.equal(await bus.request(`${root}.x`, null, { timeoutMs: 2000 }), `${root}.x`);
      });

      it('sends each request to one responder of the group', async () => {
        const [a, b, client] = [await open(), await open(), await open()];
        const subject = unique('rpcgroup');
        let calls = 0;
        a.serve(subject, () => (calls++, 'a'));
        b.serve(subject, () => (calls++, 'b'));
        await Promise.all([a.flush(), b.flush()]);
        const replies = await Promise.all(Array.from({ length: 20 }, () => client.request<string>(subject, {}, { timeoutMs: 2000 })));
        await sleep(50);
        assert.equal(calls, 20);
        assert.ok(replies.includes('a') && replies.includes('b'), 'both responders answered');
      });

      it('times out when the responder never answers', async () => {
        const [server, client] = [await open(), await open()];
        const subject = unique('rpcslow');
        server.serve(subject, () => park());
        await server.flush();
        const started = Date.now();
        await assert.rejects(client.request(subject, {}, { timeoutMs: 200 }), BusTimeoutError);
        const took = Date.now() - started;
        assert.ok(took >= 190 && took < 2000, `took ${took} ms`);
      });

      it('fails at once with no responders', async () => {
        const bus = await open();
        const started = Date.now();
        await assert.rejects(bus.request(unique('nobody'), {}, { timeoutMs: 3000 }), BusNoRespondersError);
        assert.ok(Date.now() - started < 1000, 'did not wait for the timeout');
      });

      it('turns a responder that throws into BusRemoteError with its message', async () => {
        const [server, client] = [await open(), await open()];
        const subject = unique('rpcfail');
        server.serve(subject, async () => {
          throw new Error('guild 42 is not loaded');
        });
        await server.flush();
        await assert.rejects(client.request(subject, {}, { timeoutMs: 2000 }), (err: unknown) => {
          assert.ok(err instanceof BusRemoteError);
          assert.match(err.message, /guild 42 is not loaded/);
          return true;
        });
      });

      it('stops serving after unsubscribe', async () => {
        const bus = await open();
        const subject = unique('rpcunsub');
        const sub = bus.serve(subject, () => 'yes');
        await bus.flush();
        assert.equal(await bus.request(subject, {}, { timeoutMs: 2000 }), 'yes');
        sub.unsubscribe();
        await bus.flush();
        await assert.rejects(bus.request(subject, {}, { timeoutMs: 1000 }), BusNoRespondersError);
      });
    });

    describe('durable queues', () => {
      const opts = { ackWaitMs: ACK_WAIT_MS, maxDeliveries: 3 };

      it('keeps jobs enqueued before any consumer and acks each once', async () => {
        const bus = await open();
        const queue = unique('jobs');
        for (let i = 0; i < 5; i++) await bus.enqueue(queue, { n: i });
        const got: Array<{ n: number; info: DeliveryInfo }> = [];
        await bus.consume<{ n: number }>(queue, async ({ n }, info) => void got.push({ n, info }), opts);
        await waitFor(() => got.length === 5, { what: '5 jobs' });
        await sleep(ACK_WAIT_MS + 300); // an unacked job would come back now
        assert.equal(got.length, 5);
        assert.deepEqual(got.map((g) => g.n).sort(), [0, 1, 2, 3, 4]);
        for (const g of got) assert.deepEqual(g.info, { deliveries: 1, queue });
      });

      it('redelivers a job whose handler threw', async () => {
        const bus = await open();
        const queue = unique('retry');
        const seen: number[] = [];
        await bus.consume(queue, async (_job, info) => {
          seen.push(info.deliveries);
          if (info.deliveries === 1) throw new Error('transient');
        }, opts);
        await bus.enqueue(queue, { x: 1 });
        await waitFor(() => seen.length === 2, { what: 'redelivery' });
        await sleep(100);
        assert.deepEqual(seen, [1, 2]);
      });

      it('redelivers a job not acked within ackWaitMs', async () => {
        const bus = await open();
        const queue = unique('ackwait');
        const seen: number[] = [];
        await bus.consume(queue, async (_job, info) => {
          seen.push(info.deliveries);
          if (info.deliveries === 1) await park();
        }, { ...opts, concurrency: 2 });
        await bus.enqueue(queue, 'slow');
        await waitFor(() => seen.length === 2, { timeoutMs: ACK_WAIT_MS * 6, what: 'redelivery after ack wait' });
        assert.deepEqual(seen, [1, 2]);
      });

      it('ignores the late outcome of a delivery that ack wait gave up on', async () => {
        const bus = await open();
        const queue = unique('late');
        const seen: number[] = [];
        let releaseFirst: () => void = () => {};
        await bus.consume(queue, async (_job, info) => {
          seen.push(info.deliveries);
          if (info.deliveries === 1) return new Promise<void>((r) => (releaseFirst = r));
          if (info.deliveries === 2) {
            releaseFirst(); // the first delivery acks now, while the second still runs
            await sleep(100);
            throw new Error('second attempt fails');
          }
        }, { ...opts, maxDeliveries: 5, concurrency: 2 });
        await bus.enqueue(queue, 'x');
        await waitFor(() => seen.length === 3, { timeoutMs: ACK_WAIT_MS * 6, what: 'third delivery' });
        assert.deepEqual(seen, [1, 2, 3]);
      });

      it('gives a stopped consumer’s in-flight job to another consumer', async () => {
        const [a, b] = [await open(), await open()];
        const queue = unique('stop');
        let aGot = 0;
        const consumerA = await a.consume(queue, async () => {
          aGot++;
          await park();
        }, { ...opts, ackWaitMs: 30_000 });
        await a.enqueue(queue, { job: 1 });
        await waitFor(() => aGot === 1, { what: 'A takes the job' });
        const bGot: DeliveryInfo[] = [];
        await b.consume(queue, async (_job, info) => void bGot.push(info), opts);
        await consumerA.stop();
        await waitFor(() => bGot.length === 1, { what: 'B gets the job' });
        assert.equal(bGot[0].deliveries, 2);
        assert.equal(aGot, 1);
      });

      it('gives the jobs of a closed bus to another process', async () => {
        const [a, b] = [await open(), await open()];
        const queue = unique('die');
        let aGot = 0;
        await a.consume(queue, async () => {
          aGot++;
          await park();
        }, { ...opts, ackWaitMs: 30_000 });
        await a.enqueue(queue, { job: 1 });
        await waitFor(() => aGot === 1, { what: 'A takes the job' });
        const bGot: DeliveryInfo[] = [];
        await b.consume(queue, async (_job, info) => void bGot.push(info), opts);
        await a.close();
        await waitFor(() => bGot.length === 1, { what: 'B gets the job' });
        assert.equal(bGot[0].deliveries, 2);
      });

      it('moves a job to <queue>.dead after maxDeliveries failures, payload unchanged', async () => {
        const bus = await open();
        const queue = unique('doomed');
        const attempts: number[] = [];
        await bus.consume(queue, async (_job, info) => {
          attempts.push(info.deliveries);
          throw new Error('permanent');
        }, opts);
        const dead: Array<{ job: unknown; info: DeliveryInfo }> = [];
        await bus.consume(`${queue}.dead`, async (job, info) => void dead.push({ job, info }), opts);
        await bus.enqueue(queue, { id: 'abc', n: 7 });
        await waitFor(() => dead.length === 1, { what: 'dead letter' });
        await sleep(200);
        assert.deepEqual(attempts, [1, 2, 3]);
        assert.deepEqual(dead[0].job, { id: 'abc', n: 7 });
        assert.deepEqual(dead[0].info, { deliveries: 1, queue: `${queue}.dead` });
      });

      it('moves a job to <queue>.dead when its last delivery is never acked', async () => {
        const bus = await open();
        const queue = unique('stuck');
        const attempts: number[] = [];
        await bus.consume(queue, async (_job, info) => {
          attempts.push(info.deliveries);
          await park();
        }, { ackWaitMs: ACK_WAIT_MS, maxDeliveries: 2, concurrency: 3 });
        const dead: unknown[] = [];
        await bus.consume(`${queue}.dead`, async (job) => void dead.push(job), opts);
        await bus.enqueue(queue, 'stuck job');
        await waitFor(() => dead.length === 1, { timeoutMs: ACK_WAIT_MS * 10, what: 'dead letter after ack waits' });
        assert.deepEqual(attempts, [1, 2]);
        assert.deepEqual(dead, ['stuck job']);
      });

      it('never runs more handlers at once than `concurrency`', async () => {
        const bus = await open();
        const queue = unique('conc');
        let running = 0;
        let peak = 0;
        const done: number[] = [];
        await bus.consume<number>(queue, async (n) => {
          running++;
          peak = Math.max(peak, running);
          await sleep(40);
          running--;
          done.push(n);
        }, { ...opts, ackWaitMs: 5000, concurrency: 3 });
        for (let i = 0; i < 12; i++) await bus.enqueue(queue, i);
        await waitFor(() => done.length === 12, { what: '12 jobs' });
        assert.equal(peak, 3);
        assert.deepEqual([...done].sort((x, y) => x - y), Array.from({ length: 12 }, (_, i) => i));
      });

      it('shares a queue between consumers in different processes, each job once', async () => {
        const [a, b] = [await open(), await open()];
        const queue = unique('shared');
        const got: Record<string, number[]> = { a: [], b: [] };
        const handler = (who: 'a' | 'b') => async (n: number) => {
          await sleep(20);
          got[who].push(n);
        };
        await a.consume(queue, handler('a'), opts);
        await b.consume(queue, handler('b'), opts);
        for (let i = 0; i < 10; i++) await a.enqueue(queue, i);
        await waitFor(() => got.a.length + got.b.length === 10, { what: '10 jobs' });
        await sleep(100);
        assert.deepEqual([...got.a, ...got.b].sort((x, y) => x - y), Array.from({ length: 10 }, (_, i) => i));
        assert.ok(got.a.length > 0 && got.b.length > 0, `both consumers worked (${got.a.length}/${got.b.length})`);
      });

      it('stops delivering to a stopped consumer', async () => {
        const bus = await open();
        const queue = unique('stopped');
        const got: number[] = [];
        const consumer: Consumer = await bus.consume<number>(queue, async (n) => void got.push(n), opts);
        await bus.enqueue(queue, 1);
        await waitFor(() => got.length === 1, { what: 'first job' });
        await consumer.stop();
        await bus.enqueue(queue, 2);
        await sleep(200);
        assert.deepEqual(got, [1]);
        const later: number[] = [];
        await bus.consume<number>(queue, async (n) => void later.push(n), opts);
        await waitFor(() => later.length === 1, { what: 'job kept for the next consumer' });
        assert.deepEqual(later, [2]);
      });
    });

    describe('retained logs', () => {
      it('keeps what plain publishes and appends put on its subjects, in order, readable by subject and time', async () => {
        const a = await open();
        const b = await open();
        const root = unique('log');
        const name = unique('log');
        await a.retain(name, { subjects: [`${root}.*`], maxAgeMs: 60_000, maxBytes: 1024 * 1024 });
        try {
          await b.retain(name, { subjects: [`${root}.*`], maxAgeMs: 60_000, maxBytes: 1024 * 1024 }); // idempotent
          a.publish(`${root}.x`, { n: 1 });
          await a.flush();
          await b.append(`${root}.y`, { n: 2 });
          await a.append(`${root}.x`, { n: 3 });
          a.publish(`${unique('other')}.x`, { n: 0 });
          await waitFor(async () => (await b.readLog(name, { subjects: [`${root}.x`] })).length === 2, { what: 'plain publish stored' });
          const all = await b.readLog<{ n: number }>(name, { subjects: [`${root}.x`, `${root}.y`] });
          assert.deepEqual(all.map((e) => [e.subject, e.payload.n]), [[`${root}.x`, 1], [`${root}.y`, 2], [`${root}.x`, 3]]);
          assert.ok(all.every((e) => typeof e.at === 'number' && e.at > 0));
          assert.deepEqual(await b.readLog(name, { subjects: [`${root}.z`] }), []);
          const later = await b.readLog(name, { subjects: [`${root}.x`, `${root}.y`], sinceMs: all[2].at + 60_000 });
          assert.deepEqual(later, []);
        } finally {
          await a.dropLog(name);
        }
        assert.deepEqual(await b.readLog(name, { subjects: [`${root}.x`] }), []);
      });

      it('keeps at most maxMsgsPerSubject per subject, newest last', async () => {
        const bus = await open();
        const root = unique('logcap');
        const name = unique('logcap');
        await bus.retain(name, { subjects: [`${root}.*`], maxAgeMs: 60_000, maxBytes: 1024 * 1024, maxMsgsPerSubject: 2 });
        try {
          for (let n = 1; n <= 4; n++) await bus.append(`${root}.a`, n);
          await bus.append(`${root}.b`, 9);
          const got = await bus.readLog<number>(name, { subjects: [`${root}.a`, `${root}.b`] });
          assert.deepEqual(got.map((e) => e.payload), [3, 4, 9]);
        } finally {
          await bus.dropLog(name);
        }
      });

      it('append rejects when no log captures the subject', async () => {
        const bus = await open();
        await assert.rejects(bus.append(`${unique('nolog')}.x`, 1), BusNotRetainedError);
      });
    });

    describe('close', () => {
      it('refuses work after close; publish only drops', async () => {
        const bus = await open();
        await bus.close();
        assert.doesNotThrow(() => bus.publish(unique('late'), 1));
        await assert.rejects(bus.request(unique('late'), 1, { timeoutMs: 100 }), BusClosedError);
        await assert.rejects(bus.enqueue(unique('late'), 1), BusClosedError);
        await assert.rejects(bus.consume(unique('late'), async () => {}), BusClosedError);
        await bus.close(); // twice is fine
      });
    });
  });
}
