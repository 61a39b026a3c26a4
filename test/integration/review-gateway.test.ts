/**
 * Review findings on the gateway: op 8 with an empty or invalid user_ids list, and IDENTIFY with a token
 * naming an id past the store's range. Each test failed before its fix.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Intents } from '../../src/protocol/intents.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { addMember, makeBot } from './fixtures.guilds.ts';
import { GatewayClient } from './gateway-client.ts';

describe('review: gateway input', () => {
  let t: TestServer;
  const clients: GatewayClient[] = [];
  const connect = async () => {
    const c = await GatewayClient.connect(t.url);
    clients.push(c);
    return c;
  };

  before(async () => {
    t = await startTestServer({ heartbeatIntervalMs: 5000 });
  });
  after(async () => {
    for (const c of clients) await c.close();
    await t.close();
  });

  it('op 8 with user_ids [] does not list every member to a bot without GUILD_MEMBERS', async () => {
    const owner = await t.register();
    const guild = await t.createGuild(owner, 'members are private');
    for (let i = 0; i < 3; i++) await addMember(t, guild.id, await t.register());
    const { bot, app } = await makeBot(t, owner, 'Nosy Bot');
    const auth = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, authorize: true } });
    assert.equal(auth.status, 200, JSON.stringify(auth.body));

    const c = await connect();
    await c.identify(bot.token, { intents: Intents.GUILDS });
    await c.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
    c.send(8, { guild_id: guild.id, user_ids: [], nonce: 'empty' });
    const chunk = await c.waitForDispatch('GUILD_MEMBERS_CHUNK', (d) => d.nonce === 'empty');
    assert.deepEqual(chunk.d.members, []);
    assert.equal(c.closed, null);
  });

  it('op 8 with user_ids that are not snowflakes answers not_found, without a guild role error', async () => {
    const owner = await t.register();
    const guild = await t.createGuild(owner, 'odd ids');
    const c = await connect();
    await c.identify(owner.token);
    await c.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
    c.send(8, { guild_id: guild.id, user_ids: ['abc', '99999999999999999999999'], nonce: 'odd' });
    const chunk = await c.waitForDispatch('GUILD_MEMBERS_CHUNK', (d) => d.nonce === 'odd');
    assert.deepEqual(chunk.d.members, []);
    assert.deepEqual(chunk.d.not_found, ['abc', '99999999999999999999999']);

    // Valid and invalid ids mixed: the valid ones are still looked up.
    c.send(8, { guild_id: guild.id, user_ids: ['abc', owner.id], nonce: 'mixed' });
    const mixed = await c.waitForDispatch('GUILD_MEMBERS_CHUNK', (d) => d.nonce === 'mixed');
    assert.deepEqual(mixed.d.members.map((m: any) => m.user.id), [owner.id]);
  });

  it('IDENTIFY with a token naming an id past 2^63 closes 4004, not 4000', async () => {
    const forged = `${Buffer.from('99999999999999999999').toString('base64url')}.MTc5.${'A'.repeat(43)}`;
    const c = await connect();
    await c.waitForOp(10);
    c.send(2, { token: forged, properties: {}, intents: Intents.GUILDS });
    assert.equal((await c.waitForClose()).code, 4004);
  });
});
