/**
 * Member subscriptions (src/sessions/member-subscriptions.ts) over real sockets: in a guild above a user session's
 * large_threshold, PRESENCE_UPDATE reaches it only for the members it subscribed to with op 37 or op 14, its friends
 * and its DM recipients; below the threshold every presence flows; PRESENCES_REPLACE after lagging follows the same
 * rule; malformed subscriptions close 4002.
 *
 * Presences are published on the guild's bus subject, each batch followed by a message on the same subject: what
 * arrived before the message is everything the router sent of the batch (one subject keeps its order).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { addFillerMembers } from '../helpers/members.ts';
import { waitFor } from '../helpers/services.ts';
import { Intents } from '../../src/protocol/intents.ts';
import { addMember, makeBot } from './fixtures.guilds.ts';
import { GatewayClient, GatewaySessions } from './gateway-client.ts';

/** Members beside the named users: 55 in all, above the default large_threshold of 50. */
const FILLERS = 50;

interface LargeGuild {
  owner: TestUser;
  alice: TestUser;
  bob: TestUser;
  carol: TestUser;
  dave: TestUser;
  guildId: string;
  channelId: string;
}

async function largeGuild(t: TestServer, fillers = FILLERS): Promise<LargeGuild> {
  const [owner, alice, bob, carol, dave] = [await t.register(), await t.register(), await t.register(), await t.register(), await t.register()];
  const guildId = (await t.createGuild(owner, 'large')).id;
  for (const u of [alice, bob, carol, dave]) await addMember(t, guildId, u);
  await addFillerMembers(t.store, guildId, fillers);
  const channels = await t.request('GET', `/guilds/${guildId}/channels`, { auth: owner });
  return { owner, alice, bob, carol, dave, guildId, channelId: channels.body.find((c: any) => c.type === 0).id };
}

describe('member subscriptions in a large guild', () => {
  let t: TestServer;
  let g: LargeGuild;
  const sessions = new GatewaySessions(() => t.url);
  let marks = 0;

  before(async () => {
    t = await startTestServer({ presenceHoldMs: 0 });
    g = await largeGuild(t);
  });
  after(async () => {
    await sessions.closeAll();
    await t.close();
  });

  const online = (user: TestUser, extra: Record<string, unknown> = {}) => sessions.online(user, extra);
  /** Sends a gateway payload and waits until the server has handled it (ops are handled in order; op 1 is acked). */
  const sendAndSync = async (c: GatewayClient, op: number, d: unknown) => {
    const acks = c.payloads.filter((p) => p.op === 11).length;
    c.send(op, d);
    c.send(1, c.lastSeq);
    await waitFor(() => c.payloads.filter((p) => p.op === 11).length > acks, { what: 'heartbeat ACK' });
  };
  const presence = (user: { id: string }, status: string, guildId = g.guildId) =>
    t.bus.publish(`gateway.guild.${guildId}`, {
      t: 'PRESENCE_UPDATE',
      guildId,
      d: { user: { id: user.id }, guild_id: guildId, status, activities: [], client_status: { desktop: status } },
    });
  /** Publishes the presences, then a message after them; returns, per client, whose presences came before it. */
  const round = async (statuses: Array<[{ id: string }, string]>, watchers: GatewayClient[]): Promise<string[][]> => {
    const from = watchers.map((c) => c.payloads.length);
    for (const [u, s] of statuses) presence(u, s);
    const content = `mark ${++marks}`;
    t.bus.publish(`gateway.guild.${g.guildId}`, {
      t: 'MESSAGE_CREATE',
      guildId: g.guildId,
      channelId: g.channelId,
      d: { id: `9${marks}`, channel_id: g.channelId, guild_id: g.guildId, author: { id: g.owner.id }, content, mentions: [], embeds: [], attachments: [], components: [] },
    });
    return Promise.all(
      watchers.map(async (c, i) => {
        await c.waitForDispatch('MESSAGE_CREATE', (d) => d.content === content, 5000, from[i]);
        const seen = c.payloads.slice(from[i]);
        const upTo = seen.findIndex((p) => p.t === 'MESSAGE_CREATE' && p.d.content === content);
        return seen.slice(0, upTo).filter((p) => p.t === 'PRESENCE_UPDATE').map((p) => `${p.d.user.id}:${p.d.status}`);
      }),
    );
  };

  it('a user session gets only whom it subscribed to; op 37 and op 14 replace the subscription, [] ends it, no `members` keeps it', async () => {
    const alice = await online(g.alice);
    const wide = await online(g.dave, { large_threshold: 250 });
    const { bob, carol } = g;
    const all = (s: string) => [`${bob.id}:${s}`, `${carol.id}:${s}`];

    assert.deepEqual(await round([[bob, 'dnd'], [carol, 'dnd']], [alice, wide]), [[], all('dnd')], 'nobody subscribed: nothing; large_threshold 250: everything');

    await sendAndSync(alice, 37, { subscriptions: { [g.guildId]: { typing: true, activities: true, threads: true, channels: { [g.channelId]: [[0, 99]] }, members: [bob.id] } } });
    assert.deepEqual(await round([[bob, 'idle'], [carol, 'idle']], [alice, wide]), [[`${bob.id}:idle`], all('idle')]);

    await sendAndSync(alice, 14, { guild_id: g.guildId, typing: true, members: [carol.id] });
    assert.deepEqual(await round([[bob, 'online'], [carol, 'online']], [alice]), [[`${carol.id}:online`]], 'op 14 replaced bob by carol');

    await sendAndSync(alice, 37, { subscriptions: { [g.guildId]: { typing: false } } });
    assert.deepEqual(await round([[bob, 'dnd'], [carol, 'dnd']], [alice]), [[`${carol.id}:dnd`]], 'no `members`: unchanged');

    await sendAndSync(alice, 37, { subscriptions: { [g.guildId]: { members: [] } } });
    assert.deepEqual(await round([[bob, 'idle'], [carol, 'idle']], [alice]), [[]], '[] ends it');
    assert.equal(alice.closed, null);
  });

  it("a user session's GUILD_CREATE of a large guild lists only its own member and presence (a lazy guild); under its threshold, every member", async () => {
    const bob = await online(g.bob, { presence: { status: 'dnd', since: null, activities: [], afk: false } });
    await bob.waitForDispatch('GUILD_CREATE', (d) => d.id === g.guildId);
    const alice = await online(g.alice);
    const lazy = (await alice.waitForDispatch('GUILD_CREATE', (d) => d.id === g.guildId)).d;
    assert.equal(lazy.large, true);
    assert.equal(lazy.member_count, FILLERS + 5);
    assert.deepEqual(lazy.members.map((m: any) => m.user.id), [g.alice.id], 'bob is online, yet not listed');
    assert.deepEqual(lazy.presences.map((p: any) => p.user.id), [g.alice.id]);
    // The members come from op 8 instead, bob's presence with his.
    await sendAndSync(alice, 8, { guild_id: g.guildId, user_ids: [g.bob.id], presences: true });
    const chunk = (await alice.waitForDispatch('GUILD_MEMBERS_CHUNK', (d) => d.guild_id === g.guildId)).d;
    assert.deepEqual(chunk.members.map((m: any) => m.user.id), [g.bob.id]);
    assert.deepEqual(chunk.presences.map((p: any) => [p.user.id, p.status]), [[g.bob.id, 'dnd']]);
    // large_threshold 250 makes the guild small for this session: every member, the online ones' presences.
    const wide = await online(g.carol, { large_threshold: 250 });
    const all = (await wide.waitForDispatch('GUILD_CREATE', (d) => d.id === g.guildId)).d;
    assert.equal(all.large, false);
    assert.equal(all.members.length, FILLERS + 5);
    assert.ok(all.presences.some((p: any) => p.user.id === g.bob.id && p.status === 'dnd'));
    for (const c of [alice, bob, wide]) c.close();
  });

  it('a bot with GUILD_PRESENCES gets every presence of the large guild without subscribing; op 37 changes nothing for it', async () => {
    const { app, bot } = await makeBot(t, g.owner, 'Presence Bot');
    const flags = await t.request('PATCH', `/applications/${app.id}`, { auth: g.owner, body: { flags: (1 << 12) | (1 << 18) } }); // presence and message content intents
    assert.equal(flags.status, 200, JSON.stringify(flags.body));
    const added = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: g.owner, body: { guild_id: g.guildId, authorize: true } });
    assert.ok(added.status < 300, JSON.stringify(added.body));
    const c = await online(bot, { intents: Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT | Intents.GUILD_PRESENCES });
    const both = (s: string) => [`${g.bob.id}:${s}`, `${g.carol.id}:${s}`];
    assert.deepEqual(await round([[g.bob, 'dnd'], [g.carol, 'dnd']], [c]), [both('dnd')]);
    await sendAndSync(c, 37, { subscriptions: { [g.guildId]: { members: [g.bob.id] } } });
    assert.deepEqual(await round([[g.bob, 'idle'], [g.carol, 'idle']], [c]), [both('idle')]);
  });

  it('a guild the session does not receive, and ids that are not snowflakes, are ignored', async () => {
    const alice = await online(g.alice);
    await sendAndSync(alice, 37, { subscriptions: { '1234567890123456789': { members: [g.bob.id] }, [g.guildId]: { members: ['nope', 12, g.bob.id, g.bob.id] } } });
    assert.deepEqual(await round([[g.bob, 'dnd'], [g.carol, 'dnd']], [alice]), [[`${g.bob.id}:dnd`]]);
    assert.equal(alice.closed, null);
  });

  it('friends and DM recipients are followed without a subscription, also when made while connected; an unfriended user is not', async () => {
    const erin = await t.register();
    await addMember(t, g.guildId, erin);
    const befriend = async (a: TestUser, b: TestUser) => {
      assert.equal((await t.request('PUT', `/users/@me/relationships/${b.id}`, { auth: a, body: {} })).status, 204);
      assert.equal((await t.request('PUT', `/users/@me/relationships/${a.id}`, { auth: b, body: {} })).status, 204);
    };
    await befriend(g.carol, g.dave);
    const carol = await online(g.carol);
    assert.deepEqual(await round([[g.dave, 'dnd'], [g.bob, 'dnd']], [carol]), [[`${g.dave.id}:dnd`]], 'a friend from READY');

    await befriend(g.carol, erin);
    await carol.waitForDispatch('RELATIONSHIP_ADD', (d) => d.id === erin.id && d.type === 1);
    const dm = await t.request('POST', '/users/@me/channels', { auth: g.carol, body: { recipient_id: g.bob.id } });
    assert.equal(dm.status, 200, JSON.stringify(dm.body));
    await carol.waitForDispatch('CHANNEL_CREATE', (d) => d.id === dm.body.id);
    const both = await round([[erin, 'idle'], [g.bob, 'idle'], [g.alice, 'idle']], [carol]);
    assert.deepEqual(both, [[`${erin.id}:idle`, `${g.bob.id}:idle`]], 'a friend made and a DM opened while connected');

    assert.equal((await t.request('DELETE', `/users/@me/relationships/${erin.id}`, { auth: g.carol })).status, 204);
    await carol.waitForDispatch('RELATIONSHIP_REMOVE', (d) => d.id === erin.id);
    assert.deepEqual(await round([[erin, 'dnd'], [g.dave, 'online']], [carol]), [[`${g.dave.id}:online`]]);
  });

  it('a presence sent with op 3 by a subscribed member arrives through the presence role', async () => {
    const alice = await online(g.alice);
    await sendAndSync(alice, 37, { subscriptions: { [g.guildId]: { members: [g.bob.id] } } });
    const bob = await online(g.bob);
    bob.send(3, { since: null, activities: [], status: 'dnd', afk: false });
    await alice.waitForDispatch('PRESENCE_UPDATE', (d) => d.user.id === g.bob.id && d.status === 'dnd');
  });

  it('the member count follows joins and leaves: a guild of 50 becomes large with a 51st member, and small again', async () => {
    // 50 members: the owner, alice, bob, carol, dave and 45 others.
    const small = await largeGuild(t, 45);
    const alice = await online(small.alice);
    const ofBob = async (status: string) => {
      const from = alice.payloads.length;
      presence(small.bob, status, small.guildId);
      // Then carol's, whom alice subscribed to: it always passes, and marks the end (one subject keeps its order).
      presence(small.carol, status, small.guildId);
      await alice.waitForDispatch('PRESENCE_UPDATE', (d) => d.user.id === small.carol.id && d.status === status, 5000, from);
      return alice.payloads.slice(from).filter((p) => p.t === 'PRESENCE_UPDATE' && p.d.user.id === small.bob.id).length;
    };
    await sendAndSync(alice, 37, { subscriptions: { [small.guildId]: { members: [small.carol.id] } } });
    assert.equal(await ofBob('dnd'), 1, '50 members: not large, every presence');
    const erin = await t.register();
    await t.join(small.owner, small.guildId, erin);
    await alice.waitForDispatch('GUILD_MEMBER_ADD', (d) => d.user.id === erin.id);
    assert.equal(await ofBob('idle'), 0, '51 members: large');
    assert.equal((await t.request('DELETE', `/users/@me/guilds/${small.guildId}`, { auth: erin })).status, 204);
    await alice.waitForDispatch('GUILD_MEMBER_REMOVE', (d) => d.user.id === erin.id);
    assert.equal(await ofBob('online'), 1, '50 again');
  });

  for (const [what, op, d] of [
    ['op 37 without subscriptions', 37, { guild_id: '1' }],
    ['op 37 with a guild id that is not a snowflake', 37, { subscriptions: { general: { members: [] } } }],
    ['op 37 with members that is not a list', 37, { subscriptions: { '1234567890123456789': { members: 'all' } } }],
    ['op 14 without a guild id', 14, { members: [] }],
    ['op 14 that is not an object', 14, [1, 2]],
  ] as const) {
    it(`${what} closes 4002`, async () => {
      const c = await online(g.alice);
      c.send(op, d);
      assert.equal((await c.waitForClose()).code, 4002);
    });
  }
});

describe('PRESENCES_REPLACE in a large guild', () => {
  const MAX = 256 * 1024;
  let t: TestServer;
  let g: LargeGuild;
  const sessions = new GatewaySessions(() => t.url);
  before(async () => {
    t = await startTestServer({ heartbeatIntervalMs: 60_000, outboundMaxBytes: MAX, replayMaxBytes: 64 * 1024 * 1024, replayMaxEvents: 100_000, presenceHoldMs: 0 });
    g = await largeGuild(t);
  });
  after(async () => {
    await sessions.closeAll();
    await t.close();
  });

  it('after presences were dropped, a user session gets the presences of whom it follows there, not of every member', async () => {
    const online = (user: TestUser) => sessions.online(user);
    for (const [a, b] of [[g.alice, g.dave], [g.dave, g.alice]]) assert.equal((await t.request('PUT', `/users/@me/relationships/${b.id}`, { auth: a, body: {} })).status, 204);
    await online(g.bob);
    await online(g.carol);
    await online(g.dave);
    const alice = await online(g.alice);
    alice.send(37, { subscriptions: { [g.guildId]: { members: [g.bob.id] } } });
    alice.send(1, null);
    await alice.waitForOp(11);
    const socket = (alice.ws as any)._socket;
    socket.pause();
    const big = 'x'.repeat(16 * 1024);
    const dropped = () => (t.server.roles.find((r) => r.name === 'sessions') as any).stats().presencesDropped as number;
    const dropped0 = dropped();
    for (let i = 0; i < 5000 && dropped() === dropped0; i++) {
      t.bus.publish(`gateway.guild.${g.guildId}`, {
        t: 'MESSAGE_CREATE', guildId: g.guildId, channelId: g.channelId,
        d: { id: String(i + 1), channel_id: g.channelId, guild_id: g.guildId, author: { id: g.owner.id }, content: big, mentions: [], embeds: [], attachments: [], components: [] },
      });
      t.bus.publish(`gateway.guild.${g.guildId}`, {
        t: 'PRESENCE_UPDATE', guildId: g.guildId, d: { user: { id: g.bob.id }, guild_id: g.guildId, status: i % 2 ? 'online' : 'idle', activities: [], client_status: { desktop: 'online' } },
      });
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(dropped() > dropped0, 'presences dropped while lagging');
    socket.resume();
    const replace = await alice.waitForDispatch('PRESENCES_REPLACE', () => true, 20_000);
    assert.deepEqual(replace.d.map((p: any) => p.user.id).sort(), [g.bob.id, g.dave.id].sort(), 'bob (subscribed) and dave (a friend), online; not carol (online, not followed)');
  });
});
