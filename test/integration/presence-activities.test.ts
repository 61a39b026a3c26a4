/**
 * Presence activities are judged as Discord judges them before anyone else sees them: an invalid activity (type
 * outside 0–5, a name missing or over 128 characters, a state over 128) closes the socket with 4001 and is never
 * relayed; a valid one reaches the other members with only the known fields, a Streaming url only for
 * Twitch/YouTube, created_at set by the server, and for bots only name, state, type and url.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PresenceSubjects, type PresenceSessionUpdate } from '../../src/contracts/presence.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { addMember, makeBot } from './fixtures.guilds.ts';
import { guildFixture, type GuildFixture } from './fixtures.messages.ts';
import { GatewayClient } from './gateway-client.ts';

describe('presence activities', () => {
  let t: TestServer;
  let f: GuildFixture;
  let observer: GatewayClient;
  const clients: GatewayClient[] = [];

  const online = async (user: TestUser, presence?: unknown): Promise<GatewayClient> => {
    const c = await GatewayClient.connect(t.url);
    clients.push(c);
    await c.identify(user.token, presence ? { presence } : {});
    return c;
  };
  const presence = (activities: unknown[], status = 'online') => ({ since: null, activities, status, afk: false });
  /** The next PRESENCE_UPDATE of `userId` the observer gets with that status. */
  const seen = (userId: string, status: string, from: number) =>
    observer.waitForDispatch('PRESENCE_UPDATE', (d) => d.user.id === userId && d.status === status, 5000, from);

  before(async () => {
    t = await startTestServer({ heartbeatIntervalMs: 5000 });
    f = await guildFixture(t);
    observer = await online(f.owner);
  });
  after(async () => {
    for (const c of clients) await c.close();
    await t.close();
  });

  it('relays a valid activity with only the known fields, created_at set by the server', async () => {
    const c = await online(f.member);
    const before = Date.now();
    const from = observer.payloads.length;
    c.send(3, presence([{
      name: 'Chess', type: 0, state: 'Winning', details: 'Move 12', created_at: 5,
      timestamps: { start: 1_700_000_000_000, junk: 1 },
      url: 'https://twitch.tv/chess', emoji: { name: '♟️' },
      assets: { large_image: 'mp:x' }, buttons: ['Join'], application_id: '123', secrets: { join: 's' }, flags: 1, extra: 'x'.repeat(100),
    }], 'dnd'));
    const p = await seen(f.member.id, 'dnd', from);
    const [activity] = p.d.activities;
    assert.ok(activity.created_at >= before, 'created_at is when the server took the activity');
    assert.deepEqual(p.d.activities, [{ name: 'Chess', type: 0, state: 'Winning', details: 'Move 12', timestamps: { start: 1_700_000_000_000 }, created_at: activity.created_at }]);
  });

  it('keeps a Streaming url only for Twitch or YouTube, and an emoji only on a custom status', async () => {
    const c = await online(f.member);
    const from = observer.payloads.length;
    c.send(3, presence([
      { name: 'Live', type: 1, url: 'https://www.twitch.tv/accord' },
      { name: 'Tricked', type: 1, url: 'javascript:alert(1)' },
      { name: 'Elsewhere', type: 1, url: 'https://evil.example/twitch.tv' },
      { name: 'Custom Status', type: 4, state: 'brb', emoji: { name: '🍕', id: null, animated: false, junk: true } },
    ], 'idle'));
    const p = await seen(f.member.id, 'idle', from);
    const at = p.d.activities[0].created_at;
    assert.deepEqual(p.d.activities, [
      { name: 'Live', type: 1, url: 'https://www.twitch.tv/accord', created_at: at },
      { name: 'Tricked', type: 1, created_at: at },
      { name: 'Elsewhere', type: 1, created_at: at },
      { name: 'Custom Status', type: 4, state: 'brb', emoji: { name: '🍕', animated: false }, created_at: at },
    ]);
  });

  for (const [what, activity] of [
    ['a type outside 0–5', { name: 'Game', type: 6 }],
    ['a 3,000-character name', { name: 'n'.repeat(3000), type: 0 }],
    ['no name', { type: 0, state: 'x' }],
    ['a state over 128 characters', { name: 'Game', type: 0, state: 's'.repeat(129) }],
    ['a non-integer type', { name: 'Game', type: '0' }],
  ] as const) {
    it(`closes 4001 on ${what} and relays nothing of it`, async () => {
      const from = observer.payloads.length;
      const bad = await online(f.member);
      bad.send(3, presence([activity], 'dnd'));
      assert.equal((await bad.waitForClose()).code, 4001);
      // A later valid update is a barrier: the presence role relays in order, so an earlier one would be seen first.
      const good = await online(f.member);
      good.send(3, presence([{ name: 'Barrier', type: 0 }], 'idle'));
      await seen(f.member.id, 'idle', from);
      const relayed = observer.payloads.slice(from).filter((p) => p.t === 'PRESENCE_UPDATE' && p.d.user.id === f.member.id);
      assert.deepEqual(relayed.flatMap((p) => p.d.activities.map((a: any) => a.name)), ['Barrier']);
    });
  }

  it('the presence role drops an update with an invalid activity that reaches it over the bus', async () => {
    const from = observer.payloads.length;
    t.bus.publish(PresenceSubjects.update, {
      nodeId: 'elsewhere', sessionId: 'forged', userId: f.member.id, guildIds: [f.guild.id], status: 'dnd', platform: 'web', since: null, afk: false,
      activities: [{ name: 'x'.repeat(500), type: 42, url: 'javascript:alert(1)' }],
    } satisfies PresenceSessionUpdate);
    const good = await online(f.member);
    good.send(3, presence([{ name: 'Barrier', type: 0 }], 'idle'));
    await seen(f.member.id, 'idle', from);
    const relayed = observer.payloads.slice(from).filter((p) => p.t === 'PRESENCE_UPDATE' && p.d.user.id === f.member.id);
    assert.deepEqual(relayed.flatMap((p) => p.d.activities.map((a: any) => a.name)), ['Barrier']);
  });

  it('refuses an invalid activity in IDENTIFY with 4001', async () => {
    const c = await GatewayClient.connect(t.url);
    clients.push(c);
    await c.waitForOp(10);
    c.send(2, { token: f.member.token, properties: { os: 'linux', browser: 'test', device: 'test' }, intents: 1, presence: presence([{ name: 'x', type: 99 }]) });
    assert.equal((await c.waitForClose()).code, 4001);
  });

  it('keeps only name, state, type and url of a bot activity', async () => {
    const { bot } = await makeBot(t, f.owner, 'Presence Bot');
    await addMember(t, f.guild.id, bot);
    const c = await online(bot);
    const from = observer.payloads.length;
    c.send(3, presence([{ name: 'Stream', type: 1, url: 'https://youtube.com/watch?v=1', state: 'On air', details: 'Bots cannot set this', timestamps: { start: 1 } }], 'dnd'));
    const p = await seen(bot.id, 'dnd', from);
    assert.deepEqual(p.d.activities, [{ name: 'Stream', type: 1, url: 'https://youtube.com/watch?v=1', state: 'On air', created_at: p.d.activities[0].created_at }]);
  });
});
