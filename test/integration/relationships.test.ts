/**
 * Relationships over real HTTP and the gateway: friend requests by id and by username, accepting, declining,
 * cancelling, removing, nicknames, blocks (and what they refuse: DMs both ways, friend requests), group DMs limited
 * to friends, Discord's error codes, RELATIONSHIP_ADD / REMOVE to both sides, READY's relationships (none for bots),
 * and delivery from one node's REST to another node's session over NATS.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NatsBus } from '../../src/bus/nats.ts';
import { loadConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { apiRequest as http, freshPostgresStore, serviceSkip, TEST_NATS_URL } from '../helpers/services.ts';
import { assertError, makeBot } from './fixtures.guilds.ts';
import { GatewayClient } from './gateway-client.ts';

const FRIEND = 1, BLOCKED = 2, INCOMING = 3, OUTGOING = 4;

const pgSkip = await serviceSkip('postgres');
for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`relationships (${kind})`, { skip: kind === 'postgres' ? pgSkip : false }, () => {
    let t: TestServer;
    let drop: (() => Promise<void>) | undefined;
    const clients: GatewayClient[] = [];
    before(async () => {
      const pg = kind === 'postgres' ? await freshPostgresStore() : undefined;
      drop = pg?.drop;
      t = await startTestServer({}, pg ? { store: pg.store } : {});
    });
    after(async () => {
      for (const c of clients.splice(0)) await c.close();
      await t.close();
      await drop?.();
    });

    const online = async (user: TestUser) => {
      const c = await GatewayClient.connect(t.url);
      clients.push(c);
      const ready = await c.identify(user.token);
      return { c, ready };
    };
    const put = (me: TestUser, other: string, body: unknown = {}) => t.request('PUT', `/users/@me/relationships/${other}`, { auth: me, body });
    const list = async (me: TestUser) => {
      const res = await t.request('GET', '/users/@me/relationships', { auth: me });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as any[];
    };
    const types = async (me: TestUser) => Object.fromEntries((await list(me)).map((r) => [r.id, r.type]));

    it('a request, seen live by both sides, accepted by the other: both are friends with the relationship object', async () => {
      const alice = await t.register();
      const bob = await t.register();
      const a = await online(alice);
      const b = await online(bob);
      assert.deepEqual(a.ready.relationships, []);

      assert.equal((await put(alice, bob.id)).status, 204);
      const out = await a.c.waitForDispatch('RELATIONSHIP_ADD', (d) => d.id === bob.id);
      assert.equal(out.d.type, OUTGOING);
      assert.equal(out.d.user.id, bob.id);
      assert.equal(out.d.user.username, bob.username);
      assert.equal(out.d.nickname, null);
      assert.ok(!Number.isNaN(Date.parse(out.d.since)));
      const inc = await b.c.waitForDispatch('RELATIONSHIP_ADD', (d) => d.id === alice.id);
      assert.equal(inc.d.type, INCOMING);
      assert.equal(inc.d.should_notify, true);
      assert.deepEqual(await types(alice), { [bob.id]: OUTGOING });
      assert.deepEqual(await types(bob), { [alice.id]: INCOMING });
      // Asking again changes nothing.
      assert.equal((await put(alice, bob.id)).status, 204);

      // Bob accepts (type 1 or no type).
      assert.equal((await put(bob, alice.id, { type: 1 })).status, 204);
      await a.c.waitForDispatch('RELATIONSHIP_ADD', (d) => d.id === bob.id && d.type === FRIEND);
      await b.c.waitForDispatch('RELATIONSHIP_ADD', (d) => d.id === alice.id && d.type === FRIEND);
      const [rel] = await list(alice);
      assert.deepEqual(Object.keys(rel).sort(), ['id', 'nickname', 'since', 'type', 'user']);
      assert.equal(rel.type, FRIEND);
      assert.deepEqual(await types(bob), { [alice.id]: FRIEND });
      assertError(await put(alice, bob.id), 400, 80007);

      // READY of a new session lists the friend.
      const again = await online(alice);
      assert.deepEqual(again.ready.relationships.map((r: any) => [r.id, r.type, r.user.id]), [[bob.id, FRIEND, bob.id]]);

      // A nickname: PATCH, RELATIONSHIP_UPDATE to the caller only, kept in the list.
      assert.equal((await t.request('PATCH', `/users/@me/relationships/${bob.id}`, { auth: alice, body: { nickname: 'Bobby' } })).status, 204);
      await a.c.waitForDispatch('RELATIONSHIP_UPDATE', (d) => d.id === bob.id && d.nickname === 'Bobby');
      assert.equal((await list(alice))[0].nickname, 'Bobby');
      assert.equal((await list(bob))[0].nickname, null);

      // Removing the friend removes both sides, each told with its former type.
      assert.equal((await t.request('DELETE', `/users/@me/relationships/${bob.id}`, { auth: alice })).status, 204);
      const gone = await b.c.waitForDispatch('RELATIONSHIP_REMOVE', (d) => d.id === alice.id);
      assert.deepEqual(gone.d, { id: alice.id, type: FRIEND });
      await a.c.waitForDispatch('RELATIONSHIP_REMOVE', (d) => d.id === bob.id);
      assert.deepEqual(await list(alice), []);
      assert.deepEqual(await list(bob), []);
    });

    it('by username (POST): unknown name or wrong tag 80004, self 80003, accepting an incoming one; decline and cancel', async () => {
      const alice = await t.register();
      const bob = await t.register();
      const carol = await t.register();
      const post = (me: TestUser, body: unknown) => t.request('POST', '/users/@me/relationships', { auth: me, body });
      assertError(await post(alice, { username: 'nobody_by_that_name' }), 400, 80004);
      assertError(await post(alice, { username: bob.username, discriminator: 1234 }), 400, 80004);
      assertError(await post(alice, { username: alice.username }), 400, 80003);
      assertError(await post(alice, {}), 400, 50035);
      assert.equal((await post(alice, { username: bob.username.toUpperCase(), discriminator: null })).status, 204);
      assert.deepEqual(await types(bob), { [alice.id]: INCOMING });
      // Bob sending a request to Alice accepts hers.
      assert.equal((await post(bob, { username: alice.username })).status, 204);
      assert.deepEqual(await types(alice), { [bob.id]: FRIEND });

      // Carol's request: declined by Alice; then another cancelled by Carol.
      assert.equal((await put(carol, alice.id)).status, 204);
      assert.equal((await t.request('DELETE', `/users/@me/relationships/${carol.id}`, { auth: alice })).status, 204);
      assert.deepEqual(await types(carol), {});
      assert.equal((await put(carol, alice.id)).status, 204);
      assert.equal((await t.request('DELETE', `/users/@me/relationships/${alice.id}`, { auth: carol })).status, 204);
      assert.deepEqual(await types(alice), { [bob.id]: FRIEND });

      assertError(await put(alice, '123456789012345678'), 404, 10013);
      assertError(await put(alice, 'abc'), 400, 50035);
      assertError(await put(alice, alice.id), 400, 80003);
      assertError(await put(alice, bob.id, { type: 3 }), 400, 50035);
      assertError(await t.request('PATCH', `/users/@me/relationships/${carol.id}`, { auth: alice, body: { nickname: 'x' } }), 404, 10013);
    });

    it('a block removes the friendship both ways, refuses requests (80001) and DMs both ways (50007); unblocking', async () => {
      const alice = await t.register();
      const bob = await t.register();
      assert.equal((await put(alice, bob.id)).status, 204);
      assert.equal((await put(bob, alice.id)).status, 204);
      const dm = await t.request('POST', '/users/@me/channels', { auth: alice, body: { recipient_id: bob.id } });
      assert.equal(dm.status, 200);
      assert.equal((await t.request('POST', `/channels/${dm.body.id}/messages`, { auth: bob, body: { content: 'hi friend' } })).status, 200);
      const a = await online(alice);
      const b = await online(bob);

      assert.equal((await put(alice, bob.id, { type: 2 })).status, 204);
      const blocked = await a.c.waitForDispatch('RELATIONSHIP_ADD', (d) => d.id === bob.id);
      assert.equal(blocked.d.type, BLOCKED);
      assert.deepEqual((await b.c.waitForDispatch('RELATIONSHIP_REMOVE', (d) => d.id === alice.id)).d, { id: alice.id, type: FRIEND });
      assert.deepEqual(await types(alice), { [bob.id]: BLOCKED });
      assert.deepEqual(await types(bob), {});

      // Bob cannot ask again, nor message Alice; Alice cannot message Bob while she blocks him.
      assertError(await put(bob, alice.id), 400, 80001);
      assertError(await t.request('POST', '/users/@me/relationships', { auth: bob, body: { username: alice.username } }), 400, 80001);
      assertError(await t.request('POST', `/channels/${dm.body.id}/messages`, { auth: bob, body: { content: 'hello?' } }), 403, 50007);
      assertError(await t.request('POST', `/channels/${dm.body.id}/messages`, { auth: alice, body: { content: 'go away' } }), 403, 50007);
      // Opening the DM still answers the channel, as on Discord; only sending is refused.
      assert.equal((await t.request('POST', '/users/@me/channels', { auth: bob, body: { recipient_id: alice.id } })).body.id, dm.body.id);
      // Reading history stays possible.
      assert.equal((await t.request('GET', `/channels/${dm.body.id}/messages`, { auth: alice })).status, 200);

      // Unblocking: Alice's block goes, nothing comes back; DMs work again.
      assert.equal((await t.request('DELETE', `/users/@me/relationships/${bob.id}`, { auth: alice })).status, 204);
      assert.deepEqual((await a.c.waitForDispatch('RELATIONSHIP_REMOVE', (d) => d.id === bob.id)).d, { id: bob.id, type: BLOCKED });
      assert.deepEqual(await types(alice), {});
      assert.equal((await t.request('POST', `/channels/${dm.body.id}/messages`, { auth: bob, body: { content: 'hello again' } })).status, 200);

      // A request from the blocker replaces their block.
      assert.equal((await put(alice, bob.id, { type: 2 })).status, 204);
      assert.equal((await put(alice, bob.id)).status, 204);
      assert.deepEqual(await types(alice), { [bob.id]: OUTGOING });
      // Both blocking each other: each keeps their own block; one unblocking leaves the other's.
      assert.equal((await put(alice, bob.id, { type: 2 })).status, 204);
      assert.equal((await put(bob, alice.id, { type: 2 })).status, 204);
      assert.deepEqual(await types(alice), { [bob.id]: BLOCKED });
      assert.deepEqual(await types(bob), { [alice.id]: BLOCKED });
      assert.equal((await t.request('DELETE', `/users/@me/relationships/${bob.id}`, { auth: alice })).status, 204);
      assert.deepEqual(await types(bob), { [alice.id]: BLOCKED });
      assertError(await t.request('POST', `/channels/${dm.body.id}/messages`, { auth: alice, body: { content: 'still blocked' } }), 403, 50007);
    });

    it('friends can open a DM without sharing a guild; group DMs take friends only (50007)', async () => {
      const owner = await t.register();
      const friend = await t.register();
      const stranger = await t.register();
      assertError(await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipient_id: friend.id } }), 400, 50007);
      assert.equal((await put(owner, friend.id)).status, 204);
      assert.equal((await put(friend, owner.id)).status, 204);
      assert.equal((await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipient_id: friend.id } })).status, 200);
      assertError(await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipients: [friend.id, stranger.id] } }), 400, 50007);
      const group = await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipients: [friend.id] } });
      assert.equal(group.status, 200, JSON.stringify(group.body));
      assertError(await t.request('PUT', `/channels/${group.body.id}/recipients/${stranger.id}`, { auth: owner }), 400, 50007);
    });

    it('bots: 20001 on every route, cannot be befriended (80002), READY relationships empty', async () => {
      const owner = await t.register();
      const { bot } = await makeBot(t, owner, 'Friendless Bot');
      assertError(await t.request('GET', '/users/@me/relationships', { auth: bot }), 403, 20001);
      assertError(await t.request('PUT', `/users/@me/relationships/${owner.id}`, { auth: bot, body: {} }), 403, 20001);
      assertError(await t.request('POST', '/users/@me/relationships', { auth: bot, body: { username: owner.username } }), 403, 20001);
      assertError(await t.request('DELETE', `/users/@me/relationships/${owner.id}`, { auth: bot }), 403, 20001);
      assertError(await t.request('PATCH', `/users/@me/relationships/${owner.id}`, { auth: bot, body: { nickname: 'x' } }), 403, 20001);
      assertError(await put(owner, bot.id), 400, 80002);
      // A user may block a bot; the bot's READY still lists nothing.
      assert.equal((await put(owner, bot.id, { type: 2 })).status, 204);
      const c = await GatewayClient.connect(t.url);
      clients.push(c);
      const ready = await c.identify(bot.token);
      assert.deepEqual(ready.relationships, []);
    });
  });
}

describe('relationships across nodes (NATS)', { skip: await serviceSkip('nats') }, () => {
  const run = `${process.pid}-${Date.now().toString(36)}`;
  let dataDir: string;
  let store: Store;
  const buses: NatsBus[] = [];
  const servers: RunningServer[] = [];
  const clients: GatewayClient[] = [];

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'accord-rel-'));
    store = await openStore({ dataDir });
    await store.migrate();
    const { NatsBus } = await import('../../src/bus/nats.ts');
    for (const [i, name] of ['api', 'sessions'].entries()) {
      const bus = await NatsBus.connect({ servers: TEST_NATS_URL, name: `accord-rel-${name}`, streamPrefix: `R${run}` });
      buses.push(bus);
      const config = loadConfig({
        env: {},
        overrides: {
          port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', rateLimitScale: 1000, rateLimitGlobalPerSecond: 100_000,
          nodeId: `rel-${run}-${name}`, workerId: 2, processId: i + 1, roles: name === 'api' ? ['api', 'guild', 'presence'] : ['sessions'],
        },
      });
      servers.push(await startServer(config, { store, bus, log: silentLogger }));
    }
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    for (const s of servers.reverse()) await s.close().catch(() => {});
    await buses[0]?.destroyQueues().catch(() => {});
    for (const bus of buses) await bus.close().catch(() => {});
    await store?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('a request made on the api node reaches the other user’s session on the sessions node', async () => {
    const [api, sessions] = servers as [RunningServer, RunningServer];
    const register = async (username: string) => {
      const res = await http(api.url, 'POST', '/auth/register', undefined, { username, password: 'correct horse battery staple', email: `${username}@example.test` });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return { id: (await http(api.url, 'GET', '/users/@me', res.body.token)).body.id as string, token: res.body.token as string };
    };
    const tag = run.replace(/-/g, '').slice(-12);
    const alice = await register(`ra${tag}`);
    const bob = await register(`rb${tag}`);
    const c = await GatewayClient.connect(sessions.url);
    clients.push(c);
    await c.identify(bob.token);
    assert.equal((await http(api.url, 'PUT', `/users/@me/relationships/${bob.id}`, alice.token, {})).status, 204);
    const got = await c.waitForDispatch('RELATIONSHIP_ADD', (d) => d.id === alice.id, 10_000);
    assert.equal(got.d.type, INCOMING);
    assert.equal((await http(api.url, 'DELETE', `/users/@me/relationships/${alice.id}`, bob.token)).status, 204);
    assert.deepEqual((await c.waitForDispatch('RELATIONSHIP_REMOVE', (d) => d.id === alice.id, 10_000)).d, { id: alice.id, type: INCOMING });
  });
});
