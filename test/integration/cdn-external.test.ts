/**
 * The cdn role's image proxy end to end: a site on 127.0.0.1 (allow-listed through ACCORD_EMBED_ALLOW_HOSTS)
 * serves an OpenGraph page whose og:image is a PNG; the embed's proxy_url points at Accord's /external route,
 * which fetches the picture once, behind the SSRF guard, and serves its exact bytes. Signed URLs for the other
 * cases are built with the server's own key, as the embed role builds them.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { externalProxyUrl } from '../../src/media/external-url.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { GatewayClient } from './gateway-client.ts';

const PAGE = `<!doctype html><html><head>
<meta property="og:title" content="A page with a picture">
<meta property="og:image" content="/pic.png?v=2">
<meta name="twitter:card" content="summary_large_image">
</head><body></body></html>`;

/** Either side of the proxy's 10 MiB cap. */
const OVERSIZED_BYTES = 11 * 1024 * 1024;
const UNDERSIZED_BYTES = 9 * 1024 * 1024;

interface Site {
  base: string;
  requests: string[];
  releaseHeld(): void;
  close(): Promise<void>;
}

async function startSite(png: Buffer): Promise<Site> {
  const requests: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const server = http.createServer((req, res) => {
    requests.push(req.url!);
    const { pathname } = new URL(req.url!, 'http://x');
    if (pathname === '/page') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    else if (pathname === '/pic.png') res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    // Claims to be a picture; the proxy goes by the bytes.
    else if (pathname === '/fake.png') res.writeHead(200, { 'content-type': 'image/png' }).end('<html><script>alert(1)</script></html>');
    else if (pathname === '/redirect') res.writeHead(302, { location: new URL(req.url!, 'http://x').searchParams.get('to')! }).end();
    else if (pathname === '/held.png') void released.then(() => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
    else if (pathname === '/huge.png' || pathname === '/big.png') {
      // A PNG's first bytes, then padding: under the cap (big) or past it (huge).
      res.writeHead(200, { 'content-type': 'image/png' });
      res.write(png);
      res.end(Buffer.alloc(pathname === '/big.png' ? UNDERSIZED_BYTES : OVERSIZED_BYTES));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    releaseHeld: () => release(),
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

function cdnMetric(t: TestServer, name: string): number {
  return t.server.roles.find((r) => r.name === 'cdn')!.metrics!().find((m) => m.name === name)!.value;
}

describe('cdn: proxied embed images (/external)', () => {
  let png: Buffer;
  let site: Site;
  let t: TestServer;
  let owner: TestUser;
  let channelId: string;
  let gw: GatewayClient;
  const proxied = (url: string) => externalProxyUrl(t.server.url, t.server.links.signingKey, url)!;
  const hits = (path: string) => site.requests.filter((p) => p === path).length;

  before(async () => {
    png = await sharp({ create: { width: 3, height: 2, channels: 4, background: { r: 200, g: 40, b: 90, alpha: 1 } } }).png().toBuffer();
    site = await startSite(png);
    t = await startTestServer({ embedAllowHosts: ['127.0.0.1'] });
    owner = await t.register();
    const guild = await t.createGuild(owner);
    const channels = await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner });
    channelId = channels.body.find((c: any) => c.type === 0).id;
    gw = await GatewayClient.connect(t.server.url);
    await gw.identify(owner.token);
  });

  after(async () => {
    await gw?.close();
    await t?.close();
    await site?.close();
  });

  it('an unfurled og:image is served from Accord: exact bytes, image/png, fetched from the origin once', async () => {
    const sent = await t.request('POST', `/channels/${channelId}/messages`, { auth: owner, body: { content: `${site.base}/page` } });
    assert.equal(sent.status, 200);
    const update = await gw.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === sent.body.id && d.embeds?.length === 1);
    const image = update.d.embeds[0].image;
    assert.equal(image.url, `${site.base}/pic.png?v=2`);
    // Discord's shape: /external/{signature}/{%3Fquery}/{protocol}/{host}/{path}.
    const host = site.base.slice('http://'.length);
    assert.match(image.proxy_url, new RegExp(`^${t.server.url}/external/[A-Za-z0-9_-]{43}/%3Fv%3D2/http/${host}/pic\\.png$`));
    assert.equal(hits('/pic.png?v=2'), 0, 'the embed role does not fetch the picture');

    const first = await fetch(image.proxy_url);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('content-type'), 'image/png');
    assert.match(first.headers.get('cache-control') ?? '', /^public, max-age=\d+/);
    assert.deepEqual(Buffer.from(await first.arrayBuffer()), png);
    assert.equal(hits('/pic.png?v=2'), 1, 'the origin got the query string');

    const second = await fetch(image.proxy_url);
    assert.equal(second.status, 200);
    assert.deepEqual(Buffer.from(await second.arrayBuffer()), png);
    const head = await fetch(image.proxy_url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(png.length));
    assert.equal(hits('/pic.png?v=2'), 1, 'served from the cache, the origin was not asked again');

    // The message as read back carries the same proxy URL.
    const got = await t.request('GET', `/channels/${channelId}/messages/${sent.body.id}`, { auth: owner });
    assert.equal(got.body.embeds[0].image.proxy_url, image.proxy_url);
  });

  it('a link to a picture gets an image embed with its size, proxied the same way', async () => {
    const url = `${site.base}/pic.png?direct=1`;
    const sent = await t.request('POST', `/channels/${channelId}/messages`, { auth: owner, body: { content: url } });
    const update = await gw.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === sent.body.id && d.embeds?.length === 1);
    assert.deepEqual(update.d.embeds[0], { type: 'image', url, thumbnail: { url, proxy_url: proxied(url), width: 3, height: 2 } });
    const res = await fetch(update.d.embeds[0].thumbnail.proxy_url);
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), png);
  });

  it('concurrent first requests for one picture fetch it once', async () => {
    const url = proxied(`${site.base}/held.png`);
    const before = cdnMetric(t, 'cdn_external_requests_total');
    const answers = Array.from({ length: 5 }, () => fetch(url).then(async (r) => ({ status: r.status, body: Buffer.from(await r.arrayBuffer()) })));
    await waitFor(() => cdnMetric(t, 'cdn_external_requests_total') - before === 5 && hits('/held.png') === 1, { what: 'five requests in, one origin fetch' });
    site.releaseHeld();
    for (const a of await Promise.all(answers)) {
      assert.equal(a.status, 200);
      assert.deepEqual(a.body, png);
    }
    assert.equal(hits('/held.png'), 1);
  });

  it('a tampered or missing signature is a 404, and nothing is fetched', async () => {
    const url = proxied(`${site.base}/pic.png?tamper=1`);
    const sig = url.split('/')[4]!;
    const flipped = url.replace(sig, `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`);
    const otherPath = url.replace('/pic.png', '/other.png');
    const noSignature = url.replace(`/${sig}/`, '/');
    for (const bad of [flipped, otherPath, noSignature, `${t.server.url}/external/`]) {
      const res = await fetch(bad);
      assert.equal(res.status, 404, bad);
      assert.deepEqual(await res.json(), { code: 0, message: '404: Not Found' });
    }
    assert.ok(!site.requests.some((p) => p.includes('tamper') || p.startsWith('/other')));
  });

  it('refuses what is not an image, whatever its content type says (415)', async () => {
    for (const path of ['/page', '/fake.png']) {
      const res = await fetch(proxied(`${site.base}${path}`));
      assert.equal(res.status, 415, path);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.doesNotMatch(await res.text(), /script|og:title/);
    }
    // The refusal is remembered: asking again does not fetch again.
    const fetched = hits('/fake.png');
    assert.equal((await fetch(proxied(`${site.base}/fake.png`))).status, 415);
    assert.equal(hits('/fake.png'), fetched);
  });

  it('serves a picture under the size cap and refuses one past it', async () => {
    const big = await fetch(proxied(`${site.base}/big.png`));
    assert.equal(big.status, 200);
    assert.equal((await big.arrayBuffer()).byteLength, png.length + UNDERSIZED_BYTES);
    const huge = await fetch(proxied(`${site.base}/huge.png`));
    assert.equal(huge.status, 404);
    await huge.arrayBuffer();
  });

  it('never connects to a private address outside the allow-list, even behind a valid signature', async () => {
    const privateRequests: string[] = [];
    const privateSite = http.createServer((req, res) => {
      privateRequests.push(req.url!);
      res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    });
    await new Promise<void>((r) => privateSite.listen(0, '127.0.0.2', r));
    try {
      const port = (privateSite.address() as AddressInfo).port;
      const secret = `http://127.0.0.2:${port}/secret.png`;
      // Directly, by a name that resolves to loopback, cloud metadata, and through a redirect from an allowed site.
      const origins = [secret, `http://localhost:${port}/secret.png`, 'http://169.254.169.254/latest/meta-data/', `${site.base}/redirect?to=${encodeURIComponent(secret)}`];
      for (const origin of origins) {
        const res = await fetch(proxied(origin));
        assert.equal(res.status, 404, origin);
        await res.arrayBuffer();
      }
      assert.equal(hits(`/redirect?to=${encodeURIComponent(secret)}`), 1, 'the allowed site was asked');
      assert.deepEqual(privateRequests, []);
    } finally {
      await new Promise<void>((r) => privateSite.close(() => r()));
    }
  });
});
