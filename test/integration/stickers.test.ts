/**
 * Guild stickers over real HTTP and the gateway: CRUD with Discord's shapes (multipart create with name, tags,
 * description and file), the formats judged from the bytes (PNG 1, APNG 2, Lottie 3, GIF 4; 50046 otherwise), the
 * 512 KiB limit (50045), field validation (50035), CREATE_GUILD_EXPRESSIONS / MANAGE_GUILD_EXPRESSIONS, the 5
 * sticker limit at tier 0 (30039), the file on the CDN at /stickers/{id}.{ext}, GUILD_STICKERS_UPDATE (and its
 * GUILD_EXPRESSIONS intent), stickers in GUILD_CREATE and GET /guilds/{id}, GET /stickers/{id}, GET /sticker-packs,
 * audit entries 90 / 91 / 92, and sticker_ids on message create (sticker_items, stickers-only messages, 50081).
 *
 * Each suite runs on SQLite and, when it is reachable, on PostgreSQL (a fresh schema, dropped afterwards).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { freshPostgresStore, serviceSkip } from '../helpers/services.ts';
import { GatewaySessions } from './gateway-client.ts';
import { addMember, assertError, giveRole, guildWithMember, makeBot } from './fixtures.guilds.ts';
import { Intents } from '../../src/protocol/intents.ts';
import { stickerApng, stickerGif, stickerLottie, stickerPng } from '../helpers/sticker-files.ts';

const CREATE_GUILD_EXPRESSIONS = 1n << 43n;
const MANAGE_GUILD_EXPRESSIONS = 1n << 30n;

interface StickerForm { name?: string; tags?: string; description?: string; file?: Buffer; filename?: string }

async function cdn(t: TestServer, path: string) {
  const res = await fetch(`${t.url}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

for (const backend of ['sqlite', 'postgres'] as const) describe(`guild stickers (${backend})`, { skip: backend === 'postgres' ? await serviceSkip('postgres') : false }, () => {
  let t: TestServer;
  let fresh: Awaited<ReturnType<typeof freshPostgresStore>> | undefined;
  const sessions = new GatewaySessions(() => t.url);
  before(async () => {
    if (backend === 'postgres') {
      fresh = await freshPostgresStore();
      await fresh.store.migrate();
    }
    t = await startTestServer({ heartbeatIntervalMs: 5000 }, fresh ? { store: fresh.store } : {});
  });
  after(async () => {
    await sessions.closeAll();
    await t.close();
    await fresh?.drop();
  });

  const online = (user: TestUser, extra: Record<string, unknown> = {}) => sessions.online(user, extra, { load: false });

  /** POST /guilds/{id}/stickers as multipart, as discord.js sends it. */
  const create = async (guildId: string, who: TestUser, f: StickerForm, headers: Record<string, string> = {}) => {
    const body = new FormData();
    if (f.name !== undefined) body.append('name', f.name);
    if (f.tags !== undefined) body.append('tags', f.tags);
    if (f.description !== undefined) body.append('description', f.description);
    if (f.file) body.append('file', new Blob([Uint8Array.from(f.file)]), f.filename ?? 'sticker.png');
    const res = await fetch(`${t.api}/guilds/${guildId}/stickers`, { method: 'POST', headers: { authorization: who.auth, ...headers }, body });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: res.status, body: parsed };
  };
  const textChannel = async (guildId: string, who: TestUser) =>
    (await t.request('GET', `/guilds/${guildId}/channels`, { auth: who })).body.find((c: any) => c.type === 0);

  it('creates, lists, gets, edits and deletes a sticker with Discord\'s shape, announcing each change', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const watcher = await online(member);
    await watcher.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
    const bytes = await stickerPng();

    const made = await create(guild.id, owner, { name: 'Happy Cat', tags: 'smile', description: 'a cat that is happy', file: bytes });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const sticker = made.body;
    assert.deepEqual(Object.keys(sticker).sort(), ['available', 'description', 'format_type', 'guild_id', 'id', 'name', 'tags', 'type', 'user']);
    assert.deepEqual(
      { name: sticker.name, tags: sticker.tags, description: sticker.description, type: sticker.type, format_type: sticker.format_type, available: sticker.available, guild_id: sticker.guild_id },
      { name: 'Happy Cat', tags: 'smile', description: 'a cat that is happy', type: 2, format_type: 1, available: true, guild_id: guild.id },
    );
    assert.equal(sticker.user.id, owner.id);

    const update = await watcher.waitForDispatch('GUILD_STICKERS_UPDATE', (d) => d.guild_id === guild.id);
    assert.deepEqual(update.d.stickers.map((s: any) => s.id), [sticker.id]);
    assert.equal('user' in update.d.stickers[0], false);

    // Lists: the creator only for MANAGE_GUILD_EXPRESSIONS holders.
    const listed = await t.request('GET', `/guilds/${guild.id}/stickers`, { auth: owner });
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body, [sticker]);
    const asMember = await t.request('GET', `/guilds/${guild.id}/stickers/${sticker.id}`, { auth: member });
    assert.equal(asMember.status, 200);
    assert.equal('user' in asMember.body, false);
    const { user: _u, ...plain } = sticker;
    assert.deepEqual(asMember.body, plain);
    // GET /stickers/{id}: any signed-in user.
    const outsider = await t.register();
    assert.deepEqual((await t.request('GET', `/stickers/${sticker.id}`, { auth: outsider })).body, plain);
    assertError(await t.request('GET', '/stickers/123456789012345678', { auth: outsider }), 404, 10060);
    assert.deepEqual((await t.request('GET', '/sticker-packs', { auth: outsider })).body, { sticker_packs: [] });
    // GET /guilds/{id}.
    assert.deepEqual((await t.request('GET', `/guilds/${guild.id}`, { auth: member })).body.stickers, [plain]);

    // The file on the CDN, as uploaded.
    const file = await cdn(t, `/stickers/${sticker.id}.png`);
    assert.equal(file.status, 200);
    assert.equal(file.type, 'image/png');
    assert.ok(file.bytes.equals(bytes));
    assert.equal((await cdn(t, `/stickers/${sticker.id}.gif`)).status, 415);
    assert.equal((await cdn(t, '/stickers/123456789012345678.png')).status, 404);

    // Edit name, tags, description (empty clears it).
    const from = watcher.payloads.length;
    const edited = await t.request('PATCH', `/guilds/${guild.id}/stickers/${sticker.id}`, { auth: owner, body: { name: 'Sad Cat', tags: 'cry', description: '' } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.deepEqual({ name: edited.body.name, tags: edited.body.tags, description: edited.body.description }, { name: 'Sad Cat', tags: 'cry', description: null });
    await watcher.waitForDispatch('GUILD_STICKERS_UPDATE', (d) => d.stickers[0]?.name === 'Sad Cat', 5000, from);

    // Audit entries 90 and 91 so far.
    const audit = await t.request('GET', `/guilds/${guild.id}/audit-logs`, { auth: owner });
    const types = audit.body.audit_log_entries.map((e: any) => e.action_type);
    assert.ok(types.includes(90) && types.includes(91), JSON.stringify(types));
    const createEntry = audit.body.audit_log_entries.find((e: any) => e.action_type === 90);
    assert.equal(createEntry.target_id, sticker.id);
    assert.deepEqual(createEntry.changes.find((c: any) => c.key === 'name'), { key: 'name', new_value: 'Happy Cat' });

    // Delete.
    const from2 = watcher.payloads.length;
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/stickers/${sticker.id}`, { auth: owner })).status, 204);
    await watcher.waitForDispatch('GUILD_STICKERS_UPDATE', (d) => d.guild_id === guild.id && d.stickers.length === 0, 5000, from2);
    assertError(await t.request('GET', `/guilds/${guild.id}/stickers/${sticker.id}`, { auth: owner }), 404, 10060);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/stickers/${sticker.id}`, { auth: owner, body: { name: 'xx' } }), 404, 10060);
    assertError(await t.request('DELETE', `/guilds/${guild.id}/stickers/${sticker.id}`, { auth: owner }), 404, 10060);
    assert.equal((await cdn(t, `/stickers/${sticker.id}.png`)).status, 404);
    const audit2 = await t.request('GET', `/guilds/${guild.id}/audit-logs?action_type=92`, { auth: owner });
    assert.equal(audit2.body.audit_log_entries[0].target_id, sticker.id);
  });

  it('judges the format from the bytes: PNG 1, APNG 2, Lottie 3, GIF 4, others 50046', async () => {
    const owner = await t.register();
    const guild = await t.createGuild(owner);
    const cases: Array<[Buffer, number, string, string]> = [
      [await stickerApng(), 2, 'png', 'image/png'],
      [stickerLottie(), 3, 'json', 'application/octet-stream'],
      [await stickerGif(), 4, 'gif', 'image/gif'],
    ];
    for (const [file, format, ext, type] of cases) {
      const made = await create(guild.id, owner, { name: `fmt${format}`, tags: 'fmt', file, filename: 'x.png' });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.equal(made.body.format_type, format);
      const got = await cdn(t, `/stickers/${made.body.id}.${ext}`);
      assert.equal(got.status, 200);
      assert.equal(got.type, type);
      assert.ok(got.bytes.equals(file));
    }
    assertError(await create(guild.id, owner, { name: 'jpeg', tags: 'no', file: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]) }), 400, 50046);
    assertError(await create(guild.id, owner, { name: 'json', tags: 'no', file: Buffer.from('{"hello":"world"}') }), 400, 50046);
  });

  it('validates the fields (50035), the size (50045) and needs a file', async () => {
    const owner = await t.register();
    const guild = await t.createGuild(owner);
    const file = await stickerPng();
    for (const [f, field] of [
      [{ name: 'a', tags: 'ok' }, 'name'], [{ name: 'x'.repeat(31), tags: 'ok' }, 'name'], [{ tags: 'ok' }, 'name'],
      [{ name: 'ok', tags: 'a' }, 'tags'], [{ name: 'ok', tags: 'x'.repeat(201) }, 'tags'], [{ name: 'ok' }, 'tags'],
      [{ name: 'ok', tags: 'ok', description: 'a' }, 'description'], [{ name: 'ok', tags: 'ok', description: 'x'.repeat(101) }, 'description'],
    ] as Array<[StickerForm, string]>) {
      const res = await create(guild.id, owner, { ...f, file });
      assertError(res, 400, 50035);
      assert.ok(res.body.errors[field], JSON.stringify(res.body));
    }
    const noFile = await create(guild.id, owner, { name: 'ok', tags: 'ok' });
    assertError(noFile, 400, 50035);
    assert.equal(noFile.body.errors.file._errors[0].code, 'BASE_TYPE_REQUIRED');
    const json = await t.request('POST', `/guilds/${guild.id}/stickers`, { auth: owner, body: { name: 'ok', tags: 'ok' } });
    assertError(json, 400, 50035);
    assert.ok(json.body.errors.file);
    // 512 KiB at most.
    const big = Buffer.concat([file, randomBytes(512 * 1024)]);
    const tooBig = await create(guild.id, owner, { name: 'huge', tags: 'big', file: big });
    assertError(tooBig, 400, 50045);
    assert.equal(tooBig.body.message, 'File uploaded exceeds the maximum size');
    // The edit checks the same rules.
    const made = await create(guild.id, owner, { name: 'ok', tags: 'ok', file });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assertError(await t.request('PATCH', `/guilds/${guild.id}/stickers/${made.body.id}`, { auth: owner, body: { name: 'b' } }), 400, 50035);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/stickers/${made.body.id}`, { auth: owner, body: { tags: 'x'.repeat(201) } }), 400, 50035);
    assertError(await t.request('GET', `/guilds/${guild.id}/stickers/not-an-id`, { auth: owner }), 400, 50035);
  });

  it('needs CREATE_GUILD_EXPRESSIONS to create and MANAGE_GUILD_EXPRESSIONS (or being the creator) to edit and delete', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const creator = await t.register();
    const outsider = await t.register();
    await addMember(t, guild.id, creator);
    const file = await stickerPng();
    const everyone = await t.request('GET', `/guilds/${guild.id}/roles`, { auth: owner });
    const perms = BigInt(everyone.body.find((r: any) => r.id === guild.id).permissions) & ~CREATE_GUILD_EXPRESSIONS;
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/roles/${guild.id}`, { auth: owner, body: { permissions: perms.toString() } })).status, 200);

    assertError(await create(guild.id, member, { name: 'nope', tags: 'no', file }), 403, 50013);
    assertError(await create(guild.id, outsider, { name: 'nope', tags: 'no', file }), 403, 50001);
    assertError(await t.request('GET', `/guilds/${guild.id}/stickers`, { auth: outsider }), 403, 50001);
    await giveRole(t, owner, guild.id, creator, CREATE_GUILD_EXPRESSIONS, 'makers');
    const mine = await create(guild.id, creator, { name: 'mine', tags: 'me', file });
    assert.equal(mine.status, 201, JSON.stringify(mine.body));
    const theirs = await create(guild.id, owner, { name: 'theirs', tags: 'them', file });
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/stickers/${mine.body.id}`, { auth: creator, body: { name: 'mine2' } })).status, 200);
    assertError(await t.request('PATCH', `/guilds/${guild.id}/stickers/${theirs.body.id}`, { auth: creator, body: { name: 'x2' } }), 403, 50013);
    assertError(await t.request('DELETE', `/guilds/${guild.id}/stickers/${theirs.body.id}`, { auth: creator }), 403, 50013);
    assertError(await t.request('DELETE', `/guilds/${guild.id}/stickers/${mine.body.id}`, { auth: member }), 403, 50013);
    await giveRole(t, owner, guild.id, member, MANAGE_GUILD_EXPRESSIONS, 'curators');
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/stickers/${mine.body.id}`, { auth: member, body: { name: 'curated' } })).status, 200);
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/stickers/${mine.body.id}`, { auth: member })).status, 204);
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/stickers/${theirs.body.id}`, { auth: creator === member ? owner : owner })).status, 204);
  });

  it('allows 5 stickers at tier 0, then answers 30039; deleting the guild deletes the files', async () => {
    const owner = await t.register();
    const guild = await t.createGuild(owner);
    const file = await stickerPng();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await create(guild.id, owner, { name: `s${i}x`, tags: 'many', file });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      made.push(res.body.id);
    }
    const sixth = await create(guild.id, owner, { name: 'sixth', tags: 'many', file });
    assertError(sixth, 400, 30039);
    assert.equal(sixth.body.message, 'Maximum number of stickers reached');
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}`, { auth: owner })).status, 204);
    for (const id of made) assert.equal(await t.server.blobs.head(`stickers/${id}`), null);
  });

  it('sends the guild\'s stickers in GUILD_CREATE; GUILD_STICKERS_UPDATE needs GUILD_EXPRESSIONS (bots)', async () => {
    const owner = await t.register();
    const guild = await t.createGuild(owner);
    const made = await create(guild.id, owner, { name: 'in_ready', tags: 'ready', file: await stickerPng() });
    const c = await online(owner);
    const gc = await c.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
    assert.deepEqual(gc.d.stickers, [{ id: made.body.id, name: 'in_ready', tags: 'ready', type: 2, format_type: 1, description: null, available: true, guild_id: guild.id }]);

    const { bot } = await makeBot(t, owner);
    await addMember(t, guild.id, bot);
    const without = await online(bot, { intents: Intents.GUILDS });
    const withIt = await online(bot, { intents: Intents.GUILDS | Intents.GUILD_EXPRESSIONS });
    await without.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
    await withIt.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
    await create(guild.id, owner, { name: 'intent', tags: 'bots', file: await stickerPng() });
    await withIt.waitForDispatch('GUILD_STICKERS_UPDATE', (d) => d.guild_id === guild.id);
    // The other session of the same bot got its own dispatches by now (both follow the same stream).
    await withIt.waitForDispatch('GUILD_STICKERS_UPDATE', (d) => d.stickers.length === 2);
    assert.equal(without.dispatches('GUILD_STICKERS_UPDATE').length, 0);
  });

  it('sends stickers in messages: sticker_items, stickers alone, at most 3, only usable ones (50081)', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const channel = await textChannel(guild.id, owner);
    const watcher = await online(member);
    await watcher.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
    const a = (await create(guild.id, owner, { name: 'sticker_a', tags: 'a1', file: await stickerPng() })).body;
    const b = (await create(guild.id, owner, { name: 'sticker_b', tags: 'b1', file: await stickerGif() })).body;

    const sent = await t.request('POST', `/channels/${channel.id}/messages`, { auth: member, body: { sticker_ids: [a.id] } });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(sent.body.content, '');
    assert.deepEqual(sent.body.sticker_items, [{ id: a.id, name: 'sticker_a', format_type: 1 }]);
    const event = await watcher.waitForDispatch('MESSAGE_CREATE', (d) => d.id === sent.body.id);
    assert.deepEqual(event.d.sticker_items, sent.body.sticker_items);
    const both = await t.request('POST', `/channels/${channel.id}/messages`, { auth: member, body: { content: 'two', sticker_ids: [a.id, b.id] } });
    assert.deepEqual(both.body.sticker_items.map((s: any) => [s.id, s.format_type]), [[a.id, 1], [b.id, 4]]);
    // Its text can be edited away: the stickers stay and carry the message.
    const edited = await t.request('PATCH', `/channels/${channel.id}/messages/${both.body.id}`, { auth: member, body: { content: '' } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.sticker_items.length, 2);
    const got = await t.request('GET', `/channels/${channel.id}/messages/${sent.body.id}`, { auth: owner });
    assert.deepEqual(got.body.sticker_items, sent.body.sticker_items);
    // Plain messages have none.
    const plain = await t.request('POST', `/channels/${channel.id}/messages`, { auth: member, body: { content: 'no stickers' } });
    assert.equal('sticker_items' in plain.body, false);

    // At most 3; unknown ids and other guilds' stickers are refused.
    assertError(await t.request('POST', `/channels/${channel.id}/messages`, { auth: member, body: { sticker_ids: [a.id, a.id, a.id, a.id] } }), 400, 50035);
    assertError(await t.request('POST', `/channels/${channel.id}/messages`, { auth: member, body: { sticker_ids: ['123456789012345678'] } }), 400, 50081);
    assertError(await t.request('POST', `/channels/${channel.id}/messages`, { auth: member, body: { sticker_ids: ['nope'] } }), 400, 50035);
    const stranger = await t.register();
    const otherGuild = await t.createGuild(stranger);
    const foreign = (await create(otherGuild.id, stranger, { name: 'foreign', tags: 'far', file: await stickerPng() })).body;
    assertError(await t.request('POST', `/channels/${channel.id}/messages`, { auth: member, body: { sticker_ids: [foreign.id] } }), 400, 50081);
    // A member of that guild with USE_EXTERNAL_STICKERS (on by default for @everyone) may send it.
    await addMember(t, otherGuild.id, member);
    const external = await t.request('POST', `/channels/${channel.id}/messages`, { auth: member, body: { sticker_ids: [foreign.id] } });
    assert.equal(external.status, 200, JSON.stringify(external.body));

    // A deleted sticker stays on the messages that carry it.
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/stickers/${a.id}`, { auth: owner })).status, 204);
    const kept = await t.request('GET', `/channels/${channel.id}/messages/${sent.body.id}`, { auth: owner });
    assert.deepEqual(kept.body.sticker_items, [{ id: a.id, name: 'sticker_a', format_type: 1 }]);
    assertError(await t.request('POST', `/channels/${channel.id}/messages`, { auth: member, body: { sticker_ids: [a.id] } }), 400, 50081);
  });
});
