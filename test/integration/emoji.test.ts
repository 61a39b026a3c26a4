/**
 * Custom guild emoji over real HTTP and the gateway: CRUD with Discord's shapes, name and image validation,
 * CREATE_GUILD_EXPRESSIONS / MANAGE_GUILD_EXPRESSIONS, the 50 static + 50 animated limit (30008), the image on the
 * CDN at /emojis/{id}.{ext} (bytes as uploaded, content type from the bytes, animated GIF kept, ?size=),
 * GUILD_EMOJIS_UPDATE with every emoji, emojis in GUILD_CREATE and GET /guilds/{id}, and reactions with a custom
 * emoji (known, unknown, and after the emoji's delete).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { GatewayClient } from './gateway-client.ts';
import { addMember, assertError, giveRole, guildWithMember, makeBot } from './fixtures.guilds.ts';
import { Intents } from '../../src/protocol/intents.ts';

const CREATE_GUILD_EXPRESSIONS = 1n << 43n;
const MANAGE_GUILD_EXPRESSIONS = 1n << 30n;

const png = (colour = '#3366cc', size = 64) => sharp({ create: { width: size, height: size, channels: 4, background: colour } }).png().toBuffer();
async function animatedGif(): Promise<Buffer> {
  const frames = await Promise.all(['#ff0000', '#00ff00', '#0000ff'].map((c) => png(c, 32)));
  return sharp(frames, { join: { animated: true } }).gif({ delay: [100, 100, 100], loop: 0 }).toBuffer();
}
const dataUri = (bytes: Buffer, type = 'image/png') => `data:${type};base64,${bytes.toString('base64')}`;

async function cdn(t: TestServer, path: string) {
  const res = await fetch(`${t.url}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('custom guild emoji', () => {
  let t: TestServer;
  const clients: GatewayClient[] = [];
  before(async () => {
    t = await startTestServer({ heartbeatIntervalMs: 5000 });
  });
  after(async () => {
    for (const c of clients) await c.close();
    await t.close();
  });

  const online = async (user: TestUser, extra: Record<string, unknown> = {}) => {
    const c = await GatewayClient.connect(t.url);
    clients.push(c);
    await c.identify(user.token, extra);
    return c;
  };
  const create = (guildId: string, who: TestUser, body: Record<string, unknown>) => t.request('POST', `/guilds/${guildId}/emojis`, { auth: who, body });

  it('creates, lists, gets, renames and deletes an emoji with Discord\'s shape, announcing each change', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const watcher = await online(member);
    await watcher.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
    const bytes = await png();

    const made = await create(guild.id, owner, { name: 'party_blob', image: dataUri(bytes) });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const emoji = made.body;
    assert.deepEqual(Object.keys(emoji).sort(), ['animated', 'available', 'id', 'managed', 'name', 'require_colons', 'roles', 'user']);
    assert.equal(emoji.name, 'party_blob');
    assert.deepEqual(emoji.roles, []);
    assert.equal(emoji.require_colons, true);
    assert.equal(emoji.managed, false);
    assert.equal(emoji.animated, false);
    assert.equal(emoji.available, true);
    assert.equal(emoji.user.id, owner.id);

    const update = await watcher.waitForDispatch('GUILD_EMOJIS_UPDATE', (d) => d.guild_id === guild.id);
    assert.deepEqual(update.d.emojis.map((e: any) => e.id), [emoji.id]);
    assert.equal(update.d.emojis[0].name, 'party_blob');
    assert.equal('user' in update.d.emojis[0], false);

    // Listing: the creator for those with MANAGE_GUILD_EXPRESSIONS (the owner), not for a plain member.
    const listed = await t.request('GET', `/guilds/${guild.id}/emojis`, { auth: owner });
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body, [emoji]);
    const asMember = await t.request('GET', `/guilds/${guild.id}/emojis/${emoji.id}`, { auth: member });
    assert.equal(asMember.status, 200);
    assert.equal('user' in asMember.body, false);
    assert.equal(asMember.body.name, 'party_blob');

    // In GET /guilds/{id}.
    const g = await t.request('GET', `/guilds/${guild.id}`, { auth: member });
    assert.deepEqual(g.body.emojis.map((e: any) => e.id), [emoji.id]);
    // And in PATCH /guilds/{id}'s answer and its GUILD_UPDATE: clients replace their emoji cache with that list.
    const guildRenamed = await t.request('PATCH', `/guilds/${guild.id}`, { auth: owner, body: { name: 'Emoji Land' } });
    assert.deepEqual(guildRenamed.body.emojis.map((e: any) => e.id), [emoji.id]);
    const guildUpdate = await watcher.waitForDispatch('GUILD_UPDATE', (d) => d.id === guild.id);
    assert.deepEqual(guildUpdate.d.emojis.map((e: any) => e.id), [emoji.id]);
    assert.ok(Array.isArray(guildUpdate.d.stickers));

    // The image on the CDN: the bytes as uploaded, typed from the bytes; other sizes rendered.
    const image = await cdn(t, `/emojis/${emoji.id}.png`);
    assert.equal(image.status, 200);
    assert.equal(image.type, 'image/png');
    assert.ok(image.bytes.equals(bytes));
    const small = await cdn(t, `/emojis/${emoji.id}.webp?size=32`);
    assert.equal(small.status, 200);
    assert.equal(small.type, 'image/webp');
    assert.equal((await sharp(small.bytes).metadata()).width, 32);
    assert.equal((await cdn(t, `/emojis/123.png`)).status, 404);

    // Rename.
    const from = watcher.payloads.length;
    const renamed = await t.request('PATCH', `/guilds/${guild.id}/emojis/${emoji.id}`, { auth: owner, body: { name: 'blob2' } });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.name, 'blob2');
    const update2 = await watcher.waitForDispatch('GUILD_EMOJIS_UPDATE', (d) => d.emojis[0]?.name === 'blob2', 5000, from);
    assert.equal(update2.d.guild_id, guild.id);

    // Delete: 204, gone from the list, the image deleted, an empty GUILD_EMOJIS_UPDATE.
    const from2 = watcher.payloads.length;
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/emojis/${emoji.id}`, { auth: owner })).status, 204);
    await watcher.waitForDispatch('GUILD_EMOJIS_UPDATE', (d) => d.guild_id === guild.id && d.emojis.length === 0, 5000, from2);
    assert.deepEqual((await t.request('GET', `/guilds/${guild.id}/emojis`, { auth: owner })).body, []);
    assertError(await t.request('GET', `/guilds/${guild.id}/emojis/${emoji.id}`, { auth: owner }), 404, 10014);
    assertError(await t.request('DELETE', `/guilds/${guild.id}/emojis/${emoji.id}`, { auth: owner }), 404, 10014);
    assert.equal((await cdn(t, `/emojis/${emoji.id}.png`)).status, 404);
    assert.equal(await t.server.blobs.head(`emojis/${emoji.id}`), null);
  });

  it('keeps an animated GIF animated; deleting the guild deletes the image', async () => {
    const owner = await t.register();
    const guild = await t.createGuild(owner);
    const gif = await animatedGif();
    const made = await create(guild.id, owner, { name: 'spinny', image: dataUri(gif, 'image/gif') });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.animated, true);
    const image = await cdn(t, `/emojis/${made.body.id}.gif`);
    assert.equal(image.status, 200);
    assert.equal(image.type, 'image/gif');
    assert.ok(image.bytes.equals(gif));
    assert.equal((await sharp(image.bytes).metadata()).pages, 3);
    // As PNG: the first frame.
    const still = await cdn(t, `/emojis/${made.body.id}.png`);
    assert.equal(still.type, 'image/png');
    assert.equal((await sharp(still.bytes).metadata()).pages ?? 1, 1);
    // Deleting the guild deletes its emoji's images.
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}`, { auth: owner })).status, 204);
    assert.equal(await t.server.blobs.head(`emojis/${made.body.id}`), null);
    assert.equal((await cdn(t, `/emojis/${made.body.id}.gif`)).status, 404);
  });

  it('sniffs the type from the bytes: a PNG sent as image/gif is served as PNG', async () => {
    const owner = await t.register();
    const guild = await t.createGuild(owner);
    const made = await create(guild.id, owner, { name: 'liar', image: dataUri(await png('#00aa00'), 'image/gif') });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.animated, false);
    const image = await cdn(t, `/emojis/${made.body.id}`);
    assert.equal(image.type, 'image/png');
  });

  it('validates the name, the image and the roles with 50035', async () => {
    const owner = await t.register();
    const guild = await t.createGuild(owner);
    const image = dataUri(await png());
    for (const name of ['a', 'x'.repeat(33), 'has space', 'dash-y', 'émoji']) {
      const res = await create(guild.id, owner, { name, image });
      assertError(res, 400, 50035);
      assert.ok(res.body.errors.name, JSON.stringify(res.body));
    }
    assertError(await create(guild.id, owner, { name: 'noimage' }), 400, 50035);
    const notImage = await create(guild.id, owner, { name: 'text', image: `data:image/png;base64,${Buffer.from('hello world').toString('base64')}` });
    assertError(notImage, 400, 50035);
    assert.equal(notImage.body.errors.image._errors[0].code, 'IMAGE_INVALID');
    const big = await sharp({ create: { width: 600, height: 600, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
    assert.ok(big.length > 256 * 1024);
    const tooBig = await create(guild.id, owner, { name: 'huge', image: dataUri(big) });
    assertError(tooBig, 400, 50035);
    assert.equal(tooBig.body.errors.image._errors[0].code, 'BINARY_TYPE_MAX_SIZE');
    assertError(await create(guild.id, owner, { name: 'roled', image, roles: ['123456789012345678'] }), 400, 50035);
    // Roles of the guild restrict it.
    const role = await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'vip' } });
    const roled = await create(guild.id, owner, { name: 'roled', image, roles: [role.body.id] });
    assert.equal(roled.status, 201);
    assert.deepEqual(roled.body.roles, [role.body.id]);
    const cleared = await t.request('PATCH', `/guilds/${guild.id}/emojis/${roled.body.id}`, { auth: owner, body: { roles: [] } });
    assert.deepEqual(cleared.body.roles, []);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/emojis/${roled.body.id}`, { auth: owner, body: { name: 'b' } }), 400, 50035);
  });

  it('needs CREATE_GUILD_EXPRESSIONS to create and MANAGE_GUILD_EXPRESSIONS (or being the creator) to edit and delete', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const creator = await t.register();
    const outsider = await t.register();
    await addMember(t, guild.id, creator);
    const image = dataUri(await png());
    // @everyone has CREATE_GUILD_EXPRESSIONS by default on Discord; take it away to test the check.
    const everyone = await t.request('GET', `/guilds/${guild.id}/roles`, { auth: owner });
    const perms = BigInt(everyone.body.find((r: any) => r.id === guild.id).permissions) & ~CREATE_GUILD_EXPRESSIONS;
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/roles/${guild.id}`, { auth: owner, body: { permissions: perms.toString() } })).status, 200);

    assertError(await create(guild.id, member, { name: 'nope', image }), 403, 50013);
    assertError(await create(guild.id, outsider, { name: 'nope', image }), 403, 50001);
    await giveRole(t, owner, guild.id, creator, CREATE_GUILD_EXPRESSIONS, 'makers');
    const mine = await create(guild.id, creator, { name: 'mine', image });
    assert.equal(mine.status, 201, JSON.stringify(mine.body));
    const theirs = await create(guild.id, owner, { name: 'theirs', image });
    // The creator edits their own, not another's; a plain member edits none.
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/emojis/${mine.body.id}`, { auth: creator, body: { name: 'mine2' } })).status, 200);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/emojis/${theirs.body.id}`, { auth: creator, body: { name: 'x2' } }), 403, 50013);
    assertError(await t.request('DELETE', `/guilds/${guild.id}/emojis/${theirs.body.id}`, { auth: creator }), 403, 50013);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/emojis/${mine.body.id}`, { auth: member, body: { name: 'x2' } }), 403, 50013);
    assertError(await t.request('GET', `/guilds/${guild.id}/emojis`, { auth: outsider }), 403, 50001);
    // Who made each: the list shows it to CREATE_GUILD_EXPRESSIONS, one emoji only to its creator (or a manager).
    const listed = await t.request('GET', `/guilds/${guild.id}/emojis`, { auth: creator });
    assert.deepEqual(listed.body.map((e: any) => e.user?.id).sort(), [creator.id, owner.id].sort());
    assert.equal((await t.request('GET', `/guilds/${guild.id}/emojis`, { auth: member })).body.some((e: any) => 'user' in e), false);
    assert.equal((await t.request('GET', `/guilds/${guild.id}/emojis/${mine.body.id}`, { auth: creator })).body.user.id, creator.id);
    assert.equal('user' in (await t.request('GET', `/guilds/${guild.id}/emojis/${theirs.body.id}`, { auth: creator })).body, false);
    // A manager edits and deletes anyone's.
    await giveRole(t, owner, guild.id, member, MANAGE_GUILD_EXPRESSIONS, 'curators');
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/emojis/${mine.body.id}`, { auth: member, body: { name: 'curated' } })).status, 200);
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/emojis/${mine.body.id}`, { auth: member })).status, 204);
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/emojis/${theirs.body.id}`, { auth: owner })).status, 204);
  });

  it('allows 50 static and 50 animated emoji, then answers 30008', async () => {
    const owner = await t.register();
    const guild = await t.createGuild(owner);
    for (let i = 0; i < 49; i++) {
      await t.store.guildEmojis.create({ id: `${9000000000000000n + BigInt(i)}`, guildId: guild.id, name: `e${i}`, roles: [], userId: owner.id, animated: false, createdAt: Date.now() });
    }
    const image = dataUri(await png());
    assert.equal((await create(guild.id, owner, { name: 'fiftieth', image })).status, 201);
    assertError(await create(guild.id, owner, { name: 'fiftyfirst', image }), 400, 30008);
    const res = await create(guild.id, owner, { name: 'fiftyfirst', image });
    assert.equal(res.body.message, 'Maximum number of emojis reached');
    // Animated ones count on their own.
    assert.equal((await create(guild.id, owner, { name: 'anim', image: dataUri(await animatedGif(), 'image/gif') })).status, 201);
  });

  it('sends the guild\'s emoji in GUILD_CREATE', async () => {
    const owner = await t.register();
    const guild = await t.createGuild(owner);
    const made = await create(guild.id, owner, { name: 'in_ready', image: dataUri(await png()) });
    const c = await online(owner);
    const gc = await c.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
    assert.deepEqual(gc.d.emojis, [{ id: made.body.id, name: 'in_ready', roles: [], require_colons: true, managed: false, animated: false, available: true }]);
    // The guild node keeps the list with the guild's state: a rename and a delete reach the next GUILD_CREATEs.
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/emojis/${made.body.id}`, { auth: owner, body: { name: 'renamed' } })).status, 200);
    await c.waitForDispatch('GUILD_EMOJIS_UPDATE', (d) => d.emojis?.[0]?.name === 'renamed');
    const second = await online(owner);
    assert.equal((await second.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id)).d.emojis[0].name, 'renamed');
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/emojis/${made.body.id}`, { auth: owner })).status, 204);
    await c.waitForDispatch('GUILD_EMOJIS_UPDATE', (d) => d.emojis?.length === 0);
    const third = await online(owner);
    assert.deepEqual((await third.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id)).d.emojis, []);
  });

  it('GUILD_EMOJIS_UPDATE needs the GUILD_EXPRESSIONS intent (bots)', async () => {
    const owner = await t.register();
    const guild = await t.createGuild(owner);
    const { bot } = await makeBot(t, owner);
    await addMember(t, guild.id, bot);
    const without = await online(bot, { intents: Intents.GUILDS });
    const withIt = await online(bot, { intents: Intents.GUILDS | Intents.GUILD_EXPRESSIONS });
    await without.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
    await withIt.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
    await create(guild.id, owner, { name: 'intent', image: dataUri(await png()) });
    await withIt.waitForDispatch('GUILD_EMOJIS_UPDATE', (d) => d.guild_id === guild.id);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(without.dispatches('GUILD_EMOJIS_UPDATE').length, 0);
  });

  it('reacts with a custom emoji, refuses an unknown one with 10014, and keeps reactions after the emoji\'s delete', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const channels = await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner });
    const channel = channels.body.find((c: any) => c.type === 0);
    const msg = await t.request('POST', `/channels/${channel.id}/messages`, { auth: owner, body: { content: 'react to me' } });
    const made = await create(guild.id, owner, { name: 'spinny', image: dataUri(await animatedGif(), 'image/gif') });
    const watcher = await online(member);
    await watcher.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);

    const path = (e: string) => `/channels/${channel.id}/messages/${msg.body.id}/reactions/${encodeURIComponent(e)}/@me`;
    assert.equal((await t.request('PUT', path(`spinny:${made.body.id}`), { auth: member })).status, 204);
    const add = await watcher.waitForDispatch('MESSAGE_REACTION_ADD', (d) => d.message_id === msg.body.id);
    assert.deepEqual(add.d.emoji, { id: made.body.id, name: 'spinny', animated: true });
    const got = await t.request('GET', `/channels/${channel.id}/messages/${msg.body.id}`, { auth: owner });
    assert.deepEqual(got.body.reactions[0].emoji, { id: made.body.id, name: 'spinny', animated: true });
    assert.equal(got.body.reactions[0].count, 1);
    // The emoji of another guild is fine too (Discord: any guild the user is in); an unknown one is not.
    assertError(await t.request('PUT', path('nope:123456789012345678'), { auth: member }), 400, 10014);
    const users = await t.request('GET', `/channels/${channel.id}/messages/${msg.body.id}/reactions/${encodeURIComponent(`spinny:${made.body.id}`)}`, { auth: owner });
    assert.deepEqual(users.body.map((u: any) => u.id), [member.id]);

    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/emojis/${made.body.id}`, { auth: owner })).status, 204);
    const kept = await t.request('GET', `/channels/${channel.id}/messages/${msg.body.id}`, { auth: owner });
    assert.deepEqual(kept.body.reactions[0].emoji, { id: made.body.id, name: 'spinny', animated: true });
    // Adding it again is refused now it is gone.
    assertError(await t.request('PUT', `/channels/${channel.id}/messages/${msg.body.id}/reactions/${encodeURIComponent(`spinny:${made.body.id}`)}/@me`, { auth: owner }), 400, 10014);
  });
});
