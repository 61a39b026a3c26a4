/**
 * Application-owned emoji over real HTTP (api/routes/application-emojis.ts), on SQLite and PostgreSQL: list
 * (`{items}`), get, create, rename and delete with Discord's shape, by the application's bot or its owner and by no
 * one else; names unique within the application (50035 APPLICATION_EMOJI_NAME_ALREADY_TAKEN); the 2,000 limit
 * (30008); the image on the CDN until the delete; and use: only the application's bot may put one in a message or
 * a reaction, in any guild and without USE_EXTERNAL_EMOJIS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { freshPostgresStore, serviceSkip } from '../helpers/services.ts';
import { addMember, assertError, makeBot } from './fixtures.guilds.ts';

const png = (colour = '#3366cc', size = 64) => sharp({ create: { width: size, height: size, channels: 4, background: colour } }).png().toBuffer();
const dataUri = (bytes: Buffer, type = 'image/png') => `data:${type};base64,${bytes.toString('base64')}`;
const EMOJI_KEYS = ['animated', 'available', 'id', 'managed', 'name', 'require_colons', 'roles', 'user'];

for (const backend of ['sqlite', 'postgres'] as const) describe(`application emojis (${backend})`, { skip: backend === 'postgres' ? await serviceSkip('postgres') : false }, () => {
  let t: TestServer;
  let fresh: Awaited<ReturnType<typeof freshPostgresStore>> | undefined;
  let owner: TestUser;
  let stranger: TestUser;
  let app: any;
  let bot: TestUser;
  let image: string;

  before(async () => {
    if (backend === 'postgres') {
      fresh = await freshPostgresStore();
      await fresh.store.migrate();
    }
    t = await startTestServer({ heartbeatIntervalMs: 5000 }, fresh ? { store: fresh.store } : {});
    owner = await t.register();
    stranger = await t.register();
    ({ app, bot } = await makeBot(t, owner, 'Emoji Bot'));
    image = dataUri(await png());
  });
  after(async () => {
    await t.close();
    await fresh?.drop();
  });

  const path = (suffix = '', appId = app.id) => `/applications/${appId}/emojis${suffix}`;

  test('the bot creates, lists, gets, renames and deletes its emoji with Discord\'s shape; the image is on the CDN until then', async () => {
    const made = await t.request('POST', path(), { auth: bot.auth, body: { name: 'sparkle', image } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const emoji = made.body;
    assert.deepEqual(Object.keys(emoji).sort(), EMOJI_KEYS);
    assert.equal(emoji.name, 'sparkle');
    assert.deepEqual(emoji.roles, []);
    assert.equal(emoji.require_colons, true);
    assert.equal(emoji.managed, false);
    assert.equal(emoji.animated, false);
    assert.equal(emoji.available, true);
    // Uploaded through the API: the bot user is its user, as Discord documents.
    assert.equal(emoji.user.id, bot.id);
    assert.equal(emoji.user.bot, true);

    const listed = await t.request('GET', path(), { auth: bot.auth });
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body, { items: [emoji] });
    assert.deepEqual((await t.request('GET', path(`/${emoji.id}`), { auth: bot.auth })).body, emoji);

    const cdn = await fetch(`${t.url}/emojis/${emoji.id}.png`);
    assert.equal(cdn.status, 200);
    assert.equal(cdn.headers.get('content-type'), 'image/png');

    const renamed = await t.request('PATCH', path(`/${emoji.id}`), { auth: bot.auth, body: { name: 'sparkle_2' } });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.deepEqual(renamed.body, { ...emoji, name: 'sparkle_2' });

    const deleted = await t.request('DELETE', path(`/${emoji.id}`), { auth: bot.auth });
    assert.equal(deleted.status, 204);
    assertError(await t.request('GET', path(`/${emoji.id}`), { auth: bot.auth }), 404, 10014);
    assertError(await t.request('DELETE', path(`/${emoji.id}`), { auth: bot.auth }), 404, 10014);
    assert.deepEqual((await t.request('GET', path(), { auth: bot.auth })).body, { items: [] });
    assert.equal((await fetch(`${t.url}/emojis/${emoji.id}.png`)).status, 404);
  });

  test('the owner manages them with a user token (the developer portal); anyone else is refused', async () => {
    const made = await t.request('POST', path(), { auth: owner, body: { name: 'portal_made', image } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.user.id, owner.id);
    assert.deepEqual((await t.request('GET', path(), { auth: owner })).body.items.map((e: any) => e.id), [made.body.id]);

    // Another user, another application's bot, an unknown application, an emoji of another application.
    assertError(await t.request('GET', path(), { auth: stranger }), 403, 50001);
    assertError(await t.request('POST', path(), { auth: stranger, body: { name: 'nope', image } }), 403, 50001);
    const other = await makeBot(t, stranger, 'Other Bot');
    assertError(await t.request('GET', path(), { auth: other.bot.auth }), 403, 50001);
    assertError(await t.request('PATCH', path(`/${made.body.id}`), { auth: other.bot.auth, body: { name: 'taken_over' } }), 403, 50001);
    assertError(await t.request('GET', path('', '1234567890123456789'), { auth: owner }), 404, 10002);
    assertError(await t.request('GET', path(`/${made.body.id}`, other.app.id), { auth: other.bot.auth }), 404, 10014);
    assert.equal((await t.request('DELETE', path(`/${made.body.id}`), { auth: owner })).status, 204);
  });

  test('bad input: names, images, a name the application already has; nothing is written', async () => {
    for (const name of ['a', 'x'.repeat(33), 'has space', 'dash-ed']) {
      const res = await t.request('POST', path(), { auth: bot.auth, body: { name, image } });
      assertError(res, 400, 50035);
      assert.ok(res.body.errors.name, JSON.stringify(res.body));
    }
    assertError(await t.request('POST', path(), { auth: bot.auth, body: { name: 'no_image' } }), 400, 50035);
    assertError(await t.request('POST', path(), { auth: bot.auth, body: { name: 'bad_image', image: 'data:image/png;base64,bm90IGFuIGltYWdl' } }), 400, 50035);

    const first = await t.request('POST', path(), { auth: bot.auth, body: { name: 'twin', image } });
    assert.equal(first.status, 201);
    const second = await t.request('POST', path(), { auth: bot.auth, body: { name: 'twin', image } });
    assertError(second, 400, 50035);
    assert.equal(second.body.errors.name._errors[0].code, 'APPLICATION_EMOJI_NAME_ALREADY_TAKEN');
    const other = await t.request('POST', path(), { auth: bot.auth, body: { name: 'other', image } });
    const clash = await t.request('PATCH', path(`/${other.body.id}`), { auth: bot.auth, body: { name: 'twin' } });
    assertError(clash, 400, 50035);
    assert.equal(clash.body.errors.name._errors[0].code, 'APPLICATION_EMOJI_NAME_ALREADY_TAKEN');
    // Another application may have the same name.
    const elsewhere = await makeBot(t, owner, 'Twin Bot');
    assert.equal((await t.request('POST', path('', elsewhere.app.id), { auth: elsewhere.bot.auth, body: { name: 'twin', image } })).status, 201);

    assert.deepEqual((await t.request('GET', path(), { auth: bot.auth })).body.items.map((e: any) => e.name).sort(), ['other', 'twin']);
    for (const e of (await t.request('GET', path(), { auth: bot.auth })).body.items) await t.request('DELETE', path(`/${e.id}`), { auth: bot.auth });
  });

  test('an application holds at most 2,000 emoji (30008)', async () => {
    const { app: full, bot: fullBot } = await makeBot(t, owner, 'Full Bot');
    const base = BigInt(full.id);
    for (let i = 0; i < 1999; i++) {
      await t.store.applicationEmojis.create({ id: String(base + 1000n + BigInt(i)), applicationId: full.id, name: `e${i}`, userId: fullBot.id, animated: false, createdAt: Date.now() });
    }
    const last = await t.request('POST', path('', full.id), { auth: fullBot.auth, body: { name: 'last_one', image } });
    assert.equal(last.status, 201, JSON.stringify(last.body));
    assertError(await t.request('POST', path('', full.id), { auth: fullBot.auth, body: { name: 'one_more', image } }), 400, 30008);
    assert.equal((await t.request('GET', path('', full.id), { auth: fullBot.auth })).body.items.length, 2000);
  });

  test('only the application\'s bot may use its emoji: in messages anywhere without USE_EXTERNAL_EMOJIS, and as reactions', async () => {
    const emoji = (await t.request('POST', path(), { auth: bot.auth, body: { name: 'brand', image } })).body;
    const guild = await t.createGuild(owner, 'Elsewhere');
    await addMember(t, guild.id, bot);
    await addMember(t, guild.id, stranger);
    const channel = ((await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body as any[]).find((c) => c.type === 0);
    // @everyone without USE_EXTERNAL_EMOJIS: an app emoji does not need it.
    const everyone = guild.id;
    const denied = await t.request('PATCH', `/guilds/${guild.id}/roles/${everyone}`, { auth: owner, body: { permissions: String((1n << 10n) | (1n << 11n) | (1n << 16n) | (1n << 6n)) } });
    assert.equal(denied.status, 200, JSON.stringify(denied.body));

    const markup = `hello <:brand:${emoji.id}>`;
    const byBot = await t.request('POST', `/channels/${channel.id}/messages`, { auth: bot.auth, body: { content: markup } });
    assert.equal(byBot.status, 200, JSON.stringify(byBot.body));
    assert.equal(byBot.body.content, markup);
    const byUser = await t.request('POST', `/channels/${channel.id}/messages`, { auth: stranger, body: { content: markup } });
    assert.equal(byUser.status, 200, JSON.stringify(byUser.body));
    assert.equal(byUser.body.content, 'hello :brand:');

    const react = (who: TestUser, messageId: string) =>
      t.request('PUT', `/channels/${channel.id}/messages/${messageId}/reactions/${encodeURIComponent(`brand:${emoji.id}`)}/@me`, { auth: who.auth });
    assert.equal((await react(bot, byUser.body.id)).status, 204);
    assertError(await react(stranger, byBot.body.id), 400, 10014);
    const reactions = await t.request('GET', `/channels/${channel.id}/messages/${byUser.body.id}`, { auth: owner });
    assert.deepEqual(reactions.body.reactions.map((r: any) => r.emoji), [{ id: emoji.id, name: 'brand' }]);
  });
});
