/**
 * op 8 Request Guild Members from a bot, against Discord's documented rules (src/sessions/member-requests.ts):
 * `presences: true` without GUILD_PRESENCES "will always be false" (no close); the whole member list (`query: ''`,
 * any limit) needs GUILD_MEMBERS; invalid ids come back in `not_found`; and every member may be asked "1 request
 * per guild per bot every 30 seconds", a faster one getting RATE_LIMITED. Over real sockets, one Accord process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { Intents } from '../../src/protocol/intents.ts';
import { GatewaySessions, type GatewayClient } from './gateway-client.ts';
import { makeBot } from './fixtures.guilds.ts';

describe('op 8 from a bot: presences, the GUILD_MEMBERS intent, not_found, RATE_LIMITED', () => {
  let t: TestServer;
  let owner: TestUser, member: TestUser, bot: TestUser;
  let guildId: string;
  const sessions = new GatewaySessions(() => t.url);

  /** A bot session that has its GUILD_CREATE. */
  const botSession = (intents: number) => sessions.online(bot, { intents });
  const chunk = (c: GatewayClient, nonce: string) => c.waitForDispatch('GUILD_MEMBERS_CHUNK', (d) => d.nonce === nonce);

  before(async () => {
    t = await startTestServer();
    owner = await t.register();
    member = await t.register();
    guildId = (await t.createGuild(owner, 'op 8 rules')).id;
    await t.join(owner, guildId, member);
    const made = await makeBot(t, owner, 'Members Bot');
    bot = made.bot;
    // GUILD_MEMBERS (1 << 14) and GUILD_PRESENCES (1 << 12) allowed; each session picks its intents.
    assert.equal((await t.request('PATCH', `/applications/${made.app.id}`, { auth: owner, body: { flags: (1 << 14) | (1 << 12) } })).status, 200);
    const auth = await t.request('POST', `/oauth2/authorize?client_id=${made.app.id}&scope=bot`, { auth: owner, body: { guild_id: guildId, authorize: true } });
    assert.equal(auth.status, 200, JSON.stringify(auth.body));
  });
  after(async () => {
    await sessions.closeAll();
    await t?.close();
  });

  it('presences: true without GUILD_PRESENCES is taken as false; invalid ids, even among valid ones, are not_found', async () => {
    const c = await botSession(Intents.GUILDS | Intents.GUILD_MEMBERS);
    c.send(8, { guild_id: guildId, user_ids: [member.id, 'not-an-id', 12], presences: true, nonce: 'ids' });
    const d = (await chunk(c, 'ids')).d;
    assert.deepEqual(d.members.map((m: any) => m.user.id), [member.id]);
    assert.deepEqual(d.not_found, ['not-an-id', '12']);
    assert.equal('presences' in d, false, 'no presences without the intent');
    assert.equal(c.closed, null);
  });

  it('the whole member list needs GUILD_MEMBERS whatever the limit: query "" with limit 5 closes 4013', async () => {
    const c = await botSession(Intents.GUILDS);
    // A prefix query does not need the intent.
    c.send(8, { guild_id: guildId, query: 'x', limit: 5, nonce: 'prefix' });
    await chunk(c, 'prefix');
    c.send(8, { guild_id: guildId, query: '', limit: 5 });
    assert.equal((await c.waitForClose()).code, 4013);
  });

  it('every member once per guild per 30 s: a second request gets RATE_LIMITED with retry_after and meta; other requests still answer', async () => {
    const c = await botSession(Intents.GUILDS | Intents.GUILD_MEMBERS);
    c.send(8, { guild_id: guildId, query: '', limit: 0, nonce: 'all-1' });
    const first = (await chunk(c, 'all-1')).d;
    assert.deepEqual(first.members.map((m: any) => m.user.id).sort(), [owner.id, member.id, bot.id].sort());
    // Another session of the same bot counts against the same limit.
    const other = await botSession(Intents.GUILDS | Intents.GUILD_MEMBERS);
    other.send(8, { guild_id: guildId, query: '', limit: 0, nonce: 'all-2' });
    const limited = (await other.waitForDispatch('RATE_LIMITED')).d;
    assert.equal(limited.opcode, 8);
    assert.deepEqual(limited.meta, { guild_id: guildId, nonce: 'all-2' });
    assert.ok(typeof limited.retry_after === 'number' && limited.retry_after > 25 && limited.retry_after <= 30, `retry_after ${limited.retry_after}`);
    // By user ids and by prefix are not limited.
    other.send(8, { guild_id: guildId, user_ids: [owner.id], nonce: 'one' });
    assert.deepEqual((await chunk(other, 'one')).d.members.map((m: any) => m.user.id), [owner.id]);
    await sleep(200);
    assert.equal(other.dispatches('GUILD_MEMBERS_CHUNK').some((p) => p.d.nonce === 'all-2'), false, 'no chunk for the limited request');
    assert.equal(other.closed, null);
  });

  it("a user's session may ask for every member again at once (the limit is a bot's)", async () => {
    const c = await sessions.online(member);
    for (const nonce of ['u-1', 'u-2']) {
      c.send(8, { guild_id: guildId, query: '', limit: 0, nonce });
      assert.equal((await chunk(c, nonce)).d.members.length, 3);
    }
    assert.equal(c.dispatches('RATE_LIMITED').length, 0);
  });
});
