/**
 * Announcement channels over real HTTP and the gateway: creating type 5 and converting text ↔ announcement with
 * PATCH `type` (50035 for other conversions); following with POST /channels/{id}/followers (the followed channel
 * object, the type-2 webhook with source_guild / source_channel in the target's webhook list, WEBHOOKS_UPDATE, the
 * audit entry, the CHANNEL_FOLLOW_ADD line; 50024 / 50013 / 50001 / 50035 refusals); publishing with POST …/crosspost (CROSSPOSTED on the
 * original with its MESSAGE_UPDATE, the copy in each following channel by the webhook with IS_CROSSPOST and the
 * original's message_reference, files and stickers copied, no mentions; 40033 a second time, SEND_MESSAGES for
 * one's own message and MANAGE_MESSAGES for another's, 50024 outside announcement channels); deleting the webhook
 * unfollows.
 *
 * Each suite runs on SQLite and, when it is reachable, on PostgreSQL (a fresh schema, dropped afterwards).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { freshPostgresStore, serviceSkip } from '../helpers/services.ts';
import { GatewayClient } from './gateway-client.ts';
import { addMember, assertError, giveRole } from './fixtures.guilds.ts';
import { stickerPng } from '../helpers/sticker-files.ts';
import { message } from '../contract/store.fixtures.ts';

const MANAGE_WEBHOOKS = 1n << 29n;
const MANAGE_MESSAGES = 1n << 13n;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

for (const backend of ['sqlite', 'postgres'] as const) describe(`announcement channels (${backend})`, { skip: backend === 'postgres' ? await serviceSkip('postgres') : false }, () => {
  let t: TestServer;
  let fresh: Awaited<ReturnType<typeof freshPostgresStore>> | undefined;
  const clients: GatewayClient[] = [];
  before(async () => {
    if (backend === 'postgres') {
      fresh = await freshPostgresStore();
      await fresh.store.migrate();
    }
    t = await startTestServer({ heartbeatIntervalMs: 5000 }, fresh ? { store: fresh.store } : {});
  });
  after(async () => {
    for (const c of clients) await c.close();
    await t.close();
    await fresh?.drop();
  });

  const online = async (user: TestUser) => {
    const c = await GatewayClient.connect(t.url);
    clients.push(c);
    await c.identify(user.token);
    return c;
  };
  const ok = async (method: string, path: string, auth: TestUser, body?: unknown, status = 200) => {
    const res = await t.request(method, path, { auth, body });
    assert.equal(res.status, status, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const textChannel = async (guildId: string, who: TestUser) => (await ok('GET', `/guilds/${guildId}/channels`, who)).find((c: any) => c.type === 0);

  /** Guild A with an announcement channel (its owner `news`), guild B (owner `reader`, also a member of A). */
  async function setup() {
    const news = await t.register();
    const reader = await t.register();
    const a = await t.createGuild(news, 'Herald');
    const b = await t.createGuild(reader, 'Readers');
    await addMember(t, a.id, reader);
    const channel = await ok('POST', `/guilds/${a.id}/channels`, news, { name: 'Big News', type: 5 }, 201);
    const target = await textChannel(b.id, reader);
    return { news, reader, a, b, channel, target };
  }

  it('creates type 5 and converts text ↔ announcement with PATCH type; other conversions are refused', async () => {
    const { news, a, channel } = await setup();
    assert.equal(channel.type, 5);
    assert.equal(channel.name, 'big-news');
    const watcher = await online(news);
    await watcher.waitForDispatch('GUILD_CREATE', (d) => d.id === a.id);
    const text = await textChannel(a.id, news);
    const converted = await ok('PATCH', `/channels/${text.id}`, news, { type: 5 });
    assert.equal(converted.type, 5);
    const update = await watcher.waitForDispatch('CHANNEL_UPDATE', (d) => d.id === text.id && d.type === 5);
    assert.equal(update.d.name, text.name);
    assert.equal((await ok('GET', `/channels/${text.id}`, news)).type, 5);
    const audit = await ok('GET', `/guilds/${a.id}/audit-logs?action_type=11`, news);
    assert.deepEqual(audit.audit_log_entries[0].changes, [{ key: 'type', old_value: 0, new_value: 5 }]);
    assert.equal((await ok('PATCH', `/channels/${text.id}`, news, { type: 0, topic: 'back to text' })).type, 0);
    assert.equal((await ok('GET', `/channels/${text.id}`, news)).topic, 'back to text');
    // Messages in an announcement channel are ordinary messages.
    const sent = await ok('POST', `/channels/${channel.id}/messages`, news, { content: 'plain' });
    assert.equal(sent.flags, 0);
    // Only text ↔ announcement.
    const voice = (await ok('GET', `/guilds/${a.id}/channels`, news)).find((c: any) => c.type === 2);
    const bad = await t.request('PATCH', `/channels/${voice.id}`, { auth: news, body: { type: 5 } });
    assertError(bad, 400, 50035);
    assert.ok(bad.body.errors.type, JSON.stringify(bad.body));
    assertError(await t.request('PATCH', `/channels/${channel.id}`, { auth: news, body: { type: 2 } }), 400, 50035);
  });

  it('follows into a channel with MANAGE_WEBHOOKS: the followed channel, the type-2 webhook, WEBHOOKS_UPDATE, the audit entry', async () => {
    const { news, reader, a, b, channel, target } = await setup();
    const watcher = await online(reader);
    await watcher.waitForDispatch('GUILD_CREATE', (d) => d.id === b.id);
    const followed = await ok('POST', `/channels/${channel.id}/followers`, reader, { webhook_channel_id: target.id });
    assert.deepEqual(Object.keys(followed).sort(), ['channel_id', 'webhook_id']);
    assert.equal(followed.channel_id, channel.id);
    await watcher.waitForDispatch('WEBHOOKS_UPDATE', (d) => d.guild_id === b.id && d.channel_id === target.id);
    // Discord's CHANNEL_FOLLOW_ADD line in the target, by the follower, referring to the followed channel.
    const line = await watcher.waitForDispatch('MESSAGE_CREATE', (d) => d.channel_id === target.id && d.type === 12);
    assert.equal(line.d.author.id, reader.id);
    assert.equal(line.d.content, 'Herald #big-news');
    assert.deepEqual(line.d.message_reference, { type: 0, channel_id: channel.id, guild_id: a.id });

    const hooks = await ok('GET', `/channels/${target.id}/webhooks`, reader);
    assert.equal(hooks.length, 1);
    const hook = hooks[0];
    assert.equal(hook.id, followed.webhook_id);
    assert.equal(hook.type, 2);
    assert.equal(hook.name, 'Herald #big-news');
    assert.equal(hook.channel_id, target.id);
    assert.equal(hook.guild_id, b.id);
    assert.equal('token' in hook, false);
    assert.deepEqual(hook.source_guild, { id: a.id, name: 'Herald', icon: null });
    assert.deepEqual(hook.source_channel, { id: channel.id, name: 'big-news' });
    assert.deepEqual((await ok('GET', `/guilds/${b.id}/webhooks`, reader)).map((w: any) => w.source_channel?.id), [channel.id]);
    assert.equal((await ok('GET', `/webhooks/${hook.id}`, reader)).source_guild.id, a.id);
    const audit = await ok('GET', `/guilds/${b.id}/audit-logs?action_type=50`, reader);
    assert.equal(audit.audit_log_entries[0].target_id, hook.id);

    // Refusals: not an announcement channel (50024), a target without MANAGE_WEBHOOKS (50013), a channel the caller
    // cannot see (50001), a bad body (50035), a DM or voice target (50024).
    const text = await textChannel(a.id, news);
    assertError(await t.request('POST', `/channels/${text.id}/followers`, { auth: reader, body: { webhook_channel_id: target.id } }), 400, 50024);
    const plain = await t.register();
    await addMember(t, a.id, plain);
    await addMember(t, b.id, plain);
    assertError(await t.request('POST', `/channels/${channel.id}/followers`, { auth: plain, body: { webhook_channel_id: target.id } }), 403, 50013);
    await giveRole(t, reader, b.id, plain, MANAGE_WEBHOOKS, 'hooks');
    assert.equal((await t.request('POST', `/channels/${channel.id}/followers`, { auth: plain, body: { webhook_channel_id: target.id } })).status, 200);
    const outsider = await t.register();
    const own = await t.createGuild(outsider);
    assertError(await t.request('POST', `/channels/${channel.id}/followers`, { auth: outsider, body: { webhook_channel_id: (await textChannel(own.id, outsider)).id } }), 403, 50001);
    assertError(await t.request('POST', `/channels/${channel.id}/followers`, { auth: reader, body: {} }), 400, 50035);
    assertError(await t.request('POST', `/channels/${channel.id}/followers`, { auth: reader, body: { webhook_channel_id: 'x' } }), 400, 50035);
    const voice = (await ok('GET', `/guilds/${b.id}/channels`, reader)).find((c: any) => c.type === 2);
    assertError(await t.request('POST', `/channels/${channel.id}/followers`, { auth: reader, body: { webhook_channel_id: voice.id } }), 400, 50024);
  });

  it('publishes: CROSSPOSTED on the original, the copy in each following channel by the webhook; once only', async () => {
    const { news, reader, a, b, channel, target } = await setup();
    // The server's icon becomes the follower webhook's avatar, shown on the copies.
    const icon = (await ok('PATCH', `/guilds/${a.id}`, news, { icon: `data:image/png;base64,${(await stickerPng('#123456')).toString('base64')}` })).icon;
    assert.ok(icon);
    const followed = await ok('POST', `/channels/${channel.id}/followers`, reader, { webhook_channel_id: target.id });
    const hook = (await ok('GET', `/channels/${target.id}/webhooks`, reader))[0];
    assert.equal(hook.avatar, icon);
    assert.equal(hook.source_guild.icon, icon);
    assert.equal((await fetch(`${t.url}/avatars/${hook.id}/${icon}.png`)).status, 200);
    // A second follower, in guild A itself.
    const local = await textChannel(a.id, news);
    const followedLocal = await ok('POST', `/channels/${channel.id}/followers`, news, { webhook_channel_id: local.id });
    const sourceWatcher = await online(news);
    await sourceWatcher.waitForDispatch('GUILD_CREATE', (d) => d.id === a.id);
    const targetWatcher = await online(reader);
    await targetWatcher.waitForDispatch('GUILD_CREATE', (d) => d.id === b.id);

    const sticker = await (async () => {
      const form = new FormData();
      form.append('name', 'badge');
      form.append('tags', 'news');
      form.append('file', new Blob([Uint8Array.from(await stickerPng())]), 'badge.png');
      const res = await fetch(`${t.api}/guilds/${a.id}/stickers`, { method: 'POST', headers: { authorization: news.auth }, body: form });
      return res.json() as Promise<any>;
    })();
    const file = Buffer.from('release notes\n');
    const form = new FormData();
    form.append('files[0]', new Blob([Uint8Array.from(file)]), 'notes.txt');
    form.append('payload_json', JSON.stringify({ content: `Version 2 is out <@${reader.id}> @everyone`, sticker_ids: [sticker.id], embeds: [{ title: 'v2' }] }));
    const sentRes = await fetch(`${t.api}/channels/${channel.id}/messages`, { method: 'POST', headers: { authorization: news.auth }, body: form });
    const original = await sentRes.json() as any;
    assert.equal(sentRes.status, 200, JSON.stringify(original));

    const published = await ok('POST', `/channels/${channel.id}/messages/${original.id}/crosspost`, news);
    assert.equal(published.id, original.id);
    assert.equal(published.flags, 1);
    const upd = await sourceWatcher.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === original.id);
    assert.equal(upd.d.flags, 1);
    assert.equal((await ok('GET', `/channels/${channel.id}/messages/${original.id}`, news)).flags, 1);

    const created = await targetWatcher.waitForDispatch('MESSAGE_CREATE', (d) => d.channel_id === target.id);
    const copy = created.d;
    assert.equal(copy.guild_id, b.id);
    assert.equal(copy.content, original.content);
    assert.equal(copy.flags, 2);
    assert.equal(copy.type, 0);
    assert.equal(copy.webhook_id, followed.webhook_id);
    assert.equal(copy.author.id, followed.webhook_id);
    assert.equal(copy.author.username, 'Herald #big-news');
    assert.equal(copy.author.bot, true);
    assert.equal(copy.author.avatar, icon);
    assert.deepEqual(copy.message_reference, { type: 0, message_id: original.id, channel_id: channel.id, guild_id: a.id });
    assert.equal('referenced_message' in copy, false);
    assert.deepEqual(copy.mentions, []);
    assert.equal(copy.mention_everyone, false);
    assert.deepEqual(copy.embeds.map((e: any) => e.title), ['v2']);
    assert.deepEqual(copy.sticker_items, [{ id: sticker.id, name: 'badge', format_type: 1 }]);
    assert.equal(copy.attachments.length, 1);
    assert.notEqual(copy.attachments[0].id, original.attachments[0].id);
    assert.equal(copy.attachments[0].filename, 'notes.txt');
    assert.match(copy.attachments[0].url, new RegExp(`/attachments/${target.id}/${copy.attachments[0].id}/notes.txt`));
    const bytes = Buffer.from(await (await fetch(copy.attachments[0].url)).arrayBuffer());
    assert.equal(sha256(bytes), sha256(file));
    // History has it too; the other follower got its copy.
    const history = await ok('GET', `/channels/${target.id}/messages?limit=1`, reader);
    assert.equal(history[0].id, copy.id);
    assert.equal(history[0].flags, 2);
    const localCopy = (await ok('GET', `/channels/${local.id}/messages?limit=1`, news))[0];
    assert.equal(localCopy.webhook_id, followedLocal.webhook_id);
    assert.equal(localCopy.message_reference.message_id, original.id);
    // No mention was counted for the reader by the copy.
    const ackless = await ok('GET', `/channels/${target.id}/messages?limit=5`, reader);
    assert.equal(ackless.filter((m: any) => m.mentions.length > 0).length, 0);

    // Once only; a copy cannot be published again from a text channel (50024).
    assertError(await t.request('POST', `/channels/${channel.id}/messages/${original.id}/crosspost`, { auth: news }), 400, 40033);
    const again = await t.request('POST', `/channels/${channel.id}/messages/${original.id}/crosspost`, { auth: news });
    assert.equal(again.body.message, 'This message has already been crossposted.');
    assertError(await t.request('POST', `/channels/${target.id}/messages/${copy.id}/crosspost`, { auth: reader }), 400, 50024);
    assertError(await t.request('POST', `/channels/${channel.id}/messages/123456789012345678/crosspost`, { auth: news }), 404, 10008);
  });

  it('needs SEND_MESSAGES for one\'s own message and MANAGE_MESSAGES for another\'s; deleting the webhook unfollows', async () => {
    const { news, reader, a, channel, target } = await setup();
    const followed = await ok('POST', `/channels/${channel.id}/followers`, reader, { webhook_channel_id: target.id });
    // The reader (a plain member of A) posts in the announcement channel and may publish their own message …
    const mine = await ok('POST', `/channels/${channel.id}/messages`, reader, { content: 'mine' });
    assert.equal((await ok('POST', `/channels/${channel.id}/messages/${mine.id}/crosspost`, reader)).flags, 1);
    // … but not the owner's, until they have MANAGE_MESSAGES.
    const theirs = await ok('POST', `/channels/${channel.id}/messages`, news, { content: 'theirs' });
    assertError(await t.request('POST', `/channels/${channel.id}/messages/${theirs.id}/crosspost`, { auth: reader }), 403, 50013);
    await giveRole(t, news, a.id, reader, MANAGE_MESSAGES, 'editors');
    // "… or additionally the MANAGE_MESSAGES permission": SEND_MESSAGES too, which an overwrite may take away.
    const denied = await t.request('PUT', `/channels/${channel.id}/permissions/${reader.id}`, { auth: news, body: { type: 1, allow: '0', deny: String(1n << 11n) } });
    assert.equal(denied.status, 204, JSON.stringify(denied.body));
    assertError(await t.request('POST', `/channels/${channel.id}/messages/${theirs.id}/crosspost`, { auth: reader }), 403, 50013);
    assert.equal((await t.request('DELETE', `/channels/${channel.id}/permissions/${reader.id}`, { auth: news })).status, 204);
    assert.equal((await ok('POST', `/channels/${channel.id}/messages/${theirs.id}/crosspost`, reader)).flags, 1);
    const copies = await ok('GET', `/channels/${target.id}/messages?limit=10`, reader);
    assert.deepEqual(copies.map((m: any) => m.content), ['theirs', 'mine', 'Herald #big-news']);
    // A text channel's messages cannot be published.
    const text = await textChannel(a.id, news);
    const plain = await ok('POST', `/channels/${text.id}/messages`, news, { content: 'text' });
    assertError(await t.request('POST', `/channels/${text.id}/messages/${plain.id}/crosspost`, { auth: news }), 400, 50024);

    // Concurrent publishes of one message: exactly one goes through, the others get 40033, one copy is made.
    const racy = await ok('POST', `/channels/${channel.id}/messages`, news, { content: 'racy' });
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => t.request('POST', `/channels/${channel.id}/messages/${racy.id}/crosspost`, { auth: news })));
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 400, 400, 400, 400]);
    for (const r of answers.filter((x) => x.status === 400)) assert.equal(r.body.code, 40033);
    const racyCopies = (await ok('GET', `/channels/${target.id}/messages?limit=20`, reader)).filter((m: any) => m.content === 'racy');
    assert.equal(racyCopies.length, 1);

    // Deleting the follower webhook unfollows: the next publish reaches nobody.
    assert.equal((await t.request('DELETE', `/webhooks/${followed.webhook_id}`, { auth: reader })).status, 204);
    const later = await ok('POST', `/channels/${channel.id}/messages`, news, { content: 'later' });
    assert.equal((await ok('POST', `/channels/${channel.id}/messages/${later.id}/crosspost`, news)).flags, 1);
    const after = await ok('GET', `/channels/${target.id}/messages?limit=10`, reader);
    assert.deepEqual(after.map((m: any) => m.content), ['racy', 'theirs', 'mine', 'Herald #big-news']);
    assert.deepEqual(await ok('GET', `/channels/${target.id}/webhooks`, reader), []);
  });
});

describe('the publish limit', () => {
  it('10 publishes per hour per channel, whoever publishes: the 11th gets 429 with the bucket headers', async () => {
    // Real limits (scale 1); the messages are stored directly, so the send limit does not count.
    const t = await startTestServer({ rateLimitScale: 1 });
    try {
      const owner = await t.register();
      const guild = await t.createGuild(owner, 'Limits');
      const res = await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'news', type: 5 } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const channel = res.body;
      const messages = [];
      for (let i = 0; i < 11; i++) messages.push(await t.store.messages.create(message(channel.id, owner.id, { guildId: guild.id, content: `news ${i}` })));
      for (const m of messages.slice(0, 10)) {
        const published = await t.request('POST', `/channels/${channel.id}/messages/${m.id}/crosspost`, { auth: owner });
        assert.equal(published.status, 200, JSON.stringify(published.body));
      }
      const refused = await t.request('POST', `/channels/${channel.id}/messages/${messages[10]!.id}/crosspost`, { auth: owner });
      assert.equal(refused.status, 429, JSON.stringify(refused.body));
      assert.equal(refused.body.global, false);
      assert.ok(refused.body.retry_after > 3000 && refused.body.retry_after <= 3600, `retry_after ${refused.body.retry_after}`);
      assert.equal(refused.headers.get('x-ratelimit-limit'), '10');
      assert.equal(refused.headers.get('x-ratelimit-remaining'), '0');
      assert.ok(refused.headers.get('x-ratelimit-bucket'));
      // Not published: the flag stays off.
      assert.equal((await t.request('GET', `/channels/${channel.id}/messages/${messages[10]!.id}`, { auth: owner })).body.flags, 0);
      // Another channel has its own hour.
      const other = (await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'more-news', type: 5 } })).body;
      const elsewhere = await t.store.messages.create(message(other.id, owner.id, { guildId: guild.id, content: 'elsewhere' }));
      assert.equal((await t.request('POST', `/channels/${other.id}/messages/${elsewhere.id}/crosspost`, { auth: owner })).status, 200);
    } finally {
      await t.close();
    }
  });
});
