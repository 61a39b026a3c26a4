/**
 * A local Web Push service for tests: a node:http server that takes the push POST as a push service would,
 * checks its VAPID token (RFC 8292: `Authorization: vapid t=<JWT>, k=<public key>`, ES256 verified against k,
 * aud the endpoint's origin, exp in the future) and decrypts its aes128gcm body (RFC 8291 on RFC 8188) with the
 * subscription's private key, all with node:crypto. Subscriptions are made here like a browser makes them: a
 * P-256 key pair (ECDH prime256v1) and a random 16-byte auth secret.
 */
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ProxiedConnection } from './web-push-fault-proxy.ts';

export interface ReceivedPush {
  payload: any;
  ttl: string | undefined;
  urgency: string | undefined;
  topic: string | undefined;
  /** The VAPID public key (k) the request was signed with. */
  vapidKey: string;
  /** The fault proxy's connection the request came over (behind a WebPushFaultProxy). */
  via: ProxiedConnection | undefined;
  /** Bytes written on the connection once the 201 was flushed (unset: the connection went before it was). */
  answerEnd: number | undefined;
}

export interface ReceiverSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** Verified and decrypted pushes, in arrival order. */
  received: ReceivedPush[];
  /** Requests answered with something else than 201. */
  refused: number;
  /** The status the next request gets (default 201). */
  status: number;
}

const b64u = (b: Buffer) => b.toString('base64url');

/** Each connection's remote port, read when it is accepted (a connection reset later no longer tells it). */
const remotePorts = new WeakMap<Socket, number>();

export class WebPushReceiver {
  /** Requests that failed verification or decryption, with why. */
  readonly errors: string[] = [];
  private readonly subs = new Map<string, { sub: ReceiverSubscription; ecdh: ECDH; auth: Buffer }>();
  private seq = 0;
  private connectionFrom: (remotePort: number) => ProxiedConnection | undefined = () => undefined;

  private constructor(private readonly server: http.Server, private publicOrigin: string) {}

  /** The origin subscriptions name and the VAPID `aud` must be: this server's, or a proxy's in front of it. */
  get origin(): string {
    return this.publicOrigin;
  }

  /**
   * Subscriptions made from now on point at `origin` (a proxy that forwards to this receiver); `connectionFrom`
   * names the proxy's connection a request came over, by the request's remote port.
   */
  serveBehind(origin: string, connectionFrom?: (remotePort: number) => ProxiedConnection | undefined): void {
    this.publicOrigin = origin;
    if (connectionFrom) this.connectionFrom = connectionFrom;
  }

  /**
   * Whether a push was taken here but its 201 never reached the sender: the connection went before the answer
   * was flushed, or (behind the fault proxy) the proxy reset the sender's side before passing it all on. The
   * sender cannot tell that push from one the service never got, and sends it again: a repeat a real push
   * service would deliver too (RFC 8030 has no idempotency key).
   */
  answerLost(push: ReceivedPush): boolean {
    if (push.answerEnd === undefined) return true;
    return push.via !== undefined && push.via.answered < push.answerEnd;
  }

  static async start(): Promise<WebPushReceiver> {
    let receiver!: WebPushReceiver;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => receiver.handle(req, Buffer.concat(chunks), res));
    });
    server.on('connection', (socket: Socket) => {
      if (socket.remotePort !== undefined) remotePorts.set(socket, socket.remotePort);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    receiver = new WebPushReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return receiver;
  }

  /** A new browser subscription on this service. */
  subscribe(): ReceiverSubscription {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    const id = `sub${++this.seq}-${randomBytes(4).toString('hex')}`;
    const sub: ReceiverSubscription = { endpoint: `${this.origin}/push/${id}`, keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) }, received: [], refused: 0, status: 201 };
    this.subs.set(id, { sub, ecdh, auth });
    return sub;
  }

  private handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) {
    const id = (req.url ?? '').replace(/^\/push\//, '');
    const entry = this.subs.get(id);
    if (req.method !== 'POST' || !entry) return void res.writeHead(404).end();
    const { sub } = entry;
    if (sub.status !== 201) {
      sub.refused++;
      return void res.writeHead(sub.status).end();
    }
    try {
      const vapidKey = this.checkVapid(String(req.headers.authorization ?? ''));
      if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error(`content-encoding ${req.headers['content-encoding']}`);
      const payload = JSON.parse(decrypt(body, entry.ecdh, entry.auth).toString('utf8'));
      const socket = req.socket;
      const port = remotePorts.get(socket);
      const push: ReceivedPush = {
        payload, ttl: req.headers.ttl as string | undefined, urgency: req.headers.urgency as string | undefined, topic: req.headers.topic as string | undefined, vapidKey,
        via: port === undefined ? undefined : this.connectionFrom(port), answerEnd: undefined,
      };
      sub.received.push(push);
      // 'finish': the whole answer handed to the connection (a request is answered before the next one is read).
      res.once('finish', () => {
        push.answerEnd = socket.bytesWritten;
      });
      res.writeHead(201).end();
    } catch (err) {
      this.errors.push((err as Error).message);
      res.writeHead(400).end();
    }
  }

  /** Checks `vapid t=<jwt>, k=<key>` and returns k. */
  private checkVapid(header: string): string {
    const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header);
    if (!m) throw new Error(`bad Authorization: ${header}`);
    const [, jwt, k] = m as unknown as [string, string, string];
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const head = JSON.parse(Buffer.from(h, 'base64url').toString());
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    if (head.alg !== 'ES256') throw new Error(`alg ${head.alg}`);
    const point = Buffer.from(k, 'base64url');
    if (point.length !== 65 || point[0] !== 4) throw new Error('k is not an uncompressed P-256 point');
    const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33)) }, format: 'jwk' });
    if (!verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) throw new Error('VAPID signature does not verify');
    if (claims.aud !== this.origin) throw new Error(`aud ${claims.aud} is not ${this.origin}`);
    if (!(typeof claims.exp === 'number' && claims.exp > Date.now() / 1000)) throw new Error(`exp ${claims.exp} has passed`);
    if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) throw new Error(`sub ${claims.sub}`);
    return k;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** RFC 8291 decryption of an aes128gcm body (RFC 8188) of a single record. */
export function decrypt(body: Buffer, ecdh: ECDH, authSecret: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  const uaPublic = ecdh.getPublicKey();
  const ecdhSecret = ecdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 0x02, then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return padded.subarray(0, end);
}
