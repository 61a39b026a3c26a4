/**
 * Message search over HTTP: Search Guild Messages and its channel variant, as Discord shapes them. The first
 * search of a guild (or DM) answers 202 / 110000 while the search role indexes its history; then results come
 * rendered as history renders them, each wrapped in an array. Live writes (send, edit, delete, pin) reach the
 * index through the search.index queue. Only channels the caller may read (VIEW_CHANNEL and
 * READ_MESSAGE_HISTORY, at query time) are searched; age-restricted ones only with include_nsfw.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { addMember, makeBot } from './fixtures.guilds.ts';
import { assertError, guildFixture, overwrite, send, textChannel, type GuildFixture } from './fixtures.messages.ts';

let t: TestServer;
let f: GuildFixture;
/** Sent before the guild was ever searched: found only through the backfill. */
const history: any[] = [];

before(async () => {
  t = await startTestServer();
  f = await guildFixture(t);
  for (let i = 0; i < 30; i++) history.push(await send(t, f.member, f.channel.id, `archived note number${i} zebra`));
});
after(() => t.close());

const query = (params: Record<string, string | string[] | number | boolean>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of Array.isArray(v) ? v : [v]) q.append(k, String(one));
  return q.toString();
};

const guildSearch = (user: TestUser, params: Record<string, string | string[] | number | boolean> = {}) =>
  t.request('GET', `/guilds/${f.guild.id}/messages/search?${query(params)}`, { auth: user });

/** Searches until the index answers (not 202) and `check` holds. */
async function searchUntil(path: string, user: TestUser, check: (body: any) => boolean = () => true): Promise<any> {
  return waitFor(async () => {
    const res = await t.request('GET', path, { auth: user });
    if (res.status === 202) return null;
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return check(res.body) ? res.body : null;
  }, { timeoutMs: 15_000, intervalMs: 50, what: `search ${path}` });
}

const ids = (body: any) => body.messages.map((hit: any[]) => hit[0].id);

describe('search: indexing', () => {
  test('the first search answers 202 / 110000 while history is indexed, then the results', async () => {
    const first = await guildSearch(f.member, { content: 'zebra' });
    assert.equal(first.status, 202, JSON.stringify(first.body));
    assert.equal(first.body.code, 110000);
    assert.equal(first.body.message, 'Index not yet available. Try again later');
    assert.equal(typeof first.body.documents_indexed, 'number');
    assert.equal(first.body.retry_after, 2);

    const body = await searchUntil(`/guilds/${f.guild.id}/messages/search?content=zebra`, f.member);
    assert.equal(body.total_results, 30);
    assert.equal(body.messages.length, 25, 'default limit 25');
    // Newest first by default.
    assert.deepEqual(ids(body), history.slice(-25).reverse().map((m) => m.id));
    const hit = body.messages[0];
    assert.ok(Array.isArray(hit) && hit.length === 1, 'each hit is wrapped in an array');
    assert.equal(hit[0].hit, true);
    assert.equal(hit[0].content, history[29].content);
    assert.equal(hit[0].author.id, f.member.id);
    assert.equal(hit[0].channel_id, f.channel.id);
    assert.equal('reactions' in hit[0], false, 'search results leave reactions out');
    assert.deepEqual(body.threads, []);
    assert.deepEqual(body.members, []);
    assert.equal(typeof body.analytics_id, 'string');
    assert.equal(body.doing_deep_historical_index, false);
  });

  test('live messages, edits, deletes and pins reach the index', async () => {
    await searchUntil(`/guilds/${f.guild.id}/messages/search?content=zebra`, f.member);
    const m = await send(t, f.member, f.channel.id, 'freshly minted platypus');
    const path = (content: string) => `/guilds/${f.guild.id}/messages/search?content=${content}`;
    await searchUntil(path('platypus'), f.member, (b) => ids(b).includes(m.id));

    const edited = await t.request('PATCH', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.member, body: { content: 'renamed to wombat' } });
    assert.equal(edited.status, 200);
    const found = await searchUntil(path('wombat'), f.member, (b) => ids(b).includes(m.id));
    assert.equal(found.messages[0][0].content, 'renamed to wombat');
    assert.equal((await guildSearch(f.member, { content: 'platypus' })).body.total_results, 0);

    assert.equal((await t.request('PUT', `/channels/${f.channel.id}/pins/${m.id}`, { auth: f.owner })).status, 204);
    await searchUntil(`${path('wombat')}&pinned=true`, f.member, (b) => ids(b).includes(m.id));
    assert.equal((await t.request('DELETE', `/channels/${f.channel.id}/pins/${m.id}`, { auth: f.owner })).status, 204);
    await searchUntil(`${path('wombat')}&pinned=false`, f.member, (b) => ids(b).includes(m.id));

    assert.equal((await t.request('DELETE', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.member })).status, 204);
    await searchUntil(path('wombat'), f.member, (b) => b.total_results === 0);

    const a = await send(t, f.member, f.channel.id, 'bulk kangaroo one');
    const b = await send(t, f.member, f.channel.id, 'bulk kangaroo two');
    await searchUntil(path('kangaroo'), f.member, (r) => r.total_results === 2);
    assert.equal((await t.request('POST', `/channels/${f.channel.id}/messages/bulk-delete`, { auth: f.owner, body: { messages: [a.id, b.id] } })).status, 204);
    await searchUntil(path('kangaroo'), f.member, (r) => r.total_results === 0);
  });
});

describe('search: filters', () => {
  let other: any;
  const sent: Record<string, any> = {};
  let bot: TestUser;

  before(async () => {
    await searchUntil(`/guilds/${f.guild.id}/messages/search`, f.member);
    other = await textChannel(t, f.owner, f.guild.id, { name: 'filters' });
    ({ bot } = await makeBot(t, f.owner, 'Search Bot'));
    await addMember(t, f.guild.id, bot);
    sent.plain = await send(t, f.member, other.id, 'quokka plain words');
    sent.mention = await send(t, f.owner, other.id, `quokka hello <@${f.member.id}>`);
    sent.everyone = await send(t, f.owner, other.id, 'quokka @everyone listen');
    sent.link = await send(t, f.member, other.id, 'quokka see https://example.test/page');
    sent.embed = await send(t, f.member, other.id, { content: 'quokka', embeds: [{ title: 'Quarterly numbers', description: 'margin report' }] });
    sent.bot = await send(t, bot, other.id, 'quokka beep');
    const hook = await t.request('POST', `/channels/${other.id}/webhooks`, { auth: f.owner, body: { name: 'Hooky' } });
    assert.equal(hook.status, 200, JSON.stringify(hook.body));
    const viaHook = await t.request('POST', `/webhooks/${hook.body.id}/${hook.body.token}?wait=true`, { body: { content: 'quokka from a hook' } });
    assert.equal(viaHook.status, 200, JSON.stringify(viaHook.body));
    sent.webhook = viaHook.body;
    await searchUntil(`/guilds/${f.guild.id}/messages/search?content=quokka`, f.member, (b) => b.total_results === 7);
  });

  const search = async (params: Record<string, string | string[] | number | boolean>) => {
    const res = await guildSearch(f.member, { content: 'quokka', ...params });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const same = (a: string[], b: any[]) => assert.deepEqual([...a].sort(), b.map((m) => m.id).sort());

  test('author_id, author_type (also negated), mentions, mention_everyone', async () => {
    same(ids(await search({ author_id: f.owner.id })), [sent.mention, sent.everyone]);
    same(ids(await search({ author_id: [f.owner.id, bot.id] })), [sent.mention, sent.everyone, sent.bot]);
    same(ids(await search({ author_type: 'bot' })), [sent.bot]);
    same(ids(await search({ author_type: 'webhook' })), [sent.webhook]);
    same(ids(await search({ author_type: '-user' })), [sent.bot, sent.webhook]);
    same(ids(await search({ author_type: ['user', '-user'] })), []);
    same(ids(await search({ mentions: f.member.id })), [sent.mention]);
    same(ids(await search({ mention_everyone: true })), [sent.everyone]);
  });

  test('has, embed text, channel_id, min_id / max_id, pinned', async () => {
    same(ids(await search({ has: 'link' })), [sent.link]);
    same(ids(await search({ has: 'embed' })), [sent.embed]);
    same(ids(await search({ has: ['embed', 'link'] })), []);
    // Negated values, as Discord's `has=-link`: messages with none of them.
    same(ids(await search({ has: '-link' })), [sent.plain, sent.mention, sent.everyone, sent.embed, sent.bot, sent.webhook]);
    same(ids(await search({ has: ['-link', '-embed'] })), [sent.plain, sent.mention, sent.everyone, sent.bot, sent.webhook]);
    same(ids(await search({ has: ['embed', '-link'] })), [sent.embed]);
    same(ids(await search({ has: ['link', '-link'] })), []);
    same(ids(await guildSearch(f.member, { content: 'quarterly' }).then((r) => r.body)), [sent.embed]);
    assert.equal((await search({ channel_id: f.channel.id })).total_results, 0);
    assert.equal((await search({ channel_id: [f.channel.id, other.id] })).total_results, 7);
    same(ids(await search({ min_id: sent.everyone.id, max_id: sent.embed.id })), [sent.link]);
    assert.equal((await search({ pinned: true })).total_results, 0);
  });

  test('sort_order, offset and limit page the results', async () => {
    const order = [sent.plain, sent.mention, sent.everyone, sent.link, sent.embed, sent.bot, sent.webhook].map((m) => m.id);
    assert.deepEqual(ids(await search({ sort_order: 'asc', limit: 3 })), order.slice(0, 3));
    const page = await search({ sort_order: 'asc', limit: 3, offset: 3 });
    assert.deepEqual(ids(page), order.slice(3, 6));
    assert.equal(page.total_results, 7);
    assert.deepEqual(ids(await search({ limit: 2 })), order.slice(-2).reverse());
    const relevance = await search({ sort_by: 'relevance' });
    same(ids(relevance), Object.values(sent));
  });

  test('bad values answer 50035 with an error per field', async () => {
    for (const [params, field] of [
      [{ limit: 26 }, 'limit'], [{ limit: 0 }, 'limit'], [{ limit: 'abc' }, 'limit'], [{ offset: 9976 }, 'offset'],
      [{ sort_by: 'newest' }, 'sort_by'], [{ sort_order: 'up' }, 'sort_order'], [{ author_id: 'abc' }, 'author_id'],
      [{ has: 'gif' }, 'has'], [{ has: '-gif' }, 'has'], [{ author_type: 'robot' }, 'author_type'], [{ content: 'x'.repeat(1025) }, 'content'],
      [{ min_id: 'soon' }, 'min_id'], [{ pinned: 'maybe' }, 'pinned'],
      [{ mentions_role_id: 'abc' }, 'mentions_role_id'], [{ replied_to_user_id: 'x' }, 'replied_to_user_id'],
      [{ replied_to_message_id: '-1' }, 'replied_to_message_id'], [{ embed_type: 'gifv' }, 'embed_type'], [{ embed_type: 'rich' }, 'embed_type'],
      [{ link_hostname: 'h'.repeat(257) }, 'link_hostname'], [{ link_hostname: Array.from({ length: 101 }, (_, i) => `h${i}.test`) }, 'link_hostname'],
      [{ embed_provider: 'p'.repeat(257) }, 'embed_provider'], [{ attachment_filename: 'f'.repeat(1025) }, 'attachment_filename'],
      [{ attachment_extension: 'e'.repeat(257) }, 'attachment_extension'], [{ mentions_role_id: Array.from({ length: 101 }, (_, i) => String(1000 + i)) }, 'mentions_role_id'],
    ] as const) {
      const res = await guildSearch(f.member, params as Record<string, string | string[] | number>);
      assertError(res, 400, 50035);
      assert.ok(res.body.errors?.[field], `${JSON.stringify(params)}: ${JSON.stringify(res.body)}`);
    }
    const ok = await guildSearch(f.member, { content: 'quokka', offset: 9975, limit: 25 });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.messages, []);
  });
});

describe('search: the rarer filters', () => {
  const sent: Record<string, any> = {};
  let room: any;
  let role: any;

  before(async () => {
    await searchUntil(`/guilds/${f.guild.id}/messages/search`, f.member);
    room = await textChannel(t, f.owner, f.guild.id, { name: 'rare-filters' });
    const created = await t.request('POST', `/guilds/${f.guild.id}/roles`, { auth: f.owner, body: { name: 'Wombats', mentionable: true } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    role = created.body;
    sent.role = await send(t, f.owner, room.id, `tapir calling <@&${role.id}>`);
    sent.reply = await send(t, f.member, room.id, { content: 'tapir answer', message_reference: { message_id: sent.role.id } });
    sent.link = await send(t, f.member, room.id, 'tapir at https://Docs.Example.test/page and https://other.test/x');
    sent.image = await send(t, f.member, room.id, { content: 'tapir', embeds: [{ title: 'Pic', image: { url: 'https://img.example.test/a.png' } }] });
    await searchUntil(`/guilds/${f.guild.id}/messages/search?content=tapir`, f.member, (b) => b.total_results === 4);
  });

  const search = async (params: Record<string, string | string[] | number | boolean>) => {
    const res = await guildSearch(f.member, { content: 'tapir', ...params });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return ids(res.body);
  };

  test('mentions_role_id, replied_to_user_id, replied_to_message_id', async () => {
    assert.deepEqual(await search({ mentions_role_id: role.id }), [sent.role.id]);
    assert.deepEqual(await search({ mentions_role_id: f.guild.id }), []);
    assert.deepEqual(await search({ replied_to_user_id: f.owner.id }), [sent.reply.id]);
    assert.deepEqual(await search({ replied_to_user_id: f.member.id }), []);
    assert.deepEqual(await search({ replied_to_message_id: [sent.role.id, sent.link.id] }), [sent.reply.id]);
  });

  test('link_hostname (case-insensitive, whole host) and embed_type', async () => {
    assert.deepEqual(await search({ link_hostname: 'docs.example.test' }), [sent.link.id]);
    assert.deepEqual(await search({ link_hostname: ['OTHER.test', 'none.test'] }), [sent.link.id]);
    assert.deepEqual(await search({ link_hostname: 'example.test' }), []);
    assert.deepEqual(await search({ embed_type: 'image' }), [sent.image.id]);
    assert.deepEqual(await search({ embed_type: ['gif', 'article'] }), []);
    assert.deepEqual(await search({ embed_provider: 'Tenor', attachment_extension: 'txt', attachment_filename: 'a.txt' }), []);
  });
});

describe('search: permissions', () => {
  test('channels the caller cannot read never show, also right after an overwrite change', async () => {
    const hidden = await textChannel(t, f.owner, f.guild.id, { name: 'hidden' });
    await overwrite(t, f.owner, hidden.id, f.member.id, 1, 0n, Permissions.VIEW_CHANNEL);
    const noHistory = await textChannel(t, f.owner, f.guild.id, { name: 'no-history' });
    await overwrite(t, f.owner, noHistory.id, f.member.id, 1, 0n, Permissions.READ_MESSAGE_HISTORY);
    const open = await textChannel(t, f.owner, f.guild.id, { name: 'open' });
    const secret = await send(t, f.owner, hidden.id, 'classified narwhal');
    const unread = await send(t, f.owner, noHistory.id, 'classified narwhal too');
    const visible = await send(t, f.owner, open.id, 'classified narwhal public');
    await searchUntil(`/guilds/${f.guild.id}/messages/search?content=narwhal`, f.owner, (b) => b.total_results === 3);

    const asMember = await guildSearch(f.member, { content: 'narwhal' });
    assert.equal(asMember.status, 200);
    assert.deepEqual(ids(asMember.body), [visible.id]);
    assert.equal(asMember.body.total_results, 1);
    assert.deepEqual(ids((await guildSearch(f.member, { content: 'narwhal', channel_id: hidden.id })).body), []);
    assert.ok(!ids((await guildSearch(f.member, { content: 'narwhal' })).body).includes(secret.id));
    assert.ok(!ids((await guildSearch(f.member, { content: 'narwhal' })).body).includes(unread.id));

    // Hidden from now on: the very next search leaves the channel out, nothing is reindexed.
    await overwrite(t, f.owner, open.id, f.member.id, 1, 0n, Permissions.VIEW_CHANNEL);
    assert.equal((await guildSearch(f.member, { content: 'narwhal' })).body.total_results, 0);
    // And shown again.
    await overwrite(t, f.owner, hidden.id, f.member.id, 1, Permissions.VIEW_CHANNEL, 0n);
    assert.deepEqual(ids((await guildSearch(f.member, { content: 'narwhal' })).body), [secret.id]);
  });

  test('age-restricted channels only with include_nsfw', async () => {
    const nsfw = await textChannel(t, f.owner, f.guild.id, { name: 'after-dark', nsfw: true });
    const m = await send(t, f.owner, nsfw.id, 'midnight ocelot');
    await searchUntil(`/guilds/${f.guild.id}/messages/search?content=ocelot&include_nsfw=true`, f.member, (b) => ids(b).includes(m.id));
    assert.equal((await guildSearch(f.member, { content: 'ocelot' })).body.total_results, 0);
  });

  test('guild and channel routes refuse strangers and a missing READ_MESSAGE_HISTORY as Discord', async () => {
    assertError(await guildSearch(f.stranger), 403, 50001);
    assertError(await t.request('GET', `/guilds/1/messages/search`, { auth: f.member }), 404, 10004);
    assertError(await t.request('GET', `/channels/${f.channel.id}/messages/search`, { auth: f.stranger }), 403, 50001);
    assertError(await t.request('GET', `/channels/1/messages/search`, { auth: f.member }), 404, 10003);
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'no-history-route' });
    await overwrite(t, f.owner, ch.id, f.member.id, 1, 0n, Permissions.READ_MESSAGE_HISTORY);
    assertError(await t.request('GET', `/channels/${ch.id}/messages/search`, { auth: f.member }), 403, 50013);
    assertError(await t.request('GET', `/guilds/${f.guild.id}/messages/search`), 401, 0);
  });

  test('the channel route searches that channel only', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'solo' });
    const here = await send(t, f.member, ch.id, 'lonely capybara');
    await send(t, f.member, f.channel.id, 'lonely capybara elsewhere');
    const body = await searchUntil(`/channels/${ch.id}/messages/search?content=capybara`, f.member, (b) => b.total_results === 1);
    assert.deepEqual(ids(body), [here.id]);
  });
});

describe('search: DMs', () => {
  test('a DM is its own scope: 202 first, then its messages; other users are refused', async () => {
    // Users who share a guild may open a DM.
    const [a, b] = [f.owner, f.member];
    const dm = await t.request('POST', '/users/@me/channels', { auth: a, body: { recipient_id: b.id } });
    assert.equal(dm.status, 200, JSON.stringify(dm.body));
    const m = await send(t, a, dm.body.id, 'private axolotl');
    const first = await t.request('GET', `/channels/${dm.body.id}/messages/search?content=axolotl`, { auth: b });
    assert.equal(first.status, 202);
    assert.equal(first.body.code, 110000);
    const body = await searchUntil(`/channels/${dm.body.id}/messages/search?content=axolotl`, b);
    assert.deepEqual(ids(body), [m.id]);
    const live = await send(t, b, dm.body.id, 'axolotl reply');
    await searchUntil(`/channels/${dm.body.id}/messages/search?content=axolotl`, a, (r) => ids(r).includes(live.id));
    assertError(await t.request('GET', `/channels/${dm.body.id}/messages/search`, { auth: f.stranger }), 403, 50001);
  });
});

describe('search: the search role down', () => {
  test('503 with code 0 while nothing else is affected', async () => {
    const s = await startTestServer({ roles: ['api', 'sessions', 'guild', 'presence'], roleTimeoutMs: 100 });
    try {
      const owner = await s.register();
      const guild = await s.createGuild(owner);
      const channels = await s.request('GET', `/guilds/${guild.id}/channels`, { auth: owner });
      const channel = channels.body.find((c: any) => c.type === 0);
      const res = await s.request('GET', `/guilds/${guild.id}/messages/search?content=x`, { auth: owner });
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.code, 0);
      const sent = await s.request('POST', `/channels/${channel.id}/messages`, { auth: owner, body: { content: 'still works' } });
      assert.equal(sent.status, 200);
      assert.equal((await s.request('GET', `/channels/${channel.id}/messages`, { auth: owner })).body[0].id, sent.body.id);
    } finally {
      await s.close();
    }
  });
});
