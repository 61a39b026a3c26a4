/**
 * The embed role end to end: a local HTTP server on 127.0.0.1 (allow-listed through ACCORD_EMBED_ALLOW_HOSTS)
 * serves pages; messages posted with their links get link embeds through MESSAGE_UPDATE on the gateway.
 *
 * Negative cases (no unfurl) are checked against a later message that does unfurl: jobs are queued in send
 * order, so once the later one's MESSAGE_UPDATE arrived every earlier job was taken, and the role's job counter
 * says whether one existed.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { externalProxyUrl } from '../../src/media/external-url.ts';
import { startServer } from '../../src/server.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { GatewayClient } from './gateway-client.ts';
import { MemoryBus } from '../../src/bus/memory.ts';
import { GatewaySubjects, subscribeEvent, type DispatchEnvelope } from '../../src/contracts/index.ts';
import { OutboxRelay } from '../../src/contracts/outbox.ts';
import { SnowflakeGenerator } from '../../src/protocol/snowflake.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { guildWithChannel, message } from '../contract/store.fixtures.ts';

const OG_PAGE = (title: string) => `<!doctype html><html><head>
<title>Fallback title</title>
<meta property="og:title" content="${title}">
<meta property="og:description" content="A page &amp; its description">
<meta property="og:site_name" content="Local Site">
<meta property="og:image" content="/img.png"><meta property="og:image:width" content="640"><meta property="og:image:height" content="480">
<meta name="theme-color" content="#ff8800">
</head><body><meta property="og:title" content="ignored after head"></body></html>`;

interface Site {
  base: string;
  requests: string[];
  hugeClosedEarly: Promise<{ written: number; finished: boolean }>;
  slowRequested: Promise<void>;
  releaseSlow(): void;
  close(): Promise<void>;
}

const HUGE_BYTES = 64 * 1024 * 1024;

async function startSite(): Promise<Site> {
  const requests: string[] = [];
  let hugeDone!: (v: { written: number; finished: boolean }) => void;
  const hugeClosedEarly = new Promise<{ written: number; finished: boolean }>((r) => (hugeDone = r));
  let slowSeen!: () => void;
  const slowRequested = new Promise<void>((r) => (slowSeen = r));
  let release!: () => void;
  const slowReleased = new Promise<void>((r) => (release = r));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    requests.push(url.pathname);
    if (url.pathname === '/redirect-private') {
      res.writeHead(302, { location: url.searchParams.get('to') ?? 'http://169.254.169.254/latest/meta-data/' }).end();
    } else if (url.pathname === '/redirect-ok') {
      res.writeHead(301, { location: '/page/redirected' }).end();
    } else if (url.pathname === '/huge') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.write(OG_PAGE('Huge page').replace('</body></html>', ''));
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let written = 0;
      let finished = false;
      const pump = () => {
        while (written < HUGE_BYTES) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        finished = true;
        res.end();
      };
      res.once('close', () => hugeDone({ written, finished }));
      pump();
    } else if (url.pathname === '/slow') {
      slowSeen();
      void slowReleased.then(() => res.writeHead(200, { 'content-type': 'text/html' }).end(OG_PAGE('Slow page')));
    } else if (url.pathname === '/video-page') {
      // A page with little OpenGraph and an oEmbed link (relative), as video and photo sites publish them.
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html><head><title>Page title</title>
<meta property="og:description" content="Described by OpenGraph">
<link rel="alternate" type="application/json+oembed" href="/oembed.json?url=video-page" title="oEmbed">
</head><body></body></html>`);
    } else if (url.pathname === '/oembed.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        version: '1.0', type: 'video', title: 'Title from oEmbed', author_name: 'A Creator', author_url: '/creator',
        provider_name: 'Local Video', provider_url: '/', thumbnail_url: '/img.png', thumbnail_width: 480, thumbnail_height: 360, html: '<iframe></iframe>',
      }));
    } else if (url.pathname === '/img.png') {
      res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(16));
    } else if (url.pathname.startsWith('/page/')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(OG_PAGE(`Title of ${url.pathname.slice(6)}`));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base, requests, hugeClosedEarly, slowRequested, releaseSlow: () => release(),
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

function embedMetric(t: TestServer, name: string): number {
  const role = t.server.roles.find((r) => r.name === 'embed')!;
  return role.metrics!().find((m) => m.name === name)!.value;
}

describe('embed role', () => {
  let site: Site;
  let t: TestServer;
  let owner: TestUser;
  let member: TestUser;
  let channelId: string;
  let guildId: string;
  let gw: GatewayClient;

  before(async () => {
    site = await startSite();
    t = await startTestServer({ embedAllowHosts: ['127.0.0.1'] });
    owner = await t.register();
    member = await t.register();
    const guild = await t.createGuild(owner);
    guildId = guild.id;
    await t.join(owner, guildId, member);
    const channels = await t.request('GET', `/guilds/${guildId}/channels`, { auth: owner });
    channelId = channels.body.find((c: any) => c.type === 0).id;
    gw = await GatewayClient.connect(t.server.url);
    await gw.identify(owner.token);
  });

  after(async () => {
    await gw?.close();
    await t?.close();
    await site?.close();
  });

  const send = async (user: TestUser, content: string, extra: Record<string, unknown> = {}) => {
    const res = await t.request('POST', `/channels/${channelId}/messages`, { auth: user, body: { content, ...extra } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  // Pictures are shown through the CDN's image proxy (test/integration/cdn-external.test.ts).
  const proxied = (url: string) => externalProxyUrl(t.server.url, t.server.links.signingKey, url);
  const embedsUpdate = (id: string) => gw.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === id && Array.isArray(d.embeds) && d.embeds.length > 0);

  it('unfurls an OpenGraph page: MESSAGE_UPDATE on the gateway, and GET shows it', async () => {
    const url = `${site.base}/page/one`;
    const msg = await send(owner, `look at ${url} please`);
    assert.deepEqual(msg.embeds, []);
    const update = await embedsUpdate(msg.id);
    // Discord's unfurl update is partial: id, channel_id, guild_id and embeds.
    assert.deepEqual(Object.keys(update.d).sort(), ['channel_id', 'embeds', 'guild_id', 'id']);
    assert.deepEqual(update.d.embeds, [{
      type: 'link',
      url,
      title: 'Title of one',
      description: 'A page & its description',
      color: 0xff8800,
      provider: { name: 'Local Site' },
      thumbnail: { url: `${site.base}/img.png`, proxy_url: proxied(`${site.base}/img.png`), width: 640, height: 480 },
    }]);
    const got = await t.request('GET', `/channels/${channelId}/messages/${msg.id}`, { auth: owner });
    assert.deepEqual(got.body.embeds, update.d.embeds);
    assert.equal(got.body.edited_timestamp, null);
  });

  it('reads a page\'s oEmbed link: author, provider and thumbnail from it, OpenGraph first where both speak', async () => {
    const url = `${site.base}/video-page`;
    const msg = await send(owner, url);
    const update = await embedsUpdate(msg.id);
    assert.deepEqual(update.d.embeds, [{
      type: 'link',
      url,
      title: 'Title from oEmbed',
      description: 'Described by OpenGraph',
      provider: { name: 'Local Video', url: `${site.base}/` },
      author: { name: 'A Creator', url: `${site.base}/creator` },
      thumbnail: { url: `${site.base}/img.png`, proxy_url: proxied(`${site.base}/img.png`), width: 480, height: 360 },
    }]);
    assert.ok(site.requests.includes('/oembed.json'), 'the oEmbed endpoint was asked');
  });

  it('fetches a URL once (cache), keeps the embeds the author sent, and unfurls an image link', async () => {
    const url = `${site.base}/page/cached`;
    const first = await send(owner, url);
    await embedsUpdate(first.id);
    const fetchedBefore = site.requests.filter((p) => p === '/page/cached').length;
    const second = await send(owner, `${url} and ${site.base}/img.png`, { embeds: [{ title: 'mine', description: 'sent by me' }] });
    const update = await gw.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === second.id && d.embeds?.length === 3);
    assert.deepEqual(update.d.embeds.map((e: any) => e.type), ['rich', 'link', 'image']);
    assert.equal(update.d.embeds[0].title, 'mine');
    assert.deepEqual(update.d.embeds[2], { type: 'image', url: `${site.base}/img.png`, thumbnail: { url: `${site.base}/img.png`, proxy_url: proxied(`${site.base}/img.png`) } });
    assert.equal(site.requests.filter((p) => p === '/page/cached').length, fetchedBefore);
  });

  it('follows a redirect to an allowed address', async () => {
    const msg = await send(owner, `${site.base}/redirect-ok`);
    const update = await embedsUpdate(msg.id);
    assert.equal(update.d.embeds[0].title, 'Title of redirected');
    assert.equal(update.d.embeds[0].url, `${site.base}/redirect-ok`);
  });

  it('does not unfurl without EMBED_LINKS, in code, in <brackets>, or with SUPPRESS_EMBEDS', async () => {
    const deny = await t.request('PUT', `/channels/${channelId}/permissions/${guildId}`, { auth: owner, body: { type: 0, deny: String(1 << 14), allow: '0' } });
    assert.equal(deny.status, 204);
    const jobsBefore = embedMetric(t, 'embed_jobs_total');
    const quiet = [
      await send(member, `${site.base}/page/no-permission`),
      await send(owner, `\`${site.base}/page/inline\` and \`\`\`\n${site.base}/page/block\n\`\`\``),
      await send(owner, `<${site.base}/page/bracketed>`),
      await send(owner, `${site.base}/page/suppressed`, { flags: 1 << 2 }),
    ];
    const sentinel = await send(owner, `${site.base}/page/sentinel`);
    await embedsUpdate(sentinel.id);
    assert.equal(embedMetric(t, 'embed_jobs_total') - jobsBefore, 1, 'only the sentinel was queued');
    for (const m of quiet) {
      const got = await t.request('GET', `/channels/${channelId}/messages/${m.id}`, { auth: owner });
      assert.deepEqual(got.body.embeds, []);
    }
    for (const p of ['no-permission', 'inline', 'block', 'bracketed', 'suppressed']) assert.ok(!site.requests.includes(`/page/${p}`), p);
    assert.equal((await t.request('DELETE', `/channels/${channelId}/permissions/${guildId}`, { auth: owner })).status, 204);
  });

  it('refuses a redirect to a private address (and to cloud metadata)', async () => {
    // A page on 127.0.0.2, which the allow-list (127.0.0.1 only) does not cover.
    const privateRequests: string[] = [];
    const privateSite = http.createServer((req, res) => {
      privateRequests.push(req.url!);
      res.writeHead(200, { 'content-type': 'text/html' }).end(OG_PAGE('Private page'));
    });
    await new Promise<void>((r) => privateSite.listen(0, '127.0.0.2', r));
    const privateUrl = `http://127.0.0.2:${(privateSite.address() as AddressInfo).port}/secret`;
    const done = embedMetric(t, 'embed_jobs_done_total');
    const refused = embedMetric(t, 'embed_refused_total');
    const msg = await send(owner, `${site.base}/redirect-private?to=${encodeURIComponent(privateUrl)} ${site.base}/redirect-private`);
    await waitFor(() => embedMetric(t, 'embed_jobs_done_total') > done, { what: 'job done' });
    await new Promise<void>((r) => privateSite.close(() => r()));
    assert.deepEqual(privateRequests, []);
    assert.equal(embedMetric(t, 'embed_refused_total'), refused + 2);
    const got = await t.request('GET', `/channels/${channelId}/messages/${msg.id}`, { auth: owner });
    assert.deepEqual(got.body.embeds, []);
    assert.ok(!gw.dispatches('MESSAGE_UPDATE').some((p) => p.d.id === msg.id));
  });

  it('reads at most 1 MiB of a huge page and still unfurls its head', async () => {
    const msg = await send(owner, `${site.base}/huge`);
    const update = await embedsUpdate(msg.id);
    assert.equal(update.d.embeds[0].title, 'Huge page');
    const { written, finished } = await site.hugeClosedEarly;
    assert.equal(finished, false, 'the connection was closed before the page ended');
    assert.ok(written < HUGE_BYTES);
  });

  it('does not resurrect a message deleted while its link was being fetched', async () => {
    const done = embedMetric(t, 'embed_jobs_done_total');
    const msg = await send(owner, `${site.base}/slow`);
    await site.slowRequested;
    assert.equal((await t.request('DELETE', `/channels/${channelId}/messages/${msg.id}`, { auth: owner })).status, 204);
    site.releaseSlow();
    await waitFor(() => embedMetric(t, 'embed_jobs_done_total') > done, { what: 'job done' });
    assert.equal((await t.request('GET', `/channels/${channelId}/messages/${msg.id}`, { auth: owner })).status, 404);
    assert.ok(!gw.dispatches('MESSAGE_UPDATE').some((p) => p.d.id === msg.id));
  });

  it('PATCH with SUPPRESS_EMBEDS clears the embeds; lifting it unfurls again', async () => {
    const msg = await send(owner, `${site.base}/page/toggle`);
    await embedsUpdate(msg.id);
    const from = gw.payloads.length;
    const on = await t.request('PATCH', `/channels/${channelId}/messages/${msg.id}`, { auth: owner, body: { flags: 1 << 2 } });
    assert.equal(on.status, 200);
    assert.deepEqual(on.body.embeds, []);
    assert.equal(on.body.flags & 4, 4);
    await gw.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === msg.id && d.embeds?.length === 0, 5000, from);
    const off = await t.request('PATCH', `/channels/${channelId}/messages/${msg.id}`, { auth: owner, body: { flags: 0 } });
    assert.equal(off.status, 200);
    const again = await gw.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === msg.id && d.embeds?.length === 1, 5000, gw.payloads.length - 1);
    assert.equal(again.d.embeds[0].title, 'Title of toggle');
  });

  it('an edit that removes the link removes its embed; a new link is unfurled', async () => {
    const msg = await send(owner, `${site.base}/page/before`);
    await embedsUpdate(msg.id);
    const edited = await t.request('PATCH', `/channels/${channelId}/messages/${msg.id}`, { auth: owner, body: { content: `now ${site.base}/page/after` } });
    assert.deepEqual(edited.body.embeds, []);
    const update = await gw.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === msg.id && d.embeds?.[0]?.title === 'Title of after');
    assert.equal(update.d.embeds.length, 1);
  });
});

describe('embed role down, then up', () => {
  it('sending is unaffected; the waiting jobs are done when an embed process starts', async () => {
    const site = await startSite();
    const t = await startTestServer({ roles: ['api', 'sessions', 'guild', 'presence'], embedAllowHosts: ['127.0.0.1'] });
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'accord-embed-'));
    let embedNode: Awaited<ReturnType<typeof startServer>> | undefined;
    let gw: GatewayClient | undefined;
    try {
      const owner = await t.register();
      const guild = await t.createGuild(owner);
      const channels = await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner });
      const channelId = channels.body.find((c: any) => c.type === 0).id;
      gw = await GatewayClient.connect(t.server.url);
      await gw.identify(owner.token);
      const sent = await t.request('POST', `/channels/${channelId}/messages`, { auth: owner, body: { content: `${site.base}/page/later` } });
      assert.equal(sent.status, 200);
      assert.ok(!site.requests.includes('/page/later'));

      const config = loadConfig({ env: {}, overrides: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', roles: ['embed'], embedAllowHosts: ['127.0.0.1'], nodeId: 'embed-only', processId: 29, busCheckPayloads: true } });
      embedNode = await startServer(config, { log: silentLogger, store: t.server.store, bus: t.server.bus });
      const update = await gw.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === sent.body.id && d.embeds?.length === 1);
      assert.equal(update.d.embeds[0].title, 'Title of later');
    } finally {
      await gw?.close();
      await embedNode?.close();
      await t.close();
      await site.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('an embed-only node sweeps the outbox', () => {
  it("renders a message create a dead api node recorded by reference, and announces it", async () => {
    const store = await openSqliteStore({ path: ':memory:' });
    await store.migrate();
    const bus = new MemoryBus();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'accord-embed-'));
    let embedNode: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      const { channel, owner, guild } = await guildWithChannel(store);
      // What an api node that died between commit and publish leaves: the message and a row naming it.
      const writer = new OutboxRelay({ store, bus, ids: new SnowflakeGenerator({ workerId: 5 }), log: silentLogger });
      const left = message(channel.id, owner.id, { content: 'left by a dead api node', guildId: guild.id });
      const record = writer.eventByReference(GatewaySubjects.guildDispatch(guild.id), { t: 'MESSAGE_CREATE', d: { id: left.id }, guildId: guild.id, channelId: channel.id }, { of: 'message', channelId: channel.id, messageId: left.id, nonce: 'n-9' });
      await store.messages.create(left, { outbox: [record] });
      const seen: DispatchEnvelope[] = [];
      subscribeEvent(bus, GatewaySubjects.allGuildDispatches, (env) => seen.push(env));

      const config = loadConfig({ env: {}, overrides: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', roles: ['embed'], nodeId: 'embed-sweeper', processId: 31, outboxSweepIntervalMs: 100, outboxStaleAfterMs: 100 } });
      embedNode = await startServer(config, { log: silentLogger, store, bus });
      const env = await waitFor(() => seen.find((e) => e.id === record.id), { what: 'the embed role\'s relay rebuilding the record' });
      assert.equal(env.t, 'MESSAGE_CREATE');
      assert.equal(env.d.content, 'left by a dead api node', 'the message as stored');
      assert.equal(env.d.nonce, 'n-9');
      assert.equal((env.d.author as { id: string }).id, owner.id);
      assert.ok(env.d.member, "the author's member");
      await waitFor(async () => (await store.outbox.pending({ limit: 10 })).length === 0, { what: 'marked done' });
    } finally {
      await embedNode?.close();
      await bus.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
