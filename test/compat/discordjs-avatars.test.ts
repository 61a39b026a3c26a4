/**
 * discord.js v14, unpatched, and images: a bot pointed at Accord for both REST and the CDN
 * (`rest: { api, cdn }`) sets its avatar with client.user.setAvatar(buffer) and a guild's icon with
 * guild.setIcon(buffer) — discord.js sends both as `data:image/jpg;base64,…` whatever the bytes are — then fetches
 * the URLs discord.js builds (displayAvatarURL, iconURL, defaultAvatarURL) from Accord's CDN.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client, GatewayIntentBits } from 'discord.js';
import sharp from 'sharp';
import { Permissions } from '../../src/protocol/permissions.ts';
import { botDiscriminator } from '../../src/api/routes/applications.ts';
import { loggedInClient } from './setup.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function fetchBytes(url: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('discord.js v14 and the image CDN', () => {
  let t: TestServer;
  let client: Client;
  let guildId: string;

  before(async () => {
    t = await startTestServer();
    const owner = await t.register();
    const guild = await t.createGuild(owner, 'djs images');
    guildId = guild.id;
    const app = await t.request('POST', '/applications', { auth: owner, body: { name: 'Image Bot' } });
    const reset = await t.request('POST', `/applications/${app.body.id}/bot/reset`, { auth: owner });
    // MANAGE_GUILD: the bot may set the guild's icon.
    const perms = Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES | Permissions.MANAGE_GUILD;
    const auth = await t.request('POST', `/oauth2/authorize?client_id=${app.body.id}&scope=bot&permissions=${perms}`, {
      auth: owner,
      body: { guild_id: guild.id, permissions: perms.toString(), authorize: true },
    });
    assert.equal(auth.status, 200, JSON.stringify(auth.body));

    client = await loggedInClient(t, reset.body.token, [GatewayIntentBits.Guilds]);
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  it('a bot has a four-digit discriminator (its tag), and defaultAvatarURL points at a default avatar Accord serves', async () => {
    // Bots kept their tags when people moved to unique usernames; discord.js picks the default avatar from it.
    assert.equal(client.user!.discriminator, botDiscriminator(client.user!.id));
    assert.match(client.user!.discriminator, /^\d{4}$/);
    assert.equal(client.user!.tag, `${client.user!.username}#${client.user!.discriminator}`);
    const url = client.user!.defaultAvatarURL;
    assert.equal(url, `${t.url}/embed/avatars/${Number(client.user!.discriminator) % 5}.png`);
    const res = await fetchBytes(url);
    assert.equal(res.status, 200);
    assert.equal((await sharp(res.bytes).metadata()).format, 'png');
  });

  it('client.user.setUsername keeps the name as given, case and spaces too', async () => {
    const name = `Avatar Bot ${Date.now().toString(36).slice(-4)}`;
    const user = await client.user!.setUsername(name);
    assert.equal(user.username, name);
    assert.equal(client.user!.username, name);
  });

  it('client.user.setAvatar(buffer): displayAvatarURL gives back the same bytes', async () => {
    const avatar = await sharp({ create: { width: 128, height: 128, channels: 4, background: '#5865f2' } }).png().toBuffer();
    const user = await client.user!.setAvatar(avatar);
    assert.equal(user.avatar, sha256(avatar).slice(0, 32));
    const url = client.user!.displayAvatarURL({ extension: 'png' });
    assert.equal(url, `${t.url}/avatars/${client.user!.id}/${user.avatar}.png`);
    const res = await fetchBytes(url);
    assert.equal(res.status, 200);
    assert.equal(res.type, 'image/png');
    assert.equal(sha256(res.bytes), sha256(avatar));
    // discord.js's default: WebP, here with a size.
    const sized = await fetchBytes(client.user!.displayAvatarURL({ size: 32 }));
    const meta = await sharp(sized.bytes).metadata();
    assert.equal(meta.format, 'webp');
    assert.equal(meta.width, 32);
  });

  it('guild.setIcon(buffer): iconURL gives back the icon', async () => {
    const icon = await sharp({ create: { width: 96, height: 96, channels: 3, background: '#3ba55c' } }).jpeg().toBuffer();
    const guild = await client.guilds.fetch(guildId);
    const updated = await guild.setIcon(icon);
    assert.equal(updated.icon, sha256(icon).slice(0, 32));
    const same = await fetchBytes(updated.iconURL({ extension: 'jpg' })!);
    assert.equal(same.status, 200);
    assert.equal(sha256(same.bytes), sha256(icon));
    // iconURL() without options is WebP: a valid image of the icon's size.
    const webp = await fetchBytes(updated.iconURL()!);
    assert.equal(webp.status, 200);
    const meta = await sharp(webp.bytes).metadata();
    assert.equal(meta.format, 'webp');
    assert.equal(meta.width, 96);
    const small = await sharp((await fetchBytes(updated.iconURL({ extension: 'png', size: 16 })!)).bytes).metadata();
    assert.equal(small.width, 16);
  });

  it("guild.members.editMe({ banner, bio, avatar }): the bot's per-server profile, bannerURL and avatarURL served", async () => {
    const banner = await sharp({ create: { width: 300, height: 120, channels: 4, background: '#eb459e' } }).png().toBuffer();
    const avatar = await sharp({ create: { width: 64, height: 64, channels: 4, background: '#fee75c' } }).png().toBuffer();
    const guild = await client.guilds.fetch(guildId);
    const me = await guild.members.editMe({ banner, avatar, bio: 'Per-server **bot**' });
    assert.equal(me.banner, sha256(banner).slice(0, 32));
    assert.equal(me.avatar, sha256(avatar).slice(0, 32));
    const url = me.bannerURL({ extension: 'png' })!;
    assert.equal(url, `${t.url}/guilds/${guildId}/users/${client.user!.id}/banners/${me.banner}.png`);
    const res = await fetchBytes(url);
    assert.equal(res.status, 200);
    assert.equal(sha256(res.bytes), sha256(banner));
    assert.equal(sha256((await fetchBytes(me.avatarURL({ extension: 'png' })!)).bytes), sha256(avatar));
    // Fetched again from the API: the banner is the member's.
    const fetched = await guild.members.fetch({ user: client.user!.id, force: true });
    assert.equal(fetched.banner, me.banner);
    // null removes it.
    assert.equal((await guild.members.editMe({ banner: null })).banner, null);
  });
});
