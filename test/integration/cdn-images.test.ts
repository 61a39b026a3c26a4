/**
 * Images set through image data (avatars, guild icons, banners, splashes, role icons, member avatars) and served on
 * Discord's CDN paths, over real HTTP: the bytes as uploaded, resized and converted renditions, animation, the
 * default avatars, caching headers, and the refusals (bad data, decompression bombs, oversize data, bad sizes).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { addMember, assertError, guildWithMember, writeDirectly } from './fixtures.guilds.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const dataUri = (bytes: Buffer, type = 'image/png') => `data:${type};base64,${bytes.toString('base64')}`;

function png(width: number, height: number, colour = '#3366cc'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: colour } }).png().toBuffer();
}

async function animatedGif(): Promise<Buffer> {
  const frames = await Promise.all(['#ff0000', '#00ff00', '#0000ff'].map((c) => png(48, 32, c)));
  return sharp(frames, { join: { animated: true } }).gif({ delay: [100, 100, 100], loop: 0 }).toBuffer();
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A 1×1 PNG whose header claims width × height (CRC fixed so the header itself is well formed). */
async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const real = Buffer.from(await png(1, 1));
  // Signature (8), IHDR length (4), "IHDR" (4), width (4), height (4), …, CRC over type + 13 data bytes.
  real.writeUInt32BE(width, 16);
  real.writeUInt32BE(height, 20);
  real.writeUInt32BE(crc32(real.subarray(12, 29)), 29);
  return real;
}

async function cdn(t: TestServer, path: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(`${t.url}${path}`, { method, headers });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

async function metric(t: TestServer, line: string): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found ? Number(found.split(' ')[1]) : 0;
}

describe('image CDN: avatars, icons, banners, role icons', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  describe('user avatars', () => {
    let user: TestUser;
    let bytes: Buffer;
    let hash: string;
    before(async () => {
      user = await t.register();
      bytes = await png(200, 100);
      const from = t.events.length;
      const res = await t.request('PATCH', '/users/@me', { auth: user, body: { avatar: dataUri(bytes) } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      hash = res.body.avatar;
      const ev = await t.waitForEvent('USER_UPDATE', (e) => e.subject === `gateway.user.${user.id}`, from);
      assert.equal(ev.d.avatar, hash);
    });

    it('hashes the bytes: 32 hex digits of their SHA-256, no a_ for a still image', () => {
      assert.equal(hash, sha256(bytes).slice(0, 32));
    });

    it('serves the bytes as uploaded for the matching extension, immutable, with an ETag that answers 304', async () => {
      const res = await cdn(t, `/avatars/${user.id}/${hash}.png`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/png');
      assert.equal(sha256(res.bytes), sha256(bytes));
      assert.match(res.headers.get('cache-control')!, /immutable/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      const etag = res.headers.get('etag')!;
      assert.ok(etag);
      const again = await cdn(t, `/avatars/${user.id}/${hash}.png`, { 'if-none-match': etag });
      assert.equal(again.status, 304);
      assert.equal(again.bytes.length, 0);
      const head = await cdn(t, `/avatars/${user.id}/${hash}.png`, {}, 'HEAD');
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String(bytes.length));
      assert.equal(head.bytes.length, 0);
    });

    it('?size= fits the image inside size×size, keeping its aspect', async () => {
      const res = await cdn(t, `/avatars/${user.id}/${hash}.png?size=64`);
      assert.equal(res.status, 200);
      const meta = await sharp(res.bytes).metadata();
      assert.equal(meta.format, 'png');
      assert.equal(meta.width, 64);
      assert.equal(meta.height, 32);
      assert.match(res.headers.get('cache-control')!, /immutable/);
      // The cached rendition answers its own ETag with 304.
      const again = await cdn(t, `/avatars/${user.id}/${hash}.png?size=64`, { 'if-none-match': res.headers.get('etag')! });
      assert.equal(again.status, 304);
    });

    it('another extension converts: .webp, .jpg, .jpeg, .gif', async () => {
      for (const [ext, format] of [['webp', 'webp'], ['jpg', 'jpeg'], ['jpeg', 'jpeg'], ['gif', 'gif']] as const) {
        const res = await cdn(t, `/avatars/${user.id}/${hash}.${ext}`);
        assert.equal(res.status, 200, ext);
        assert.equal(res.headers.get('content-type'), `image/${format}`);
        const meta = await sharp(res.bytes).metadata();
        assert.equal(meta.format, format);
        assert.equal(meta.width, 200);
      }
      const lossless = await cdn(t, `/avatars/${user.id}/${hash}.webp?quality=lossless&size=32`);
      assert.equal(lossless.status, 200);
      assert.equal((await sharp(lossless.bytes).metadata()).width, 32);
    });

    it('refuses sizes Discord does not serve with 400; unknown images are 404', async () => {
      for (const size of ['63', '0', '8192', 'abc', '-16', '64.0']) {
        const res = await cdn(t, `/avatars/${user.id}/${hash}.png?size=${size}`);
        assert.equal(res.status, 400, size);
        assert.equal(JSON.parse(res.bytes.toString()).code, 0);
      }
      assert.equal((await cdn(t, `/avatars/${user.id}/${hash}.png?size=80`)).status, 200);
      assert.equal((await cdn(t, `/avatars/${user.id}/${'0'.repeat(32)}.png`)).status, 404);
      assert.equal((await cdn(t, `/avatars/${user.id}/not-a-hash.png`)).status, 404);
      assert.equal((await cdn(t, `/avatars/1/${hash}.png`)).status, 404);
      assert.equal((await cdn(t, `/avatars/${user.id}/${hash}.bmp`)).status, 415);
    });

    it('concurrent cold requests for one rendition render it once', async () => {
      const before = await metric(t, 'accord_cdn_images_served_total{source="render"}');
      const all = await Promise.all(Array.from({ length: 6 }, () => cdn(t, `/avatars/${user.id}/${hash}.webp?size=128`)));
      const digests = new Set(all.map((r) => (assert.equal(r.status, 200), sha256(r.bytes))));
      assert.equal(digests.size, 1);
      assert.equal(await metric(t, 'accord_cdn_images_served_total{source="render"}'), before + 1);
    });

    it('keeps the avatar when its hash is sent back, refuses another hash, removes it with null', async () => {
      const kept = await t.request('PATCH', '/users/@me', { auth: user, body: { avatar: hash } });
      assert.equal(kept.status, 200);
      assert.equal(kept.body.avatar, hash);
      const other = await t.request('PATCH', '/users/@me', { auth: user, body: { avatar: 'f'.repeat(32) } });
      assertError(other, 400, 50035);
      assert.equal(other.body.errors.avatar._errors[0].code, 'IMAGE_INVALID');
      const second = await t.register();
      const cleared = await t.request('PATCH', '/users/@me', { auth: second, body: { avatar: dataUri(await png(8, 8)) } });
      assert.equal(cleared.status, 200);
      const removed = await t.request('PATCH', '/users/@me', { auth: second, body: { avatar: null } });
      assert.equal(removed.body.avatar, null);
    });

    it('user banners: set, served under /banners', async () => {
      const banner = await png(600, 240, '#aa2222');
      const res = await t.request('PATCH', '/users/@me', { auth: user, body: { banner: dataUri(banner) } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.banner, sha256(banner).slice(0, 32));
      const got = await cdn(t, `/banners/${user.id}/${res.body.banner}.png`);
      assert.equal(sha256(got.bytes), sha256(banner));
      const sized = await cdn(t, `/banners/${user.id}/${res.body.banner}.png?size=300`);
      assert.equal((await sharp(sized.bytes).metadata()).width, 300);
    });
  });

  describe('the declared type is not trusted; the bytes are', () => {
    it('a PNG sent as data:image/jpg (what discord.js sends) is stored and served as PNG', async () => {
      const u = await t.register();
      const bytes = await png(20, 20);
      const res = await t.request('PATCH', '/users/@me', { auth: u, body: { avatar: dataUri(bytes, 'image/jpg') } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const got = await cdn(t, `/avatars/${u.id}/${res.body.avatar}.png`);
      assert.equal(sha256(got.bytes), sha256(bytes));
      assert.equal(got.headers.get('content-type'), 'image/png');
    });

    it('image data that is no image, a truncated image, SVG, or not a data URI: 50035 IMAGE_INVALID', async () => {
      const u = await t.register();
      const whole = await png(64, 64);
      const bad = [
        dataUri(Buffer.from('this is not a png at all')),
        dataUri(whole.subarray(0, Math.floor(whole.length / 2))),
        dataUri(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'), 'image/png'),
        'data:image/png;base64,!!!not base64!!!',
        'data:text/plain;base64,aGVsbG8=',
        'https://example.com/a.png',
      ];
      for (const avatar of bad) {
        const res = await t.request('PATCH', '/users/@me', { auth: u, body: { avatar } });
        assertError(res, 400, 50035);
        assert.equal(res.body.errors.avatar._errors[0].code, 'IMAGE_INVALID', avatar.slice(0, 40));
      }
      const me = await t.request('GET', '/users/@me', { auth: u });
      assert.equal(me.body.avatar, null);
    });

    it('decompression bombs are refused from their header, and the server goes on serving', async () => {
      const u = await t.register();
      // A 1×1 PNG whose header claims 30000×30000 (900 megapixels).
      const claiming = await t.request('PATCH', '/users/@me', { auth: u, body: { avatar: dataUri(await pngClaiming(30000, 30000)) } });
      assertError(claiming, 400, 50035);
      assert.equal(claiming.body.errors.avatar._errors[0].code, 'IMAGE_INVALID');
      // A real 8000×8000 solid image: 64 megapixels, a few hundred KB compressed, above the 50-megapixel limit.
      const solid = await sharp({ create: { width: 8000, height: 8000, channels: 3, background: '#ffffff' } }).png({ compressionLevel: 9 }).toBuffer();
      assert.ok(solid.length < 1024 * 1024);
      const real = await t.request('PATCH', '/users/@me', { auth: u, body: { avatar: dataUri(solid) } });
      assertError(real, 400, 50035);
      assert.equal((await t.request('GET', '/users/@me', { auth: u })).status, 200);
    });

    it('more than 10 MiB of image data: 50035 BINARY_TYPE_MAX_SIZE, refused before decoding', async () => {
      const u = await t.register();
      const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0x41);
      const res = await t.request('PATCH', '/users/@me', { auth: u, body: { avatar: dataUri(big) } });
      assertError(res, 400, 50035);
      assert.equal(res.body.errors.avatar._errors[0].code, 'BINARY_TYPE_MAX_SIZE');
    });
  });

  describe('animated images', () => {
    let user: TestUser;
    let gif: Buffer;
    let hash: string;
    before(async () => {
      user = await t.register();
      gif = await animatedGif();
      const res = await t.request('PATCH', '/users/@me', { auth: user, body: { avatar: dataUri(gif, 'image/gif') } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      hash = res.body.avatar;
    });

    it('an animated GIF gets an a_ hash and is served as uploaded as .gif', async () => {
      assert.equal(hash, `a_${sha256(gif).slice(0, 32)}`);
      const res = await cdn(t, `/avatars/${user.id}/${hash}.gif`);
      assert.equal(res.status, 200);
      assert.equal(sha256(res.bytes), sha256(gif));
    });

    it('stays animated when resized as GIF and as WebP with animated=true; other renditions are the first frame', async () => {
      const resized = await cdn(t, `/avatars/${user.id}/${hash}.gif?size=16`);
      const meta = await sharp(resized.bytes, { animated: true }).metadata();
      assert.equal(meta.format, 'gif');
      assert.equal(meta.pages, 3);
      assert.equal(meta.width, 16);
      const webp = await sharp((await cdn(t, `/avatars/${user.id}/${hash}.webp?animated=true`)).bytes).metadata();
      assert.equal(webp.format, 'webp');
      assert.equal(webp.pages, 3);
      const still = await sharp((await cdn(t, `/avatars/${user.id}/${hash}.webp`)).bytes).metadata();
      assert.equal(still.pages ?? 1, 1);
      const pngFrame = await cdn(t, `/avatars/${user.id}/${hash}.png`);
      const pngMeta = await sharp(pngFrame.bytes).metadata();
      assert.equal(pngMeta.format, 'png');
      assert.equal(pngMeta.pages ?? 1, 1);
      // The first frame is red.
      const { data } = await sharp(pngFrame.bytes).raw().toBuffer({ resolveWithObject: true });
      assert.ok(data[0]! > 200 && data[1]! < 50 && data[2]! < 50);
    });

    it('a one-frame GIF is a still image: no a_', async () => {
      const u = await t.register();
      const still = await sharp(await png(10, 10)).gif().toBuffer();
      const res = await t.request('PATCH', '/users/@me', { auth: u, body: { avatar: dataUri(still, 'image/gif') } });
      assert.match(res.body.avatar, /^[0-9a-f]{32}$/);
    });
  });

  describe('guild images', () => {
    it('POST /guilds with an icon: the icon is stored before the guild and served under /icons', async () => {
      const owner = await t.register();
      const icon = await png(128, 128, '#22aa22');
      const res = await t.request('POST', '/guilds', { auth: owner, body: { name: 'Iconic', icon: dataUri(icon) } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.icon, sha256(icon).slice(0, 32));
      const got = await cdn(t, `/icons/${res.body.id}/${res.body.icon}.png`);
      assert.equal(sha256(got.bytes), sha256(icon));
      assertError(await t.request('POST', '/guilds', { auth: owner, body: { name: 'Broken', icon: dataUri(Buffer.from('nope')) } }), 400, 50035);
    });

    it('PATCH /guilds/{id}: icon, banner and splash, with GUILD_UPDATE; splashes are not served as GIF', async () => {
      const owner = await t.register();
      const guild = await t.createGuild(owner, 'Decorated');
      const icon = await png(64, 64, '#123456');
      const banner = await png(960, 540, '#654321');
      const splash = await png(1920, 1080, '#abcdef');
      const from = t.events.length;
      const res = await t.request('PATCH', `/guilds/${guild.id}`, { auth: owner, body: { icon: dataUri(icon), banner: dataUri(banner), splash: dataUri(splash) } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.icon, sha256(icon).slice(0, 32));
      assert.equal(res.body.banner, sha256(banner).slice(0, 32));
      assert.equal(res.body.splash, sha256(splash).slice(0, 32));
      const ev = await t.waitForEvent('GUILD_UPDATE', (e) => e.d.id === guild.id, from);
      assert.equal(ev.d.banner, res.body.banner);
      assert.equal(sha256((await cdn(t, `/icons/${guild.id}/${res.body.icon}.png`)).bytes), sha256(icon));
      assert.equal(sha256((await cdn(t, `/banners/${guild.id}/${res.body.banner}.png`)).bytes), sha256(banner));
      assert.equal(sha256((await cdn(t, `/splashes/${guild.id}/${res.body.splash}.png`)).bytes), sha256(splash));
      assert.equal((await cdn(t, `/splashes/${guild.id}/${res.body.splash}.gif`)).status, 415);
      // Stored: a later read has them.
      const read = await t.request('GET', `/guilds/${guild.id}`, { auth: owner });
      assert.equal(read.body.splash, res.body.splash);
      // The icon is the guild's: another guild's path does not have it.
      assert.equal((await cdn(t, `/icons/${owner.id}/${res.body.icon}.png`)).status, 404);
      const cleared = await t.request('PATCH', `/guilds/${guild.id}`, { auth: owner, body: { banner: null, icon: res.body.icon } });
      assert.equal(cleared.body.banner, null);
      assert.equal(cleared.body.icon, res.body.icon);
    });

    it('role icons on create and modify, served under /role-icons (no GIF)', async () => {
      const owner = await t.register();
      const guild = await t.createGuild(owner, 'Roles with icons');
      const first = await png(64, 64, '#ff00ff');
      const created = await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'shiny', icon: dataUri(first) } });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.equal(created.body.icon, sha256(first).slice(0, 32));
      assert.equal(sha256((await cdn(t, `/role-icons/${created.body.id}/${created.body.icon}.png`)).bytes), sha256(first));
      const second = await png(64, 64, '#00ffff');
      const from = t.events.length;
      const modified = await t.request('PATCH', `/guilds/${guild.id}/roles/${created.body.id}`, { auth: owner, body: { icon: dataUri(second) } });
      assert.equal(modified.status, 200, JSON.stringify(modified.body));
      assert.equal(modified.body.icon, sha256(second).slice(0, 32));
      const ev = await t.waitForEvent('GUILD_ROLE_UPDATE', (e) => e.d.role.id === created.body.id, from);
      assert.equal(ev.d.role.icon, modified.body.icon);
      const sized = await cdn(t, `/role-icons/${created.body.id}/${modified.body.icon}.webp?size=16`);
      assert.equal((await sharp(sized.bytes).metadata()).width, 16);
      assert.equal((await cdn(t, `/role-icons/${created.body.id}/${modified.body.icon}.gif`)).status, 415);
      // Role icons are never animated: an animated GIF gets a still hash and is served as its first frame.
      const gif = await animatedGif();
      const still = await t.request('PATCH', `/guilds/${guild.id}/roles/${created.body.id}`, { auth: owner, body: { icon: dataUri(gif, 'image/gif') } });
      assert.equal(still.body.icon, sha256(gif).slice(0, 32));
      const webp = await sharp((await cdn(t, `/role-icons/${created.body.id}/${still.body.icon}.webp?animated=true`)).bytes, { animated: true }).metadata();
      assert.equal(webp.format, 'webp');
      assert.equal(webp.pages ?? 1, 1);
    });

    it('guild member avatars via PATCH /guilds/{id}/members/@me', async () => {
      const owner = await t.register();
      const member = await t.register();
      const guild = await t.createGuild(owner, 'Member avatars');
      await addMember(t, guild.id, member);
      const avatar = await png(32, 32, '#777777');
      const res = await t.request('PATCH', `/guilds/${guild.id}/members/@me`, { auth: member, body: { avatar: dataUri(avatar) } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.avatar, sha256(avatar).slice(0, 32));
      const got = await cdn(t, `/guilds/${guild.id}/users/${member.id}/avatars/${res.body.avatar}.png`);
      assert.equal(sha256(got.bytes), sha256(avatar));
    });
  });

  describe('group DM icons', () => {
    it('PATCH /channels/{id} of a group DM stores the icon and serves it under /channel-icons; null removes it', async () => {
      const { owner, member: friend } = await guildWithMember(t);
      await writeDirectly(t, friend, owner);
      const group = await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipients: [friend.id] } });
      assert.equal(group.status, 200, JSON.stringify(group.body));
      const icon = await png(48, 48, '#aa5500');
      const res = await t.request('PATCH', `/channels/${group.body.id}`, { auth: owner, body: { icon: dataUri(icon) } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.icon, sha256(icon).slice(0, 32));
      const got = await cdn(t, `/channel-icons/${group.body.id}/${res.body.icon}.png`);
      assert.equal(sha256(got.bytes), sha256(icon));
      assert.equal((await sharp((await cdn(t, `/channel-icons/${group.body.id}/${res.body.icon}.webp?size=16`)).bytes).metadata()).width, 16);
      assertError(await t.request('PATCH', `/channels/${group.body.id}`, { auth: owner, body: { icon: dataUri(Buffer.from('not an image')) } }), 400, 50035);
      const removed = await t.request('PATCH', `/channels/${group.body.id}`, { auth: friend, body: { icon: null } });
      assert.equal(removed.body.icon, null);
    });
  });

  describe('default avatars', () => {
    it('/embed/avatars/0..5.png are six distinct PNGs, size ignored, ETag answered with 304', async () => {
      const digests = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const res = await cdn(t, `/embed/avatars/${i}.png?size=64`);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('content-type'), 'image/png');
        const meta = await sharp(res.bytes).metadata();
        assert.equal(meta.format, 'png');
        assert.equal(meta.width, 256);
        digests.add(sha256(res.bytes));
        const again = await cdn(t, `/embed/avatars/${i}.png`, { 'if-none-match': res.headers.get('etag')! });
        assert.equal(again.status, 304);
      }
      assert.equal(digests.size, 6);
      assert.equal((await cdn(t, '/embed/avatars/6.png')).status, 404);
      assert.equal((await cdn(t, '/embed/avatars/0.jpg')).status, 404);
    });
  });
});
