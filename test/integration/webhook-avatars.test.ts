/**
 * A webhook execute's `avatar_url` stored in the CDN, as Discord does it: a local image site on 127.0.0.1
 * (allow-listed through ACCORD_EMBED_ALLOW_HOSTS) serves the pictures; the message's author.avatar is the hash of
 * the fetched bytes, served at /avatars/{webhook_id}/{hash}.png; one picture is fetched once per URL and stored once
 * per webhook; a URL that cannot be fetched (404, not an image, a forbidden address) still sends the message,
 * without avatar.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { guildFixture, type GuildFixture } from './fixtures.messages.ts';

const hashOf = (b: Uint8Array) => createHash('sha256').update(b).digest('hex').slice(0, 32);

let t: TestServer;
let f: GuildFixture;
let site: http.Server;
let siteUrl: string;
let face: Buffer;
const hits = new Map<string, number>();
let hook: { id: string; token: string };

before(async () => {
  face = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#c03060' } }).png().toBuffer();
  site = http.createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    // Two URLs, one picture: stored once.
    if (path === '/face.png' || path === '/same-face.png') res.writeHead(200, { 'content-type': 'image/png' }).end(face);
    else if (path === '/page.html') res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>no picture</body></html>');
    else if (path === '/redirect') res.writeHead(302, { location: '/face.png' }).end();
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  t = await startTestServer({ embedAllowHosts: ['127.0.0.1'] });
  f = await guildFixture(t);
  const res = await t.request('POST', `/channels/${f.channel.id}/webhooks`, { auth: f.owner, body: { name: 'Avatars' } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  hook = res.body;
});
after(async () => {
  await t?.close();
  site?.closeAllConnections();
  await new Promise((r) => site?.close(r));
});

const execute = (body: unknown, query = '?wait=true') => t.request('POST', `/webhooks/${hook.id}/${hook.token}${query}`, { body });

describe('webhook avatar_url into the CDN', () => {
  it('stores the picture: author.avatar is the hash of its bytes, in the response, MESSAGE_CREATE and history', async () => {
    const from = t.events.length;
    const res = await execute({ content: 'with a face', username: 'Faced', avatar_url: `${siteUrl}/face.png` });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.author.id, hook.id);
    assert.equal(res.body.author.username, 'Faced');
    assert.equal(res.body.author.avatar, hashOf(face));
    const ev = await t.waitForEvent('MESSAGE_CREATE', (e) => e.d.id === res.body.id, from);
    assert.deepEqual(ev.d.author, res.body.author);
    const stored = await t.request('GET', `/channels/${f.channel.id}/messages/${res.body.id}`, { auth: f.owner });
    assert.deepEqual(stored.body.author, res.body.author);
  });

  it('serves the stored picture at /avatars/{webhook_id}/{hash}.png, as fetched and resized', async () => {
    const res = await execute({ content: 'face again', avatar_url: `${siteUrl}/face.png` });
    const hash = res.body.author.avatar;
    const original = await fetch(`${t.url}/avatars/${hook.id}/${hash}.png`);
    assert.equal(original.status, 200);
    assert.equal(original.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await original.arrayBuffer()), face);
    const small = await fetch(`${t.url}/avatars/${hook.id}/${hash}.webp?size=16`);
    assert.equal(small.status, 200);
    const meta = await sharp(Buffer.from(await small.arrayBuffer())).metadata();
    assert.equal(meta.format, 'webp');
    assert.equal(meta.width, 16);
    // Another webhook's path does not serve it.
    const other = await t.request('POST', `/channels/${f.channel.id}/webhooks`, { auth: f.owner, body: { name: 'Other' } });
    assert.equal((await fetch(`${t.url}/avatars/${other.body.id}/${hash}.png`)).status, 404);
  });

  it('fetches a URL once, and two URLs of one picture give one hash; redirects are followed', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await execute({ content: `again ${i}`, avatar_url: `${siteUrl}/face.png` })).body.author.avatar, hashOf(face));
    assert.equal(hits.get('/face.png'), 1);
    assert.equal((await execute({ content: 'same bytes', avatar_url: `${siteUrl}/same-face.png` })).body.author.avatar, hashOf(face));
    assert.equal((await execute({ content: 'redirected', avatar_url: `${siteUrl}/redirect` })).body.author.avatar, hashOf(face));
  });

  it('sends the message without avatar when the URL cannot be fetched or is no image', async () => {
    const urls = [
      `${siteUrl}/missing.png`, // 404
      `${siteUrl}/page.html`, // not an image
      'http://169.254.169.254/latest/meta-data/avatar.png', // link-local: refused by the SSRF guard
    ];
    for (const url of urls) {
      const res = await execute({ content: `no face: ${url}`, avatar_url: url });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.content, `no face: ${url}`);
      assert.equal(res.body.author.avatar, null, url);
    }
    // Without ?wait the execute answers 204 and the message is there all the same.
    const from = t.events.length;
    const quiet = await execute({ content: 'no face, no wait', avatar_url: `${siteUrl}/missing.png` }, '');
    assert.equal(quiet.status, 204);
    const ev = await t.waitForEvent('MESSAGE_CREATE', (e) => e.d.content === 'no face, no wait', from);
    assert.equal(ev.d.author.avatar, null);
  });

  it('a message without avatar_url keeps showing the webhook\'s own avatar', async () => {
    const res = await execute({ content: 'plain' });
    assert.equal(res.body.author.avatar, null);
    assert.equal(res.body.author.username, 'Avatars');
  });
});
