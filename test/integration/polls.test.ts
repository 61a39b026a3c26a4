/**
 * Polls over real HTTP and the gateway: creating one with a message (and its validation), voting the way Discord's
 * client does (PUT …/answers/@me replaces the user's votes), the voters of an answer, ending a poll early and by
 * expiry, permissions, and MESSAGE_POLL_VOTE_ADD / REMOVE with their intents, in a guild and in a DM.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Intents } from '../../src/protocol/intents.ts';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { makeBot } from './fixtures.guilds.ts';
import { assertError, guildFixture, overwrite, send, textChannel, type GuildFixture } from './fixtures.messages.ts';
import { GatewaySessions } from './gateway-client.ts';
import { freshPostgresStore, serviceSkip } from '../helpers/services.ts';

const HOUR = 3_600_000;
let t: TestServer;
let f: GuildFixture;
/** Added to the server's clock: moves polls past their expiry without waiting. */
let skew = 0;
const sessions = new GatewaySessions(() => t.url);

const poll = (extra: Record<string, unknown> = {}) => ({
  question: { text: 'Best fruit?' },
  answers: [
    { poll_media: { text: 'Apple', emoji: { name: '🍎' } } },
    { poll_media: { text: 'Banana' } },
    { poll_media: { text: 'Cherry', emoji: { id: '123456789012345678' } } },
  ],
  ...extra,
});
const vote = (user: TestUser, channelId: string, messageId: string, answerIds: number[]) =>
  t.request('PUT', `/channels/${channelId}/polls/${messageId}/answers/@me`, { auth: user, body: { answer_ids: answerIds } });
const counts = async (user: TestUser, channelId: string, messageId: string) => {
  const got = await t.request('GET', `/channels/${channelId}/messages/${messageId}`, { auth: user });
  assert.equal(got.status, 200, JSON.stringify(got.body));
  return got.body.poll.results;
};
const online = (user: TestUser, extra: Record<string, unknown> = {}) => sessions.online(user, extra);

const pgSkip = await serviceSkip('postgres');
for (const kind of ['sqlite', 'postgres'] as const) {
describe(`polls (${kind})`, { skip: kind === 'postgres' ? pgSkip : false }, () => {
  let drop: (() => Promise<void>) | undefined;
  before(async () => {
    const pg = kind === 'postgres' ? await freshPostgresStore() : undefined;
    drop = pg?.drop;
    t = await startTestServer({ heartbeatIntervalMs: 5000 }, { now: () => Date.now() + skew, ...(pg ? { store: pg.store } : {}) });
    f = await guildFixture(t);
  });
  after(async () => {
    await sessions.closeAll();
    await t.close();
    await drop?.();
  });

  it('a message with a poll: Discord\'s poll object with results, in the response, MESSAGE_CREATE and history', async () => {
    const c = await online(f.member);
    const before = Date.now();
    const m = await send(t, f.owner, f.channel.id, { content: 'vote please', poll: poll({ duration: 2, allow_multiselect: true }) });
    assert.equal(m.content, 'vote please');
    assert.deepEqual(m.poll.question, { text: 'Best fruit?' });
    assert.deepEqual(m.poll.answers, [
      { answer_id: 1, poll_media: { text: 'Apple', emoji: { id: null, name: '🍎' } } },
      { answer_id: 2, poll_media: { text: 'Banana' } },
      { answer_id: 3, poll_media: { text: 'Cherry', emoji: { id: '123456789012345678', name: null } } },
    ]);
    assert.equal(m.poll.allow_multiselect, true);
    assert.equal(m.poll.layout_type, 1);
    const expiry = Date.parse(m.poll.expiry);
    assert.ok(expiry >= before + 2 * HOUR - 1000 && expiry <= Date.now() + 2 * HOUR + 1000, m.poll.expiry);
    assert.deepEqual(m.poll.results, {
      is_finalized: false,
      answer_counts: [1, 2, 3].map((id) => ({ id, count: 0, me_voted: false })),
    });
    const created = await c.waitForDispatch('MESSAGE_CREATE', (d) => d.id === m.id);
    assert.deepEqual(created.d.poll, m.poll);

    const list = await t.request('GET', `/channels/${f.channel.id}/messages?limit=5`, { auth: f.member });
    assert.deepEqual(list.body.find((x: any) => x.id === m.id).poll, m.poll);

    // Defaults: 24 hours, single choice; a poll alone (no content) is a message.
    const plain = await send(t, f.owner, f.channel.id, { poll: { question: { text: 'Q' }, answers: [{ poll_media: { text: 'only' } }] } });
    assert.equal(plain.content, '');
    assert.equal(plain.poll.allow_multiselect, false);
    const hours = (Date.parse(plain.poll.expiry) - Date.parse(plain.timestamp)) / HOUR;
    assert.ok(Math.abs(hours - 24) < 0.01, String(hours));
  });

  it('invalid polls → 400 50035 with the field path', async () => {
    const post = (p: unknown) => t.request('POST', `/channels/${f.channel.id}/messages`, { auth: f.owner, body: { poll: p } });
    const cases: Array<[unknown, string[]]> = [
      [poll({ question: { text: 'x'.repeat(301) } }), ['poll', 'question', 'text']],
      [poll({ question: {} }), ['poll', 'question', 'text']],
      [poll({ answers: [] }), ['poll', 'answers']],
      [poll({ answers: Array.from({ length: 11 }, (_, i) => ({ poll_media: { text: `a${i}` } })) }), ['poll', 'answers']],
      [poll({ answers: [{ poll_media: { text: 'x'.repeat(56) } }] }), ['poll', 'answers', '0', 'poll_media', 'text']],
      [poll({ duration: 0 }), ['poll', 'duration']],
      [poll({ duration: 769 }), ['poll', 'duration']],
      [poll({ layout_type: 2 }), ['poll', 'layout_type']],
      [poll({ answers: [{ poll_media: { text: 'a', emoji: { name: 'notanemoji' } } }] }), ['poll', 'answers', '0', 'poll_media', 'emoji', 'name']],
    ];
    for (const [p, path] of cases) {
      const res = await post(p);
      assertError(res, 400, 50035);
      let node = res.body.errors;
      for (const k of path) {
        assert.ok(node?.[k], `${JSON.stringify(res.body.errors)} has no ${path.join('.')}`);
        node = node[k];
      }
      assert.ok(node._errors?.length, JSON.stringify(res.body.errors));
    }
  });

  it('a poll message is not edited into or out of a poll (520003); its content still is', async () => {
    const m = await send(t, f.owner, f.channel.id, { content: 'c', poll: poll() });
    assertError(await t.request('PATCH', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.owner, body: { poll: poll() } }), 400, 520003);
    const other = await send(t, f.owner, f.channel.id, 'plain');
    assertError(await t.request('PATCH', `/channels/${f.channel.id}/messages/${other.id}`, { auth: f.owner, body: { poll: poll() } }), 400, 520003);
    const edited = await t.request('PATCH', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.owner, body: { content: 'c2' } });
    assert.equal(edited.status, 200);
    assert.equal(edited.body.content, 'c2');
    assert.equal(edited.body.poll.question.text, 'Best fruit?');
  });

  it('vote, replace, remove: counts and me_voted per viewer; vote events for each change', async () => {
    const c = await online(f.owner);
    const m = await send(t, f.owner, f.channel.id, { poll: poll() });
    let from = c.payloads.length;
    assert.equal((await vote(f.member, f.channel.id, m.id, [2])).status, 204);
    const add = await c.waitForDispatch('MESSAGE_POLL_VOTE_ADD', (d) => d.message_id === m.id, 5000, from);
    assert.deepEqual(add.d, { user_id: f.member.id, channel_id: f.channel.id, message_id: m.id, guild_id: f.guild.id, answer_id: 2 });
    assert.equal((await vote(f.owner, f.channel.id, m.id, [2])).status, 204);

    let mine = await counts(f.member, f.channel.id, m.id);
    assert.deepEqual(mine, { is_finalized: false, answer_counts: [{ id: 1, count: 0, me_voted: false }, { id: 2, count: 2, me_voted: true }, { id: 3, count: 0, me_voted: false }] });

    // Replacing the vote: REMOVE for the old answer, ADD for the new one.
    from = c.payloads.length;
    assert.equal((await vote(f.member, f.channel.id, m.id, [3])).status, 204);
    const removed = await c.waitForDispatch('MESSAGE_POLL_VOTE_REMOVE', (d) => d.message_id === m.id, 5000, from);
    assert.equal(removed.d.answer_id, 2);
    assert.equal((await c.waitForDispatch('MESSAGE_POLL_VOTE_ADD', (d) => d.message_id === m.id, 5000, from)).d.answer_id, 3);
    mine = await counts(f.member, f.channel.id, m.id);
    assert.deepEqual(mine.answer_counts.map((a: any) => [a.count, a.me_voted]), [[0, false], [1, false], [1, true]]);

    // The same vote again changes nothing and sends nothing; an empty list removes it.
    from = c.payloads.length;
    assert.equal((await vote(f.member, f.channel.id, m.id, [3])).status, 204);
    assert.equal((await vote(f.member, f.channel.id, m.id, [])).status, 204);
    const gone = await c.waitForDispatch('MESSAGE_POLL_VOTE_REMOVE', (d) => d.message_id === m.id, 5000, from);
    assert.equal(gone.d.answer_id, 3);
    assert.equal(c.dispatches('MESSAGE_POLL_VOTE_ADD').filter((p) => c.payloads.indexOf(p) >= from).length, 0);
    mine = await counts(f.member, f.channel.id, m.id);
    assert.deepEqual(mine.answer_counts.map((a: any) => a.count), [0, 1, 0]);
  });

  it('single choice refuses two answers; unknown answers are refused; multiselect takes several', async () => {
    const single = await send(t, f.owner, f.channel.id, { poll: poll() });
    const two = await vote(f.member, f.channel.id, single.id, [1, 2]);
    assertError(two, 400, 50035);
    assert.ok(two.body.errors.answer_ids._errors.length);
    const unknown = await vote(f.member, f.channel.id, single.id, [7]);
    assertError(unknown, 400, 50035);
    assert.ok(unknown.body.errors.answer_ids['0']._errors.length);
    assertError(await t.request('PUT', `/channels/${f.channel.id}/polls/${single.id}/answers/@me`, { auth: f.member, body: {} }), 400, 50035);

    const multi = await send(t, f.owner, f.channel.id, { poll: poll({ allow_multiselect: true }) });
    assert.equal((await vote(f.member, f.channel.id, multi.id, [1, 3])).status, 204);
    assert.deepEqual((await counts(f.member, f.channel.id, multi.id)).answer_counts.map((a: any) => [a.count, a.me_voted]), [[1, true], [0, false], [1, true]]);
    assert.equal((await vote(f.member, f.channel.id, multi.id, [3])).status, 204);
    assert.deepEqual((await counts(f.member, f.channel.id, multi.id)).answer_counts.map((a: any) => a.count), [0, 0, 1]);

    // A message without a poll.
    const plain = await send(t, f.owner, f.channel.id, 'no poll');
    assertError(await vote(f.member, f.channel.id, plain.id, [1]), 400, 520006);
    assertError(await vote(f.member, f.channel.id, '123456789012345678', [1]), 404, 10008);
  });

  it('voters of an answer: {users}, ordered by id, after and limit', async () => {
    const m = await send(t, f.owner, f.channel.id, { poll: poll() });
    const voters = [f.owner, f.member];
    for (let i = 0; i < 3; i++) {
      const u = await t.register();
      await t.join(f.owner, f.guild.id, u);
      voters.push(u);
    }
    for (const u of voters) assert.equal((await vote(u, f.channel.id, m.id, [1])).status, 204);
    const ids = voters.map((u) => u.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const url = `/channels/${f.channel.id}/polls/${m.id}/answers/1`;
    const all = await t.request('GET', url, { auth: f.member });
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.users.map((u: any) => u.id), ids);
    assert.ok(all.body.users[0].username);
    const page = await t.request('GET', `${url}?limit=2`, { auth: f.member });
    assert.deepEqual(page.body.users.map((u: any) => u.id), ids.slice(0, 2));
    const next = await t.request('GET', `${url}?limit=2&after=${ids[1]}`, { auth: f.member });
    assert.deepEqual(next.body.users.map((u: any) => u.id), ids.slice(2, 4));
    assert.deepEqual((await t.request('GET', `/channels/${f.channel.id}/polls/${m.id}/answers/2`, { auth: f.member })).body, { users: [] });
    assertError(await t.request('GET', `${url}?limit=101`, { auth: f.member }), 400, 50035);
    assertError(await t.request('GET', `/channels/${f.channel.id}/polls/${m.id}/answers/9`, { auth: f.member }), 400, 50035);
    assertError(await t.request('GET', url, { auth: f.stranger }), 403, 50001);
  });

  it('expire: only the author; finalized results, MESSAGE_UPDATE, no more votes (520001)', async () => {
    const c = await online(f.member);
    const m = await send(t, f.owner, f.channel.id, { poll: poll() });
    assert.equal((await vote(f.member, f.channel.id, m.id, [1])).status, 204);
    const url = `/channels/${f.channel.id}/polls/${m.id}/expire`;
    assertError(await t.request('POST', url, { auth: f.member }), 403, 50013);
    const from = c.payloads.length;
    const ended = await t.request('POST', url, { auth: f.owner });
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    assert.equal(ended.body.id, m.id);
    assert.equal(ended.body.poll.results.is_finalized, true);
    assert.deepEqual(ended.body.poll.results.answer_counts[0], { id: 1, count: 1, me_voted: false });
    assert.ok(Date.parse(ended.body.poll.expiry) <= Date.now() + 1000);
    const update = await c.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === m.id, 5000, from);
    assert.equal(update.d.poll.results.is_finalized, true);
    assert.equal((await counts(f.member, f.channel.id, m.id)).is_finalized, true);
    assert.equal((await counts(f.member, f.channel.id, m.id)).answer_counts[0].me_voted, true);
    assertError(await vote(f.member, f.channel.id, m.id, [2]), 400, 520001);
    assertError(await t.request('POST', url, { auth: f.owner }), 400, 520001);
    // Ended early: its natural end has nothing left to announce.
    assert.equal((await t.store.pollVotes.dueEndings(Date.now() + 1000 * HOUR, 1000)).some((e) => e.messageId === m.id), false);
    const plain = await send(t, f.owner, f.channel.id, 'no poll');
    assertError(await t.request('POST', `/channels/${f.channel.id}/polls/${plain.id}/expire`, { auth: f.owner }), 400, 520006);
  });

  it('a poll past its expiry is finalized, announced once with MESSAGE_UPDATE, and refuses votes', async () => {
    const c = await online(f.member);
    const m = await send(t, f.owner, f.channel.id, { poll: poll({ duration: 1 }) });
    assert.equal((await vote(f.member, f.channel.id, m.id, [2])).status, 204);
    const from = c.payloads.length;
    skew += HOUR + 1000;
    try {
      const results = await counts(f.member, f.channel.id, m.id);
      assert.equal(results.is_finalized, true);
      assert.equal(results.answer_counts[1].count, 1);
      assertError(await vote(f.member, f.channel.id, m.id, [1]), 400, 520001);
      // The api node's sweep (every second) announces the end: final results, no me_voted in the event.
      const update = await c.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === m.id, 5000, from);
      assert.equal(update.d.poll.results.is_finalized, true);
      assert.deepEqual(update.d.poll.results.answer_counts[1], { id: 2, count: 1, me_voted: false });
      assert.equal((await t.store.pollVotes.dueEndings(Date.now() + 1000 * HOUR, 1000)).some((e) => e.messageId === m.id), false);
    } finally {
      skew -= HOUR + 1000;
    }
  });

  it('permissions: SEND_POLLS to create; READ_MESSAGE_HISTORY to vote; strangers refused', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'polls-perms' });
    await overwrite(t, f.owner, ch.id, f.member.id, 1, 0n, Permissions.SEND_POLLS);
    assertError(await t.request('POST', `/channels/${ch.id}/messages`, { auth: f.member, body: { poll: poll() } }), 403, 50013);
    assert.equal((await t.request('POST', `/channels/${ch.id}/messages`, { auth: f.member, body: { content: 'text is fine' } })).status, 200);
    const m = await send(t, f.owner, ch.id, { poll: poll() });
    await overwrite(t, f.owner, ch.id, f.member.id, 1, 0n, Permissions.READ_MESSAGE_HISTORY);
    assertError(await vote(f.member, ch.id, m.id, [1]), 403, 50013);
    assertError(await vote(f.stranger, ch.id, m.id, [1]), 403, 50001);
    assertError(await t.request('POST', `/channels/${ch.id}/messages`, { auth: f.stranger, body: { poll: poll() } }), 403, 50001);
  });

  it('deleting the message deletes its votes', async () => {
    const m = await send(t, f.owner, f.channel.id, { poll: poll() });
    assert.equal((await vote(f.member, f.channel.id, m.id, [1])).status, 204);
    assert.equal((await t.store.pollVotes.counts(f.channel.id, [m.id], null)).size, 1);
    assert.equal((await t.request('DELETE', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.owner })).status, 204);
    assert.equal((await t.store.pollVotes.counts(f.channel.id, [m.id], null)).size, 0);
  });

  it('intents: a bot gets vote events with GUILD_MESSAGE_POLLS only; DMs with DIRECT_MESSAGE_POLLS', async () => {
    const { bot, app } = await makeBot(t, f.owner, 'Poll Bot');
    const auth = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: f.owner, body: { guild_id: f.guild.id, authorize: true } });
    assert.equal(auth.status, 200, JSON.stringify(auth.body));
    const withPolls = await online(bot, { intents: Intents.GUILDS | Intents.GUILD_MESSAGE_POLLS | Intents.DIRECT_MESSAGE_POLLS });
    const without = await online(bot, { intents: Intents.GUILDS | Intents.GUILD_MESSAGES });
    const m = await send(t, f.owner, f.channel.id, { poll: poll() });
    assert.equal((await vote(f.member, f.channel.id, m.id, [1])).status, 204);
    await withPolls.waitForDispatch('MESSAGE_POLL_VOTE_ADD', (d) => d.message_id === m.id);
    await send(t, f.owner, f.channel.id, 'marker');
    await without.waitForDispatch('MESSAGE_CREATE', (d) => d.content === '' || d.content === 'marker');
    assert.equal(without.dispatches('MESSAGE_POLL_VOTE_ADD').length, 0);

    // A DM between a user and the bot: no guild_id; both recipients get the events.
    const dm = await t.request('POST', '/users/@me/channels', { auth: f.member, body: { recipient_id: bot.id } });
    assert.equal(dm.status, 200, JSON.stringify(dm.body));
    const memberClient = await online(f.member);
    const dmPoll = await send(t, f.member, dm.body.id, { poll: poll() });
    // Apps may not vote (Discord's poll resource): the user votes, the bot hears of it.
    assert.equal((await vote(bot, dm.body.id, dmPoll.id, [2])).status, 403);
    assert.equal((await vote(f.member, dm.body.id, dmPoll.id, [2])).status, 204);
    const ev = await withPolls.waitForDispatch('MESSAGE_POLL_VOTE_ADD', (d) => d.message_id === dmPoll.id);
    assert.deepEqual(ev.d, { user_id: f.member.id, channel_id: dm.body.id, message_id: dmPoll.id, answer_id: 2 });
    await memberClient.waitForDispatch('MESSAGE_POLL_VOTE_ADD', (d) => d.message_id === dmPoll.id);
    assert.equal((await vote(f.member, dm.body.id, dmPoll.id, [])).status, 204);
    await withPolls.waitForDispatch('MESSAGE_POLL_VOTE_REMOVE', (d) => d.message_id === dmPoll.id);
  });

  it('a webhook executes a poll; people vote on it', async () => {
    const hook = await t.request('POST', `/channels/${f.channel.id}/webhooks`, { auth: f.owner, body: { name: 'Pollhook' } });
    assert.equal(hook.status, 200, JSON.stringify(hook.body));
    const res = await t.request('POST', `/webhooks/${hook.body.id}/${hook.body.token}?wait=true`, { body: { poll: poll({ duration: 3 }) } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.poll.question.text, 'Best fruit?');
    assert.equal((await vote(f.member, f.channel.id, res.body.id, [3])).status, 204);
    assert.equal((await counts(f.member, f.channel.id, res.body.id)).answer_counts[2].count, 1);
    assertError(await t.request('POST', `/webhooks/${hook.body.id}/${hook.body.token}`, { body: { poll: poll({ answers: [] }) } }), 400, 50035);
  });

  it('multipart payload_json carries the poll too', async () => {
    const form = new FormData();
    form.set('payload_json', JSON.stringify({ content: 'multipart', poll: poll() }));
    const res = await fetch(`${t.api}/channels/${f.channel.id}/messages`, { method: 'POST', headers: { authorization: f.owner.auth }, body: form });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.poll.answers.length, 3);
  });
});
}
