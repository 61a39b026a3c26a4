/**
 * discord.js v14, unpatched, against Accord's monetization answers: an application has no SKUs, entitlements or
 * subscriptions (src/api/routes/monetization.ts). `application.fetchSKUs()` and `application.entitlements.fetch()`
 * resolve empty; fetching, consuming or deleting an entitlement by id is Unknown Entitlement (10029), making a test
 * entitlement or listing a SKU's subscriptions Unknown SKU (10027); a sticker pack by id is 10061. Another
 * application's are 50001 to the bot.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, DiscordAPIError, GatewayIntentBits } from 'discord.js';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { botWorld, loggedInClient } from './setup.ts';
import { makeBot } from '../integration/fixtures.guilds.ts';

const code = (n: number) => (err: unknown) => err instanceof DiscordAPIError && err.code === n;

describe('discord.js v14 and monetization (nothing for sale)', () => {
  let t: TestServer;
  let client: Client;
  let world: Awaited<ReturnType<typeof botWorld>>;

  before(async () => {
    t = await startTestServer();
    world = await botWorld(t, 'djs monetization', Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES);
    client = await loggedInClient(t, world.bot.token, [GatewayIntentBits.Guilds]);
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  it('lists no SKUs and no entitlements; an entitlement by id is unknown', async () => {
    const skus = await client.application!.fetchSKUs();
    assert.equal(skus.size, 0);
    const entitlements = await client.application!.entitlements.fetch({ user: world.owner.id, excludeEnded: true });
    assert.equal(entitlements.size, 0);
    await assert.rejects(client.application!.entitlements.consume('123456789012345678'), code(10029));
    await assert.rejects(client.application!.entitlements.createTest({ sku: '123456789012345678', user: world.owner.id }), code(10027));
    await assert.rejects(client.application!.entitlements.deleteTest('123456789012345678'), code(10029));
    await assert.rejects(client.rest.get(`/applications/${client.application!.id}/entitlements/123456789012345678`), code(10029));
    await assert.rejects(client.rest.get('/skus/123456789012345678/subscriptions', { query: new URLSearchParams({ user_id: world.owner.id }) }), code(10027));
    await assert.rejects(client.rest.get('/skus/123456789012345678/subscriptions/123456789012345679'), code(10027));
    await assert.rejects(client.fetchStickerPacks().then(() => client.rest.get('/sticker-packs/123456789012345678')), code(10061));
  });

  it("refuses another application's, and checks the query", async () => {
    const other = await makeBot(t, world.owner, 'Other shop');
    await assert.rejects(client.rest.get(`/applications/${other.app.id}/skus`), code(50001));
    await assert.rejects(client.rest.get(`/applications/${other.app.id}/entitlements`), code(50001));
    const bad = await t.request('GET', `/applications/${client.application!.id}/entitlements?limit=101&sku_ids=1,x`, { auth: world.bot });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.equal(bad.body.code, 50035);
    const owner = await t.request('GET', `/applications/${client.application!.id}/skus`, { auth: world.owner });
    assert.equal(owner.status, 200);
    assert.deepEqual(owner.body, []);
  });
});
