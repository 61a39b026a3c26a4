/**
 * What each session receives: READY then GUILD_CREATE per guild, events to members only with increasing
 * sequence numbers, VIEW_CHANNEL filtering (also when the permission is lost), MESSAGE_CONTENT stripping,
 * intents, joins and kicks, presences, and zlib-stream transport compression.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Intents } from '../../src/protocol/intents.ts';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { makeBot } from './fixtures.guilds.ts';
import { guildFixture, overwrite, send, textChannel } from './fixtures.messages.ts';
import { GatewayClient } from './gateway-client.ts';
import { GatewaySubjects, publishEvent } from '../../src/contracts/index.ts';

describe('gateway dispatch', () => {
  let t: TestServer;
  const clients: GatewayClient[] = [];
  const connect = async (opts: Parameters<typeof GatewayClient.connect>[1] = {}) => {
    const c = await GatewayClient.connect(t.url, opts);
    clients.push(c);
    return c;
  };
  /** Identifies and waits for every guild's GUILD_CREATE. */
  const online = async (user: TestUser, extra: Record<string, unknown> = {}, opts: Parameters<typeof GatewayClient.connect>[1] = {}) => {
    const c = await connect(opts);
    await c.identifyAndLoad(user.token, extra);
    return c;
  };
  const addBot = async (owner: TestUser, guildId: string, name: string) => {
    const { bot, app } = await makeBot(t, owner, name);
    const res = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner, body: { guild_id: guildId, authorize: true } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return bot;
  };

  before(async () => {
    t = await startTestServer({ heartbeatIntervalMs: 5000 });
  });
  after(async () => {
    for (const c of clients) await c.close();
    await t.close();
  });

  it('READY lists every guild unavailable, then one GUILD_CREATE per guild with roles and channels', async () => {
    const owner = await t.register();
    const g1 = await t.createGuild(owner, 'one');
    const g2 = await t.createGuild(owner, 'two');
    const c = await connect();
    const ready = await c.identify(owner.token);
    assert.deepEqual(new Set(ready.guilds.map((g: any) => g.id)), new Set([g1.id, g2.id]));
    assert.ok(ready.guilds.every((g: any) => g.unavailable === true));
    for (const g of [g1, g2]) {
      const gc = await c.waitForDispatch('GUILD_CREATE', (d) => d.id === g.id);
      assert.ok(Array.isArray(gc.d.roles) && gc.d.roles.length >= 1);
      assert.ok(Array.isArray(gc.d.channels) && gc.d.channels.length >= 1);
    }
    assert.equal(c.dispatches('READY')[0]!.s, 1);
  });

  it('MESSAGE_CREATE reaches members only, with sequence numbers increasing per session', async () => {
    const f = await guildFixture(t);
    const otherGuild = await t.createGuild(f.stranger, 'elsewhere');
    const otherChannel = (await t.request('GET', `/guilds/${otherGuild.id}/channels`, { auth: f.stranger })).body.find((c: any) => c.type === 0);
    const member = await online(f.member);
    const stranger = await online(f.stranger);
    for (let i = 0; i < 3; i++) await send(t, f.owner, f.channel.id, `hello ${i}`);
    await member.waitForDispatch('MESSAGE_CREATE', (d) => d.content === 'hello 2');
    // A marker in the stranger's own guild: once it arrives, any leak from the first guild would have too.
    await send(t, f.stranger, otherChannel.id, 'marker');
    await stranger.waitForDispatch('MESSAGE_CREATE', (d) => d.content === 'marker');
    assert.equal(stranger.dispatches('MESSAGE_CREATE').filter((p) => p.d.channel_id === f.channel.id).length, 0);
    const seqs = member.payloads.filter((p) => p.op === 0).map((p) => p.s!);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1));
    const msgs = member.dispatches('MESSAGE_CREATE').map((p) => p.d.content);
    assert.deepEqual(msgs, ['hello 0', 'hello 1', 'hello 2']);
  });

  it('VIEW_CHANNEL: a hidden channel sends nothing, and losing VIEW_CHANNEL stops events at once', async () => {
    const f = await guildFixture(t);
    const hidden = await textChannel(t, f.owner, f.guild.id, { name: 'secret' });
    await overwrite(t, f.owner, hidden.id, f.member.id, 1, 0n, Permissions.VIEW_CHANNEL);
    const visible = await textChannel(t, f.owner, f.guild.id, { name: 'open' });
    const member = await online(f.member);
    await send(t, f.owner, hidden.id, 'secret 1');
    await send(t, f.owner, visible.id, 'marker 1');
    await member.waitForDispatch('MESSAGE_CREATE', (d) => d.content === 'marker 1');
    assert.equal(member.dispatches('MESSAGE_CREATE').filter((p) => p.d.channel_id === hidden.id).length, 0);

    // Deny @everyone on the general channel: the next message there must not arrive.
    await send(t, f.owner, f.channel.id, 'before');
    await member.waitForDispatch('MESSAGE_CREATE', (d) => d.content === 'before');
    await overwrite(t, f.owner, f.channel.id, f.guild.id, 0, 0n, Permissions.VIEW_CHANNEL);
    await send(t, f.owner, f.channel.id, 'after');
    await send(t, f.owner, visible.id, 'marker 2');
    await member.waitForDispatch('MESSAGE_CREATE', (d) => d.content === 'marker 2');
    assert.equal(member.dispatches('MESSAGE_CREATE').filter((p) => p.d.content === 'after').length, 0);
    // The owner still sees everything.
  });

  it('MESSAGE_CONTENT: stripped for a bot without the intent, except its own messages and mentions of it', async () => {
    const f = await guildFixture(t);
    const bot = await addBot(f.owner, f.guild.id, 'Content Bot');
    const c = await online(bot, { intents: Intents.GUILDS | Intents.GUILD_MESSAGES });
    await send(t, f.owner, f.channel.id, { content: 'secret words', embeds: [{ title: 'x' }] });
    const plain = await c.waitForDispatch('MESSAGE_CREATE', (d) => d.author.id === f.owner.id && d.mentions.length === 0);
    assert.equal(plain.d.content, '');
    assert.deepEqual(plain.d.embeds, []);
    assert.deepEqual(plain.d.attachments, []);
    assert.deepEqual(plain.d.components, []);
    // A forward's snapshot is content too.
    const source = await send(t, f.owner, f.channel.id, 'forwarded words');
    const forwarded = await t.request('POST', `/channels/${f.channel.id}/messages`, { auth: f.owner, body: { message_reference: { type: 1, message_id: source.id, channel_id: f.channel.id } } });
    assert.equal(forwarded.status, 200, JSON.stringify(forwarded.body));
    const snap = await c.waitForDispatch('MESSAGE_CREATE', (d) => d.id === forwarded.body.id);
    assert.equal(snap.d.message_snapshots[0].message.content, '');
    assert.equal(snap.d.message_snapshots[0].message.timestamp, source.timestamp, 'the rest of the snapshot stays');
    // So is the message a reply answers.
    const reply = await send(t, f.owner, f.channel.id, { content: 'an answer', message_reference: { message_id: source.id } });
    const answered = await c.waitForDispatch('MESSAGE_CREATE', (d) => d.id === reply.id);
    assert.equal(answered.d.referenced_message.id, source.id);
    assert.equal(answered.d.referenced_message.content, '');
    assert.equal(answered.d.referenced_message.author.id, f.owner.id, 'the rest of the replied-to message stays');
    await send(t, f.owner, f.channel.id, `hey <@${bot.id}>`);
    const mention = await c.waitForDispatch('MESSAGE_CREATE', (d) => d.mentions.some((m: any) => m.id === bot.id));
    assert.equal(mention.d.content, `hey <@${bot.id}>`);
    await send(t, bot, f.channel.id, 'from the bot');
    const own = await c.waitForDispatch('MESSAGE_CREATE', (d) => d.author.id === bot.id);
    assert.equal(own.d.content, 'from the bot');
    // A user session sees the content.
    const owner = await online(f.owner);
    await send(t, f.member, f.channel.id, 'visible to users');
    await owner.waitForDispatch('MESSAGE_CREATE', (d) => d.content === 'visible to users');
  });

  it('intents gate events for bots: no GUILD_MESSAGE_TYPING → no TYPING_START; with it → TYPING_START', async () => {
    const f = await guildFixture(t);
    const bot = await addBot(f.owner, f.guild.id, 'Typing Bot');
    const without = await online(bot, { intents: Intents.GUILDS | Intents.GUILD_MESSAGES });
    const withTyping = await online(bot, { intents: Intents.GUILDS | Intents.GUILD_MESSAGE_TYPING });
    const typing = await t.request('POST', `/channels/${f.channel.id}/typing`, { auth: f.owner });
    assert.equal(typing.status, 204);
    const ev = await withTyping.waitForDispatch('TYPING_START');
    assert.equal(ev.d.user_id, f.owner.id);
    await send(t, f.owner, f.channel.id, 'marker');
    await without.waitForDispatch('MESSAGE_CREATE');
    assert.equal(without.dispatches('TYPING_START').length, 0);
    assert.equal(withTyping.dispatches('MESSAGE_CREATE').length, 0);
  });

  it('joining sends GUILD_CREATE and starts events; a kick sends GUILD_DELETE {id} and stops them', async () => {
    const owner = await t.register();
    const joiner = await t.register();
    const guild = await t.createGuild(owner);
    const channel = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
    const c = await online(joiner);
    await t.join(owner, guild.id, joiner);
    const gc = await c.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
    assert.ok(gc.d.channels.some((ch: any) => ch.id === channel.id));
    await send(t, owner, channel.id, 'welcome');
    await c.waitForDispatch('MESSAGE_CREATE', (d) => d.content === 'welcome');
    const kick = await t.request('DELETE', `/guilds/${guild.id}/members/${joiner.id}`, { auth: owner });
    assert.equal(kick.status, 204);
    const del = await c.waitForDispatch('GUILD_DELETE', (d) => d.id === guild.id);
    assert.equal(del.d.unavailable, undefined);
    const from = c.payloads.length;
    await send(t, owner, channel.id, 'gone');
    // Owner-side marker through a second guild the joiner is in.
    const mine = await t.createGuild(joiner, 'mine');
    await c.waitForDispatch('GUILD_CREATE', (d) => d.id === mine.id, 5000, from);
    assert.equal(c.dispatches('MESSAGE_CREATE').filter((p) => p.d.content === 'gone').length, 0);
  });

  it('PRESENCE_UPDATE: others in the guild see a status change, the user does not see their own', async () => {
    const f = await guildFixture(t);
    const member = await online(f.member);
    const owner = await online(f.owner);
    owner.send(3, { since: null, activities: [], status: 'dnd', afk: false });
    const p = await member.waitForDispatch('PRESENCE_UPDATE', (d) => d.user.id === f.owner.id && d.status === 'dnd');
    assert.equal(p.d.guild_id, f.guild.id);
    await send(t, f.member, f.channel.id, 'marker');
    await owner.waitForDispatch('MESSAGE_CREATE', (d) => d.content === 'marker');
    assert.equal(owner.dispatches('PRESENCE_UPDATE').filter((x) => x.d.user.id === f.owner.id).length, 0);
  });

  it('zlib-stream: binary frames, each ending with 00 00 ff ff, inflated by one context per connection', async () => {
    const f = await guildFixture(t);
    const c = await online(f.member, {}, { zlib: true });
    await send(t, f.owner, f.channel.id, 'compressed hello');
    await c.waitForDispatch('MESSAGE_CREATE', (d) => d.content === 'compressed hello');
    assert.ok(c.rawFrames.length >= 4, 'HELLO, READY, GUILD_CREATE, MESSAGE_CREATE');
    for (const frame of c.rawFrames) assert.deepEqual([...frame.subarray(-4)], [0, 0, 0xff, 0xff]);
    assert.equal(c.payloads[0]!.op, 10);
    c.send(1, c.lastSeq);
    await c.waitForOp(11);
  });
  it('an outbox event published twice (same id) reaches each session once; one without an id is never deduplicated', async () => {
    const { owner, guild, channel } = await guildFixture(t);
    const c = await online(owner, { intents: Intents.GUILDS | Intents.GUILD_MESSAGES });
    const before = c.dispatches('MESSAGE_CREATE').length;
    const envelope = (id?: string, content = 'twice') => ({ t: 'MESSAGE_CREATE', d: { id: '1', channel_id: channel.id, guild_id: guild.id, content, author: { id: owner.id } }, guildId: guild.id, channelId: channel.id, ...(id ? { id } : {}) });
    publishEvent(t.bus, GatewaySubjects.guildDispatch(guild.id), envelope('9001'));
    publishEvent(t.bus, GatewaySubjects.guildDispatch(guild.id), envelope('9001'));
    publishEvent(t.bus, GatewaySubjects.guildDispatch(guild.id), envelope(undefined, 'plain'));
    publishEvent(t.bus, GatewaySubjects.guildDispatch(guild.id), envelope(undefined, 'plain'));
    await c.waitFor(() => c.dispatches('MESSAGE_CREATE').filter((p) => p.d.content === 'plain').length === 2, 'both id-less events');
    assert.equal(c.dispatches('MESSAGE_CREATE').slice(before).filter((p) => p.d.content === 'twice').length, 1);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(metrics, /^accord_gateway_duplicates_dropped_total [1-9]\d*$/m);
  });
});
