/**
 * Incoming webhooks over real HTTP and the gateway: managing them with a user token (MANAGE_WEBHOOKS, name rules,
 * 15 per channel, moving between channels, WEBHOOKS_UPDATE), managing them with their token, executing them
 * (JSON and multipart, wait, overrides, the author in responses, history and MESSAGE_CREATE), their messages'
 * get / edit / delete, Discord's errors, per-webhook rate limits, and the Slack- and GitHub-compatible routes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { assertError, guildFixture, textChannel, type GuildFixture } from './fixtures.messages.ts';
import { GatewayClient } from './gateway-client.ts';

/** A clock that only moves when told: rate-limit windows stay open for the whole test. */
const stillClock = () => {
  const at = Date.now();
  return () => at;
};

let t: TestServer;
let f: GuildFixture;
let pngDataUri: string;

before(async () => {
  t = await startTestServer();
  f = await guildFixture(t);
  const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#20a060' } }).png().toBuffer();
  pngDataUri = `data:image/png;base64,${png.toString('base64')}`;
});
after(() => t?.close());

async function createWebhook(user: TestUser, channelId: string, body: Record<string, unknown> = { name: 'Captain Hook' }): Promise<any> {
  const res = await t.request('POST', `/channels/${channelId}/webhooks`, { auth: user, body });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** POST to a webhook route without any Authorization, as integrations do. */
function execute(hook: { id: string; token: string }, body: unknown, query = '', suffix = '') {
  return t.request('POST', `/webhooks/${hook.id}/${hook.token}${suffix}${query}`, { body });
}

/** A role with `permissions` given to `user`. */
async function grant(owner: TestUser, guildId: string, user: TestUser, permissions: bigint): Promise<void> {
  const role = await t.request('POST', `/guilds/${guildId}/roles`, { auth: owner, body: { name: 'hooks', permissions: permissions.toString() } });
  assert.equal(role.status, 200, JSON.stringify(role.body));
  const put = await t.request('PUT', `/guilds/${guildId}/members/${user.id}/roles/${role.body.id}`, { auth: owner });
  assert.equal(put.status, 204, JSON.stringify(put.body));
}

function formWith(payload: unknown, files: Array<{ name: string; bytes: Uint8Array }>): FormData {
  const form = new FormData();
  files.forEach((file, i) => form.append(`files[${i}]`, new Blob([Uint8Array.from(file.bytes)]), file.name));
  form.append('payload_json', JSON.stringify(payload));
  return form;
}

async function rawPost(path: string, body: string | FormData, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.api}${path}`, { method: 'POST', headers, body });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers, text };
}

async function history(channelId: string): Promise<any[]> {
  const res = await t.request('GET', `/channels/${channelId}/messages?limit=50`, { auth: f.owner });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

describe('managing webhooks with a user token', () => {
  it('creates one with Discord\'s shape: token, creator, avatar served under /avatars/{webhook_id}/', async () => {
    const hook = await createWebhook(f.owner, f.channel.id, { name: 'Captain Hook', avatar: pngDataUri });
    assert.equal(hook.type, 1);
    assert.equal(hook.name, 'Captain Hook');
    assert.equal(hook.channel_id, f.channel.id);
    assert.equal(hook.guild_id, f.guild.id);
    assert.equal(hook.application_id, null);
    assert.equal(hook.user.id, f.owner.id);
    assert.match(hook.token, /^[A-Za-z0-9_-]{68}$/);
    assert.match(hook.avatar, /^[0-9a-f]{32}$/);
    const avatar = await fetch(`${t.url}/avatars/${hook.id}/${hook.avatar}.png?size=16`);
    assert.equal(avatar.status, 200);
    assert.equal(avatar.headers.get('content-type'), 'image/png');
    const fetched = await t.request('GET', `/webhooks/${hook.id}`, { auth: f.owner });
    assert.deepEqual(fetched.body, hook);
  });

  it('applies Discord\'s name rules', async () => {
    const post = (body: unknown) => t.request('POST', `/channels/${f.channel.id}/webhooks`, { auth: f.owner, body });
    const empty = await post({ name: '' });
    assertError(empty, 400, 50035);
    assert.equal(empty.body.errors.name._errors[0].code, 'BASE_TYPE_BAD_LENGTH');
    assert.deepEqual((await post({ name: 'x'.repeat(81) })).body.errors.name._errors[0], { code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 80 in length.' });
    assert.equal((await post({})).body.errors.name._errors[0].code, 'BASE_TYPE_REQUIRED');
    for (const [name, word] of [['My Discord Bridge', 'discord'], ['CLYDE', 'clyde']]) {
      const res = await post({ name });
      assertError(res, 400, 50035);
      assert.deepEqual(res.body.errors.name._errors, [{ code: 'USERNAME_INVALID_CONTAINS', message: `Username cannot contain "${word}"` }]);
    }
    assert.equal((await post({ name: 'Hook', avatar: 'not an image' })).body.errors.avatar._errors[0].code, 'IMAGE_INVALID');
    assert.equal((await post({ name: 'x'.repeat(80) })).status, 200);
  });

  it('needs MANAGE_WEBHOOKS in the channel; strangers get Missing Access', async () => {
    const hook = await createWebhook(f.owner, f.channel.id);
    for (const [method, path] of [
      ['POST', `/channels/${f.channel.id}/webhooks`], ['GET', `/channels/${f.channel.id}/webhooks`], ['GET', `/guilds/${f.guild.id}/webhooks`],
      ['GET', `/webhooks/${hook.id}`], ['PATCH', `/webhooks/${hook.id}`], ['DELETE', `/webhooks/${hook.id}`],
    ] as const) {
      assertError(await t.request(method, path, { auth: f.member, body: method === 'GET' || method === 'DELETE' ? undefined : { name: 'Mine' } }), 403, 50013);
    }
    assertError(await t.request('GET', `/webhooks/${hook.id}`, { auth: f.stranger }), 403, 50001);
    assertError(await t.request('GET', `/channels/${f.channel.id}/webhooks`, { auth: f.stranger }), 403, 50001);
    assertError(await t.request('GET', `/webhooks/${hook.id}`), 401, 0);
    assertError(await t.request('GET', `/webhooks/123456789012345678`, { auth: f.owner }), 404, 10015);
    assertError(await t.request('GET', `/webhooks/nope`, { auth: f.owner }), 400, 50035);

    // A member given the permission manages them (the token included, as Discord shows it to them).
    const g = await guildFixture(t);
    await grant(g.owner, g.guild.id, g.member, Permissions.MANAGE_WEBHOOKS);
    const theirs = await createWebhook(g.member, g.channel.id, { name: 'Delegated' });
    const listed = await t.request('GET', `/guilds/${g.guild.id}/webhooks`, { auth: g.member });
    assert.deepEqual(listed.body.map((w: any) => [w.id, w.user.id, w.token]), [[theirs.id, g.member.id, theirs.token]]);
  });

  it('lists a channel\'s and a guild\'s webhooks', async () => {
    const g = await guildFixture(t);
    const other = await textChannel(t, g.owner, g.guild.id);
    const a = await createWebhook(g.owner, g.channel.id, { name: 'A' });
    const b = await createWebhook(g.owner, other.id, { name: 'B' });
    const c = await createWebhook(g.owner, g.channel.id, { name: 'C' });
    const inChannel = await t.request('GET', `/channels/${g.channel.id}/webhooks`, { auth: g.owner });
    assert.deepEqual(inChannel.body.map((w: any) => w.name), ['A', 'C']);
    const inGuild = await t.request('GET', `/guilds/${g.guild.id}/webhooks`, { auth: g.owner });
    assert.deepEqual(inGuild.body.map((w: any) => w.id), [a.id, b.id, c.id]);
    assert.ok(inGuild.body.every((w: any) => w.token && w.user.id === g.owner.id));
  });

  it('allows 15 per channel (30007)', async () => {
    const channel = await textChannel(t, f.owner, f.guild.id, { name: 'crowded' });
    for (let i = 0; i < 15; i++) await createWebhook(f.owner, channel.id, { name: `Hook ${i}` });
    assertError(await t.request('POST', `/channels/${channel.id}/webhooks`, { auth: f.owner, body: { name: 'Sixteenth' } }), 400, 30007);
    // Moving one into the full channel is refused the same way.
    const elsewhere = await createWebhook(f.owner, f.channel.id, { name: 'Elsewhere' });
    assertError(await t.request('PATCH', `/webhooks/${elsewhere.id}`, { auth: f.owner, body: { channel_id: channel.id } }), 400, 30007);
  });

  it('renames, changes the avatar and moves within the guild; WEBHOOKS_UPDATE for each change', async () => {
    const other = await textChannel(t, f.owner, f.guild.id, { name: 'moved-to' });
    const from = t.events.length;
    const hook = await createWebhook(f.owner, f.channel.id, { name: 'Mover' });
    await t.waitForEvent('WEBHOOKS_UPDATE', (e) => e.d.channel_id === f.channel.id, from);
    const renamed = await t.request('PATCH', `/webhooks/${hook.id}`, { auth: f.owner, body: { name: 'Moved', avatar: pngDataUri } });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.name, 'Moved');
    assert.match(renamed.body.avatar, /^[0-9a-f]{32}$/);
    const beforeMove = t.events.length;
    const moved = await t.request('PATCH', `/webhooks/${hook.id}`, { auth: f.owner, body: { channel_id: other.id } });
    assert.equal(moved.body.channel_id, other.id);
    const updates = () => t.events.slice(beforeMove).filter((e) => e.t === 'WEBHOOKS_UPDATE').map((e) => e.d.channel_id).sort();
    await waitFor(() => updates().length === 2, { what: 'two WEBHOOKS_UPDATE' });
    assert.deepEqual(updates(), [f.channel.id, other.id].sort());
    const event = t.events.slice(beforeMove).find((e) => e.t === 'WEBHOOKS_UPDATE')!;
    assert.deepEqual(Object.keys(event.d).sort(), ['channel_id', 'guild_id']);
    assert.equal(event.d.guild_id, f.guild.id);

    // Not into another guild's channel.
    const g = await guildFixture(t);
    assertError(await t.request('PATCH', `/webhooks/${hook.id}`, { auth: f.owner, body: { channel_id: g.channel.id } }), 404, 10003);
    // Its messages now go to the new channel.
    const sent = await execute(hook, { content: 'after the move' }, '?wait=true');
    assert.equal(sent.body.channel_id, other.id);

    const beforeDelete = t.events.length;
    assert.equal((await t.request('DELETE', `/webhooks/${hook.id}`, { auth: f.owner })).status, 204);
    await t.waitForEvent('WEBHOOKS_UPDATE', (e) => e.d.channel_id === other.id, beforeDelete);
    assertError(await t.request('GET', `/webhooks/${hook.id}`, { auth: f.owner }), 404, 10015);
  });

  it('delivers WEBHOOKS_UPDATE over the gateway', async () => {
    const c = await GatewayClient.connect(t.url);
    try {
      await c.identify(f.owner.token);
      const hook = await createWebhook(f.owner, f.channel.id, { name: 'Announced' });
      const ev = await c.waitForDispatch('WEBHOOKS_UPDATE');
      assert.deepEqual(ev.d, { guild_id: f.guild.id, channel_id: f.channel.id });
      await t.request('DELETE', `/webhooks/${hook.id}`, { auth: f.owner });
    } finally {
      await c.close();
    }
  });
});

describe('a webhook an application owns', () => {
  it('its bot reads it without MANAGE_WEBHOOKS (Get Webhook: "unless the application making the request owns the webhook")', async () => {
    const g = await guildFixture(t);
    const app = await t.request('POST', '/applications', { auth: g.owner, body: { name: 'Hook Owner' } });
    const reset = await t.request('POST', `/applications/${app.body.id}/bot/reset`, { auth: g.owner });
    const bot: TestUser = { id: app.body.bot.id, token: reset.body.token, username: app.body.bot.username, auth: `Bot ${reset.body.token}` } as TestUser;
    const added = await t.request('POST', `/oauth2/authorize?client_id=${app.body.id}&scope=bot`, { auth: g.owner, body: { guild_id: g.guild.id, permissions: String(Permissions.MANAGE_WEBHOOKS | Permissions.VIEW_CHANNEL), authorize: true } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const hook = await createWebhook(bot, g.channel.id, { name: 'Owned' });
    assert.equal(hook.application_id, app.body.id);
    // The bot's role loses MANAGE_WEBHOOKS: it still reads its own webhook; a member without it does not.
    const managed = (await t.store.roles.listByGuild(g.guild.id)).find((r) => r.managed)!;
    assert.equal((await t.request('PATCH', `/guilds/${g.guild.id}/roles/${managed.id}`, { auth: g.owner, body: { permissions: String(Permissions.VIEW_CHANNEL) } })).status, 200);
    const read = await t.request('GET', `/webhooks/${hook.id}`, { auth: bot });
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal(read.body.id, hook.id);
    assertError(await t.request('PATCH', `/webhooks/${hook.id}`, { auth: bot, body: { name: 'x' } }), 403, 50013);
    assertError(await t.request('GET', `/webhooks/${hook.id}`, { auth: g.member }), 403, 50013);
  });
});

describe('managing a webhook with its token', () => {
  it('gets it without `user`; a wrong token is 401 50027, an unknown id 404 10015', async () => {
    const hook = await createWebhook(f.owner, f.channel.id, { name: 'Tokened' });
    const got = await t.request('GET', `/webhooks/${hook.id}/${hook.token}`);
    assert.equal(got.status, 200);
    const { user: _creator, ...withoutUser } = hook;
    assert.deepEqual(got.body, withoutUser);
    assert.equal('user' in got.body, false);
    // The last character changed (to another one: a token may end in any of them).
    const wrong = await t.request('GET', `/webhooks/${hook.id}/${hook.token.slice(0, -1)}${hook.token.endsWith('x') ? 'y' : 'x'}`);
    assertError(wrong, 401, 50027);
    assert.equal(wrong.body.message, 'Invalid Webhook Token');
    assertError(await t.request('GET', `/webhooks/${hook.id}/short`), 401, 50027);
    assertError(await t.request('GET', `/webhooks/123456789012345678/${hook.token}`), 404, 10015);
    assertError(await execute({ id: hook.id, token: 'wrong' }, { content: 'x' }), 401, 50027);
  });

  it('modifies name and avatar (channel_id is not taken here) and deletes it', async () => {
    const hook = await createWebhook(f.owner, f.channel.id, { name: 'Before' });
    const other = await textChannel(t, f.owner, f.guild.id, { name: 'not-here' });
    const res = await t.request('PATCH', `/webhooks/${hook.id}/${hook.token}`, { body: { name: 'After', avatar: pngDataUri, channel_id: other.id } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.name, 'After');
    assert.equal(res.body.channel_id, f.channel.id);
    assert.match(res.body.avatar, /^[0-9a-f]{32}$/);
    assert.equal('user' in res.body, false);
    assertError(await t.request('PATCH', `/webhooks/${hook.id}/${hook.token}`, { body: { name: 'discord' } }), 400, 50035);
    assert.equal((await t.request('DELETE', `/webhooks/${hook.id}/${hook.token}`)).status, 204);
    assertError(await t.request('GET', `/webhooks/${hook.id}/${hook.token}`), 404, 10015);
  });
});

describe('executing a webhook', () => {
  let hook: any;
  before(async () => {
    hook = await createWebhook(f.owner, f.channel.id, { name: 'Executor', avatar: pngDataUri });
  });

  it('wait=true answers the message, authored by the webhook; without wait 204 and the message is in history', async () => {
    const res = await execute(hook, { content: 'hello from a hook' }, '?wait=true');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const m = res.body;
    assert.equal(m.content, 'hello from a hook');
    assert.equal(m.webhook_id, hook.id);
    assert.equal(m.channel_id, f.channel.id);
    assert.deepEqual(m.author, { id: hook.id, username: 'Executor', avatar: hook.avatar, discriminator: '0000', public_flags: 0, flags: 0, bot: true, global_name: null });
    assert.equal('member' in m, false);
    assert.equal('application_id' in m, false);

    const quiet = await execute(hook, { content: 'no wait' });
    assert.equal(quiet.status, 204);
    assert.equal(quiet.body, undefined);
    const listed = (await history(f.channel.id)).find((x) => x.content === 'no wait');
    assert.ok(listed);
    assert.equal(listed.author.id, hook.id);
    assert.equal(listed.webhook_id, hook.id);
    const one = await t.request('GET', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.member });
    assert.deepEqual(one.body.author, m.author);
  });

  it('username and avatar_url override the author in the response, the history and MESSAGE_CREATE', async () => {
    const c = await GatewayClient.connect(t.url);
    try {
      await c.identify(f.member.token);
      const res = await execute(hook, { content: 'in disguise', username: 'Somebody Else', avatar_url: 'https://example.test/face.png' }, '?wait=true');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.author.username, 'Somebody Else');
      assert.equal(res.body.author.avatar, null);
      assert.equal(res.body.author.id, hook.id);
      const ev = await c.waitForDispatch('MESSAGE_CREATE', (d) => d.id === res.body.id);
      assert.equal(ev.d.webhook_id, hook.id);
      assert.equal(ev.d.guild_id, f.guild.id);
      assert.deepEqual(ev.d.author, res.body.author);
      assert.equal('member' in ev.d, false);

      // The override belongs to that message: the next one shows the webhook again; a rename changes neither.
      const plain = await execute(hook, { content: 'myself' }, '?wait=true');
      assert.equal(plain.body.author.username, 'Executor');
      await t.request('PATCH', `/webhooks/${hook.id}`, { auth: f.owner, body: { name: 'Renamed Later' } });
      const again = await t.request('GET', `/channels/${f.channel.id}/messages/${res.body.id}`, { auth: f.owner });
      assert.equal(again.body.author.username, 'Somebody Else');
      assert.equal((await t.request('GET', `/channels/${f.channel.id}/messages/${plain.body.id}`, { auth: f.owner })).body.author.username, 'Executor');
      await t.request('PATCH', `/webhooks/${hook.id}`, { auth: f.owner, body: { name: 'Executor' } });
    } finally {
      await c.close();
    }
  });

  it('takes multipart bodies with files', async () => {
    const bytes = new TextEncoder().encode('a log file\n');
    const res = await rawPost(`/webhooks/${hook.id}/${hook.token}?wait=true`, formWith({ content: 'with a file', username: 'Uploader' }, [{ name: 'build.log', bytes }]));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.author.username, 'Uploader');
    assert.equal(res.body.attachments.length, 1);
    const [a] = res.body.attachments;
    assert.equal(a.filename, 'build.log');
    assert.equal(a.size, bytes.length);
    const file = await fetch(a.url);
    assert.equal(file.status, 200);
    assert.equal(await file.text(), 'a log file\n');
  });

  it('embeds, mentions, flags and tts', async () => {
    const res = await execute(hook, {
      content: `@everyone look <@${f.member.id}>`, tts: true, flags: (1 << 12) | (1 << 1), embeds: [{ title: 'Build passed', color: 0x00ff00 }],
    }, '?wait=true');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.mention_everyone, true);
    assert.deepEqual(res.body.mentions.map((u: any) => u.id), [f.member.id]);
    assert.equal(res.body.flags, 1 << 12);
    assert.equal(res.body.tts, true);
    assert.deepEqual(res.body.embeds, [{ type: 'rich', title: 'Build passed', color: 0x00ff00 }]);
    const narrowed = await execute(hook, { content: '@everyone quiet', allowed_mentions: { parse: [] } }, '?wait=true');
    assert.equal(narrowed.body.mention_everyone, false);
    // Components are for application-owned webhooks only.
    const withComponents = await execute(hook, { content: 'buttons?', components: [{ type: 1, components: [{ type: 2, style: 5, label: 'x', url: 'https://example.test' }] }] }, '?wait=true');
    assert.deepEqual(withComponents.body.components, []);
  });

  it('answers Discord\'s errors', async () => {
    assertError(await execute(hook, {}, '?wait=true'), 400, 50006);
    assertError(await execute(hook, { content: 'x' }, '?thread_id=123456789012345678'), 404, 10003);
    assertError(await execute(hook, { content: 'x', thread_name: 'new post' }), 400, 220003);
    const badName = await execute(hook, { content: 'x', username: 'discord bot' });
    assertError(badName, 400, 50035);
    assert.equal(badName.body.errors.username._errors[0].code, 'USERNAME_INVALID_CONTAINS');
    const badUrl = await execute(hook, { content: 'x', avatar_url: 'ftp://example.test/a.png' });
    assertError(badUrl, 400, 50035);
    assert.equal(badUrl.body.errors.avatar_url._errors[0].code, 'URL_TYPE_INVALID_URL');
    assertError(await execute(hook, { content: 'x'.repeat(2001) }), 400, 50035);
    assertError(await execute({ id: '123456789012345678', token: hook.token }, { content: 'x' }), 404, 10015);
  });
});

describe("a webhook's messages", () => {
  it('gets, edits (content and files) and deletes them by token, with MESSAGE_UPDATE and MESSAGE_DELETE', async () => {
    const hook = await createWebhook(f.owner, f.channel.id, { name: 'Editor' });
    const sent = (await execute(hook, { content: 'first draft', username: 'Draftsman' }, '?wait=true')).body;
    const base = `/webhooks/${hook.id}/${hook.token}/messages/${sent.id}`;
    const got = await t.request('GET', base);
    assert.equal(got.status, 200);
    assert.equal(got.body.content, 'first draft');

    const from = t.events.length;
    const edited = await t.request('PATCH', base, { body: { content: 'final', embeds: [{ description: 'details' }] } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.content, 'final');
    assert.ok(edited.body.edited_timestamp);
    assert.equal(edited.body.author.username, 'Draftsman', 'the author stays as sent');
    const update = await t.waitForEvent('MESSAGE_UPDATE', (e) => e.d.id === sent.id, from);
    assert.equal(update.d.content, 'final');
    assert.equal(update.d.webhook_id, hook.id);

    const form = formWith({ attachments: [{ id: 0, description: 'added later' }] }, [{ name: 'late.txt', bytes: new TextEncoder().encode('late') }]);
    const res = await fetch(`${t.api}${base}`, { method: 'PATCH', body: form });
    assert.equal(res.status, 200);
    const withFile = await res.json();
    assert.equal(withFile.attachments[0].filename, 'late.txt');
    assert.equal(withFile.attachments[0].description, 'added later');

    // Another webhook's message, or a user's, is not this webhook's to touch.
    const other = await createWebhook(f.owner, f.channel.id, { name: 'Other' });
    assertError(await t.request('GET', `/webhooks/${other.id}/${other.token}/messages/${sent.id}`), 404, 10008);
    const userMessage = (await t.request('POST', `/channels/${f.channel.id}/messages`, { auth: f.owner, body: { content: 'mine' } })).body;
    assertError(await t.request('PATCH', `/webhooks/${hook.id}/${hook.token}/messages/${userMessage.id}`, { body: { content: 'hijack' } }), 404, 10008);
    assertError(await t.request('GET', `${base}?thread_id=123456789012345678`), 404, 10003);
    assertError(await t.request('GET', `/webhooks/${hook.id}/bad-token/messages/${sent.id}`), 401, 50027);

    const beforeDelete = t.events.length;
    assert.equal((await t.request('DELETE', base)).status, 204);
    await t.waitForEvent('MESSAGE_DELETE', (e) => e.d.id === sent.id, beforeDelete);
    assertError(await t.request('GET', base), 404, 10008);
  });

  it('a user cannot edit a webhook\'s message; a moderator may delete it', async () => {
    const hook = await createWebhook(f.owner, f.channel.id, { name: 'Moderated' });
    const sent = (await execute(hook, { content: 'spam' }, '?wait=true')).body;
    assertError(await t.request('PATCH', `/channels/${f.channel.id}/messages/${sent.id}`, { auth: f.owner, body: { content: 'edited' } }), 403, 50005);
    assertError(await t.request('DELETE', `/channels/${f.channel.id}/messages/${sent.id}`, { auth: f.member }), 403, 50013);
    assert.equal((await t.request('DELETE', `/channels/${f.channel.id}/messages/${sent.id}`, { auth: f.owner })).status, 204);
  });
});

describe('Slack-compatible execute', () => {
  it('maps text, username, icon_url and attachments; answers `ok`', async () => {
    const hook = await createWebhook(f.owner, f.channel.id, { name: 'Slacker' });
    const res = await rawPost(`/webhooks/${hook.id}/${hook.token}/slack`, JSON.stringify({
      text: 'Deploy <https://example.test/run/1|run 1> finished &amp; <!here>',
      username: 'CI',
      icon_url: 'https://example.test/ci.png',
      attachments: [{
        color: 'good', pretext: 'Summary', author_name: 'deploy-bot', author_link: 'https://example.test/bot', title: 'Production', title_link: 'https://example.test/prod',
        text: 'All *green*', fields: [{ title: 'Version', value: '1.2.3', short: true }, { title: '', value: 'no title' }], footer: 'ci', ts: 1700000000,
        image_url: 'https://example.test/graph.png',
      }, { color: '#F0F', fallback: 'just a fallback' }],
    }), { 'content-type': 'application/json' });
    assert.equal(res.status, 200);
    assert.equal(res.text, 'ok');
    const m = (await history(f.channel.id)).find((x) => x.author.id === hook.id);
    assert.ok(m);
    assert.equal(m.content, 'Deploy [run 1](https://example.test/run/1) finished & @here\nSummary');
    assert.equal(m.author.username, 'CI');
    assert.equal(m.author.avatar, null);
    assert.equal(m.mention_everyone, true);
    assert.deepEqual(m.embeds[0], {
      type: 'rich', color: 0x2eb886, author: { name: 'deploy-bot', url: 'https://example.test/bot' }, title: 'Production', url: 'https://example.test/prod',
      description: 'All *green*', fields: [{ name: 'Version', value: '1.2.3', inline: true }, { name: '\u200b', value: 'no title', inline: false }],
      image: { url: 'https://example.test/graph.png' }, footer: { text: 'ci' }, timestamp: '2023-11-14T22:13:20.000Z',
    });
    assert.deepEqual(m.embeds[1], { type: 'rich', color: 0xff00ff, description: 'just a fallback' });
  });

  it('takes a curl-style form post with a `payload` field; errors only with wait', async () => {
    const hook = await createWebhook(f.owner, f.channel.id, { name: 'Curl' });
    // What `curl -X POST --data-urlencode 'payload={"text": "..."}' URL` sends.
    const form = `payload=${encodeURIComponent(JSON.stringify({ text: 'from curl' }))}`;
    const res = await rawPost(`/webhooks/${hook.id}/${hook.token}/slack`, form, { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, 'ok');
    assert.ok((await history(f.channel.id)).some((x) => x.content === 'from curl' && x.webhook_id === hook.id));
    // An empty message is refused (wait defaults to true); with wait=false Slack's "ok" comes back anyway.
    assertError(await execute(hook, { text: '' }, '', '/slack'), 400, 50006);
    const quiet = await rawPost(`/webhooks/${hook.id}/${hook.token}/slack?wait=false`, JSON.stringify({ text: '' }), { 'content-type': 'application/json' });
    assert.equal(quiet.status, 200);
    assert.equal(quiet.text, 'ok');
    assertError(await execute({ id: hook.id, token: 'nope' }, { text: 'x' }, '', '/slack'), 401, 50027);
  });

  it('thread_id sends into a thread of the channel; in a forum only with one (220004 without); names are trimmed', async () => {
    const forum = await t.request('POST', `/guilds/${f.guild.id}/channels`, { auth: f.owner, body: { name: 'hook-forum', type: 15 } });
    assert.equal(forum.status, 201, JSON.stringify(forum.body));
    const hook = await createWebhook(f.owner, forum.body.id, { name: '  Forum Relay  ' });
    assert.equal(hook.name, 'Forum Relay');
    assertError(await execute(hook, { content: 'x' }, '', '/slack'), 400, 220004);
    assertError(await execute(hook, { zen: 'x' }, '', '/github'), 400, 220004);
    const post = await execute(hook, { content: 'first post', thread_name: 'Relay post' }, '?wait=true');
    assert.equal(post.status, 200, JSON.stringify(post.body));
    const threadId = post.body.channel_id;
    const res = await rawPost(`/webhooks/${hook.id}/${hook.token}/slack?thread_id=${threadId}`, JSON.stringify({ text: 'into the post' }), { 'content-type': 'application/json' });
    assert.equal(res.status, 200, res.text);
    assert.ok((await history(threadId)).some((m) => m.content === 'into the post' && m.webhook_id === hook.id));
    assertError(await execute(hook, { text: 'x' }, `?thread_id=${f.channel.id}`, '/slack'), 404, 10003);
    const blank = await t.request('POST', `/channels/${f.channel.id}/webhooks`, { auth: f.owner, body: { name: '   ' } });
    assertError(blank, 400, 50035);
  });
});

describe('GitHub-compatible execute', () => {
  const sender = { login: 'octocat', avatar_url: 'https://avatars.example.test/u/1', html_url: 'https://github.example.test/octocat' };
  const repository = { name: 'hello', full_name: 'octocat/hello', html_url: 'https://github.example.test/octocat/hello' };
  let hook: any;
  before(async () => {
    hook = await createWebhook(f.owner, f.channel.id, { name: 'GitHub' });
  });
  const deliver = (event: string, payload: unknown) =>
    rawPost(`/webhooks/${hook.id}/${hook.token}/github`, JSON.stringify(payload), { 'content-type': 'application/json', 'x-github-event': event, 'user-agent': 'GitHub-Hookshot/abc' });
  const latest = async () => (await history(f.channel.id)).find((x) => x.author.id === hook.id);

  it('ping answers 204 and posts nothing', async () => {
    const res = await deliver('ping', { zen: 'Keep it logically awesome.', hook_id: 1, sender, repository });
    assert.equal(res.status, 204);
    assert.equal(await latest(), undefined);
  });

  it('push becomes `[repo:branch] N new commits` by the sender, a line per commit', async () => {
    const res = await deliver('push', {
      ref: 'refs/heads/main', compare: 'https://github.example.test/octocat/hello/compare/a...b', repository, sender,
      commits: [
        { id: '0123456789abcdef', url: 'https://github.example.test/octocat/hello/commit/0123456', message: 'Fix the thing\n\nLong body', author: { name: 'Octo Cat', username: 'octocat' } },
        { id: 'fedcba9876543210', url: 'https://github.example.test/octocat/hello/commit/fedcba9', message: 'A commit message well beyond fifty characters in length', author: { name: 'Mona' } },
      ],
    });
    assert.equal(res.status, 204, res.text);
    const m = await latest();
    assert.equal(m.content, '');
    assert.deepEqual(m.embeds, [{
      type: 'rich', title: '[hello:main] 2 new commits', color: 0x7289da, url: 'https://github.example.test/octocat/hello/compare/a...b',
      author: { name: 'octocat', icon_url: sender.avatar_url, url: sender.html_url },
      description: '[`0123456`](https://github.example.test/octocat/hello/commit/0123456) Fix the thing - octocat\n'
        + '[`fedcba9`](https://github.example.test/octocat/hello/commit/fedcba9) A commit message well beyond fifty characters i... - Mona',
    }]);
  });

  it('issues and pull requests, opened and merged', async () => {
    await deliver('issues', { action: 'opened', issue: { number: 7, title: 'It broke', body: 'Steps to reproduce', html_url: 'https://github.example.test/octocat/hello/issues/7' }, repository, sender });
    let m = await latest();
    assert.equal(m.embeds[0].title, '[octocat/hello] Issue opened: #7 It broke');
    assert.equal(m.embeds[0].description, 'Steps to reproduce');
    assert.equal(m.embeds[0].url, 'https://github.example.test/octocat/hello/issues/7');
    assert.equal(m.embeds[0].color, 0xeb6420);

    await deliver('pull_request', { action: 'opened', number: 8, pull_request: { number: 8, title: 'Fix it', body: 'Fixes #7', html_url: 'https://github.example.test/octocat/hello/pull/8' }, repository, sender });
    m = await latest();
    assert.equal(m.embeds[0].title, '[octocat/hello] Pull request opened: #8 Fix it');
    assert.equal(m.embeds[0].color, 0x009800);
    await deliver('pull_request', { action: 'closed', number: 8, pull_request: { number: 8, title: 'Fix it', merged: true, html_url: 'https://github.example.test/octocat/hello/pull/8' }, repository, sender });
    assert.equal((await latest()).embeds[0].title, '[octocat/hello] Pull request merged: #8 Fix it');

    // Actions and events without a mapping post nothing.
    const count = (await history(f.channel.id)).filter((x) => x.author.id === hook.id).length;
    assert.equal((await deliver('issues', { action: 'labeled', issue: { number: 7 }, repository, sender })).status, 204);
    assert.equal((await deliver('gollum', { pages: [], repository, sender })).status, 204);
    assert.equal((await history(f.channel.id)).filter((x) => x.author.id === hook.id).length, count);
  });

  it('takes GitHub\'s form encoding too', async () => {
    const payload = { action: 'started', repository, sender };
    const res = await rawPost(`/webhooks/${hook.id}/${hook.token}/github`, `payload=${encodeURIComponent(JSON.stringify(payload))}`, {
      'content-type': 'application/x-www-form-urlencoded', 'x-github-event': 'watch',
    });
    assert.equal(res.status, 204, res.text);
    assert.equal((await latest()).embeds[0].title, '[octocat/hello] New star added');
  });
});

describe('per-webhook rate limits', () => {
  it("sending is limited to 5 per 2 s per webhook, with Discord's headers", async () => {
    const s = await startTestServer({ rateLimitScale: 1 }, { now: stillClock() });
    try {
      const owner = await s.register();
      const guild = await s.createGuild(owner);
      const channel = (await s.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
      const make = async (name: string) => (await s.request('POST', `/channels/${channel.id}/webhooks`, { auth: owner, body: { name } })).body;
      const [one, two] = [await make('One'), await make('Two')];
      const send = (h: any) => s.request('POST', `/webhooks/${h.id}/${h.token}`, { body: { content: 'tick' } });
      const buckets = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const res = await send(one);
        assert.equal(res.status, 204);
        assert.equal(res.headers.get('x-ratelimit-limit'), '5');
        assert.equal(res.headers.get('x-ratelimit-remaining'), String(4 - i));
        assert.equal(res.headers.get('x-ratelimit-reset-after'), '2.000');
        buckets.add(res.headers.get('x-ratelimit-bucket')!);
      }
      const limited = await send(one);
      assert.equal(limited.status, 429);
      assert.equal(limited.body.global, false);
      assert.ok(limited.body.retry_after > 0);
      assert.ok(limited.headers.get('retry-after'));
      // The Slack and GitHub routes share the webhook's bucket.
      assert.equal((await s.request('POST', `/webhooks/${one.id}/${one.token}/slack`, { body: { text: 'x' } })).status, 429);
      // Another webhook has its own window, in the same named bucket.
      const other = await send(two);
      assert.equal(other.status, 204);
      assert.equal(other.headers.get('x-ratelimit-remaining'), '4');
      assert.deepEqual(buckets, new Set([other.headers.get('x-ratelimit-bucket')]));
      // Managing a webhook is another bucket.
      const got = await s.request('GET', `/webhooks/${one.id}/${one.token}`);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('x-ratelimit-limit'), '5');
      assert.notEqual(got.headers.get('x-ratelimit-bucket'), other.headers.get('x-ratelimit-bucket'));
    } finally {
      await s.close();
    }
  });
});
