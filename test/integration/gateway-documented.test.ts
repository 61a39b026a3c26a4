/**
 * Gateway details of Discord's documentation that an audit found Accord missing, over real sockets:
 * - a bot without MESSAGE_CONTENT gets each message object of a reply judged on its own: the reply that mentions it
 *   keeps its text while the message it answers does not, and its own message keeps its text inside a reply that
 *   does not mention it;
 * - a replay never repeats an earlier RESUMED: the missed events come, then one RESUMED;
 * - op 31 (Request Soundboard Sounds) and op 43 (Request Channel Info) are answered, not closed with 4001, and a
 *   malformed one closes with 4002;
 * - READY's `v` is the version the client connected with;
 * - joining a thread sends the joiner THREAD_CREATE with their thread member; unarchiving one sends its members
 *   THREAD_MEMBER_UPDATE.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Intents } from '../../src/protocol/intents.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { makeBot } from './fixtures.guilds.ts';
import { GatewayClient, GatewaySessions } from './gateway-client.ts';

describe('gateway: documented details', () => {
  let t: TestServer;
  const sessions = new GatewaySessions(() => t.url);
  let owner: TestUser;
  let bot: TestUser;
  let guild: any;
  let channel: any;

  before(async () => {
    t = await startTestServer({ heartbeatIntervalMs: 5000 });
    owner = await t.register();
    guild = await t.createGuild(owner, 'Documented');
    channel = ((await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body as any[]).find((c) => c.type === 0);
    const made = await makeBot(t, owner, 'Reader Bot');
    bot = made.bot;
    const added = await t.request('POST', `/oauth2/authorize?client_id=${made.app.id}&scope=bot&permissions=3072`, { auth: owner, body: { guild_id: guild.id, permissions: '3072', authorize: true } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
  });
  after(async () => {
    await sessions.closeAll();
    await t.close();
  });

  const post = async (who: TestUser, body: Record<string, unknown>) => {
    const res = await t.request('POST', `/channels/${channel.id}/messages`, { auth: who, body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  it('without MESSAGE_CONTENT, a reply and the message it answers keep or lose their text each on its own', async () => {
    const gw = await sessions.online({ token: bot.token }, { intents: Intents.GUILDS | Intents.GUILD_MESSAGES });
    const plain = await post(owner, { content: 'owner text, no mention' });
    const ping = await post(owner, { content: `<@${bot.id}> look at this`, message_reference: { message_id: plain.id } });
    const seen = await gw.waitForDispatch('MESSAGE_CREATE', (d) => d.id === ping.id);
    assert.equal(seen.d.content, `<@${bot.id}> look at this`, 'mentioned: kept');
    assert.equal(seen.d.referenced_message.id, plain.id);
    assert.equal(seen.d.referenced_message.content, '', 'the answered message does not mention the bot');

    const own = await post(bot, { content: 'bot own text' });
    const answer = await post(owner, { content: 'thanks', message_reference: { message_id: own.id }, allowed_mentions: { replied_user: false } });
    const seen2 = await gw.waitForDispatch('MESSAGE_CREATE', (d) => d.id === answer.id);
    assert.equal(seen2.d.content, '', 'not mentioned: emptied');
    assert.equal(seen2.d.referenced_message.content, 'bot own text', 'its own message keeps its text');

    const both = await post(owner, { content: `<@${bot.id}> again`, message_reference: { message_id: own.id } });
    const seen3 = await gw.waitForDispatch('MESSAGE_CREATE', (d) => d.id === both.id);
    assert.equal(seen3.d.content, `<@${bot.id}> again`);
    assert.equal(seen3.d.referenced_message.content, 'bot own text');

    // A reply to a forward: the forwarded text is the answered message's too, and emptied with it.
    const forwarded = await post(owner, { message_reference: { type: 1, message_id: plain.id, channel_id: channel.id } });
    const onForward = await post(owner, { content: `<@${bot.id}> see the forward`, message_reference: { message_id: forwarded.id } });
    const seen4 = await gw.waitForDispatch('MESSAGE_CREATE', (d) => d.id === onForward.id);
    assert.equal(seen4.d.content, `<@${bot.id}> see the forward`);
    assert.equal(seen4.d.referenced_message.message_snapshots[0].message.content, '');
  });

  it('a replay ends with one RESUMED and repeats no earlier one', async () => {
    const first = await GatewayClient.connect(t.url);
    const ready = await first.identifyAndLoad(owner.token);
    const seq = first.lastSeq!;
    await first.close();

    const second = await GatewayClient.connect(t.url);
    await second.waitForOp(10);
    second.send(6, { token: owner.token, session_id: ready.session_id, seq });
    await second.waitForDispatch('RESUMED');
    await second.close();

    const missed = await post(owner, { content: 'while away' });
    const third = await GatewayClient.connect(t.url);
    try {
      await third.waitForOp(10);
      third.send(6, { token: owner.token, session_id: ready.session_id, seq });
      await third.waitForDispatch('RESUMED');
      const replayed = third.dispatches().map((p) => p.t);
      assert.deepEqual(replayed.filter((name) => name === 'RESUMED'), ['RESUMED']);
      assert.equal(replayed.at(-1), 'RESUMED', 'RESUMED comes last');
      assert.ok(third.dispatches('MESSAGE_CREATE').some((p) => p.d.id === missed.id));
      const seqs = third.dispatches().map((p) => p.s!);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in order');
    } finally {
      await third.close();
    }
  });

  it('op 31 and op 43 are answered for the session\'s guilds; a malformed one closes 4002', async () => {
    const gw = await sessions.online({ token: owner.token });
    gw.send(31, { guild_ids: [guild.id, '1234567890123456789'] });
    const sounds = await gw.waitForDispatch('SOUNDBOARD_SOUNDS');
    assert.deepEqual(sounds.d, { guild_id: guild.id, soundboard_sounds: [] });
    gw.send(43, { guild_id: guild.id, fields: ['status', 'voice_start_time'] });
    const info = await gw.waitForDispatch('CHANNEL_INFO');
    assert.deepEqual(info.d, { guild_id: guild.id, channels: [] });
    assert.equal(gw.dispatches('SOUNDBOARD_SOUNDS').length, 1, 'a guild the session is not in gets nothing');
    // Op 43 for a guild the session is not in: nothing (a later one for its own guild is the only CHANNEL_INFO).
    gw.send(43, { guild_id: '1234567890123456789', fields: ['status'] });
    gw.send(43, { guild_id: guild.id, fields: ['status'] });
    await gw.waitForDispatch('CHANNEL_INFO', (d) => d.guild_id === guild.id && gw.dispatches('CHANNEL_INFO').length === 2);
    assert.deepEqual(gw.dispatches('CHANNEL_INFO').map((e: any) => e.d.guild_id), [guild.id, guild.id]);
    // As many guild ids as a 4,096-byte payload holds (about 170 of today's ids).
    const many = Array.from({ length: 149 }, (_, i) => String(1234567890123456789n + BigInt(i)));
    gw.send(31, { guild_ids: [...many, guild.id] });
    await gw.waitForDispatch('SOUNDBOARD_SOUNDS', () => gw.dispatches('SOUNDBOARD_SOUNDS').length === 2);
    assert.equal(gw.closed, null);

    const bad = await sessions.online({ token: owner.token });
    bad.send(31, { guild_ids: 'not a list' });
    assert.equal((await bad.waitForClose()).code, 4002);
    // More than a payload may hold is a decode error, whatever the op (Discord: 4,096 bytes).
    const tooMany = await sessions.online({ token: owner.token });
    tooMany.send(31, { guild_ids: [...many, ...many, guild.id] });
    assert.equal((await tooMany.waitForClose()).code, 4002, 'a payload over 4,096 bytes');
  });

  it('joining a public thread sends the joiner THREAD_CREATE with their thread member', async () => {
    const joiner = await t.register();
    await t.join(owner, guild.id, joiner);
    const gw = await sessions.online(joiner);
    const start = await post(owner, { content: 'thread root' });
    const thread = (await t.request('POST', `/channels/${channel.id}/messages/${start.id}/threads`, { auth: owner, body: { name: 'open talk' } })).body;
    assert.equal((await t.request('PUT', `/channels/${thread.id}/thread-members/@me`, { auth: joiner })).status, 204);
    const created = await gw.waitForDispatch('THREAD_CREATE', (d) => d.id === thread.id && d.member);
    assert.equal(created.d.member.user_id ?? joiner.id, joiner.id);
    await gw.waitForDispatch('THREAD_MEMBERS_UPDATE', (d) => d.id === thread.id);

    // Unarchived, each member hears THREAD_MEMBER_UPDATE after the THREAD_UPDATE.
    assert.equal((await t.request('PATCH', `/channels/${thread.id}`, { auth: owner, body: { archived: true } })).status, 200);
    const from = gw.payloads.length;
    assert.equal((await t.request('PATCH', `/channels/${thread.id}`, { auth: owner, body: { archived: false } })).status, 200);
    await gw.waitForDispatch('THREAD_UPDATE', (d) => d.id === thread.id && !d.thread_metadata.archived, 5000, from);
    const memberUpdate = await gw.waitForDispatch('THREAD_MEMBER_UPDATE', (d) => d.id === thread.id, 5000, from);
    assert.equal(memberUpdate.d.guild_id, guild.id);
  });

  it('READY carries the version connected with', async () => {
    for (const v of [9, 10]) {
      const c = await GatewayClient.connect(t.url, { query: `v=${v}&encoding=json` });
      try {
        assert.equal((await c.identify(owner.token)).v, v);
      } finally {
        await c.close();
      }
    }
  });
});
