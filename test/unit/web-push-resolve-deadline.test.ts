/**
 * The Web Push sender's deadline covers resolving the push service's host (src/push/web-push-sender.ts): the
 * SSRF vetting asks DNS, here a real resolver (node:dns) querying a DNS server on 127.0.0.1 that answers late or
 * never, and the try fails as a retry ('resolve timed out') once its timeoutMs has passed, and does not connect
 * when the late answer comes.
 */
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { generateVapidKeys } from '../../src/lib/vapid.ts';
import { parseAllowList, type Resolver as HostResolver } from '../../src/media/ssrf.ts';
import type { PushTarget } from '../../src/push/push-sender.ts';
import { WebPushSender } from '../../src/push/web-push-sender.ts';
import { waitFor } from '../helpers/services.ts';

const TIMEOUT_MS = 500;
/** Well past the deadline, well before the resolver's own timeout. */
const LATE_MS = 1_500;
const RESOLVER_TIMEOUT_MS = 5_000;

/**
 * A DNS server on 127.0.0.1 (UDP): records each query's name and answers an A query with 127.0.0.1 after
 * `delayMs`, or never (null).
 */
class SlowDnsServer {
  readonly queries: string[] = [];
  answered = 0;
  delayMs: number | null = null;
  readonly #timers = new Set<NodeJS.Timeout>();

  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (msg, from) => this.#query(msg, from));
  }

  static async start(): Promise<SlowDnsServer> {
    const socket = dgram.createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    return new SlowDnsServer(socket);
  }

  get server(): string {
    return `127.0.0.1:${this.socket.address().port}`;
  }

  #query(msg: Buffer, from: dgram.RemoteInfo): void {
    // Header (12 bytes), then the question: labels up to a zero byte, QTYPE, QCLASS.
    const labels: string[] = [];
    let at = 12;
    while (msg[at]) {
      labels.push(msg.subarray(at + 1, at + 1 + msg[at]!).toString('ascii'));
      at += 1 + msg[at]!;
    }
    const questionEnd = at + 5;
    const qtype = msg.readUInt16BE(at + 1);
    this.queries.push(labels.join('.'));
    if (this.delayMs === null) return;
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2); // the query's id
    header.writeUInt16BE(0x8180, 2); // a response, recursion desired and available, no error
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(qtype === 1 ? 1 : 0, 6);
    // A record: the name as a pointer to the question's, type A, class IN, TTL 60, 4 bytes of address.
    const answer = qtype === 1 ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]) : Buffer.alloc(0);
    const reply = Buffer.concat([header, msg.subarray(12, questionEnd), answer]);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.socket.send(reply, from.port, from.address, () => this.answered++);
    }, this.delayMs);
    this.#timers.add(timer);
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.socket.close();
  }
}

/** A browser's subscription keys (a P-256 point and a 16-byte auth secret), for a push to `endpoint`. */
function target(endpoint: string): PushTarget {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { endpoint, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') } };
}

describe('Web Push sender: the deadline covers resolving the host', () => {
  let dns: SlowDnsServer;
  let service: net.Server;
  let connections = 0;
  let port: number;
  let resolver: Resolver;
  let resolve: HostResolver;
  const vapid = { ...generateVapidKeys(), subject: 'mailto:push@accord.invalid' };

  before(async () => {
    // Loaded by the first push otherwise, which would spend the deadline before the host is resolved.
    await import('web-push');
    dns = await SlowDnsServer.start();
    resolver = new Resolver({ timeout: RESOLVER_TIMEOUT_MS, tries: 1 });
    resolver.setServers([dns.server]);
    resolve = async (host) => (await resolver.resolve4(host)).map((address) => ({ address, family: 4 }));
    // The push service's port: counts connections and drops them (the sender speaks TLS; no push gets through).
    service = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    service.listen(0, '127.0.0.1');
    await once(service, 'listening');
    port = (service.address() as net.AddressInfo).port;
  });
  after(() => {
    resolver.cancel(); // the query that is never answered
    dns.close();
    service.close();
  });

  const sender = () => new WebPushSender(vapid, { allow: parseAllowList(['127.0.0.1']), timeoutMs: TIMEOUT_MS, resolve });
  const options = { ttl: 60, urgency: 'normal' as const };

  it('a DNS server that never answers: the try is a retry, "resolve timed out", at its deadline', async () => {
    dns.delayMs = null;
    const s = sender();
    const queries = dns.queries.length;
    const started = Date.now();
    const result = await s.send(target(`https://silent.push.test:${port}/push/a`), '{}', options);
    const took = Date.now() - started;
    s.close();
    assert.deepEqual(result, { kind: 'retry', reason: 'resolve: resolve timed out' });
    assert.ok(took >= TIMEOUT_MS - 20 && took < LATE_MS, `ended after ${took} ms (deadline ${TIMEOUT_MS} ms)`);
    assert.deepEqual(dns.queries.slice(queries), ['silent.push.test'], 'the host was vetted through DNS');
    assert.equal(connections, 0);
  });

  it('an answer after the deadline: the try has failed and nothing connects; the next try uses the late answer', async () => {
    dns.delayMs = LATE_MS;
    const s = sender();
    const queries = dns.queries.length;
    const answered = dns.answered;
    const endpoint = `https://late.push.test:${port}/push/b`;
    const started = Date.now();
    const result = await s.send(target(endpoint), '{}', options);
    const took = Date.now() - started;
    assert.deepEqual(result, { kind: 'retry', reason: 'resolve: resolve timed out' });
    assert.ok(took >= TIMEOUT_MS - 20 && took < LATE_MS, `ended after ${took} ms (deadline ${TIMEOUT_MS} ms)`);
    await waitFor(() => dns.answered > answered, { what: 'the late DNS answer', timeoutMs: 5_000 });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(connections, 0, 'the try that timed out did not send after all');
    // The late answer was vetted and kept: the next try connects at once, without asking DNS again.
    const next = await s.send(target(endpoint), '{}', options);
    s.close();
    assert.equal(next.kind, 'retry');
    assert.doesNotMatch((next as { reason: string }).reason, /^resolve/);
    assert.equal(connections, 1);
    assert.deepEqual(dns.queries.slice(queries), ['late.push.test']);
  });
});
