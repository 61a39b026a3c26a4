import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { assertError, guildFixture, overwrite, send, textChannel, type GuildFixture } from './fixtures.messages.ts';

let t: TestServer;
let f: GuildFixture;

before(async () => {
  t = await startTestServer();
  f = await guildFixture(t);
});
after(() => t.close());

describe('pins', () => {
  test('pin → 204, CHANNEL_PINS_UPDATE and MESSAGE_UPDATE; listed newest pin first', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'pins' });
    const a = await send(t, f.member, ch.id, 'a');
    const b = await send(t, f.member, ch.id, 'b');
    assertError(await t.request('PUT', `/channels/${ch.id}/pins/${a.id}`, { auth: f.member }), 403, 50013);
    assertError(await t.request('PUT', `/channels/${ch.id}/pins/${a.id}`, { auth: f.stranger }), 403, 50001);

    const from = t.events.length;
    assert.equal((await t.request('PUT', `/channels/${ch.id}/pins/${b.id}`, { auth: f.owner })).status, 204);
    const pins = await t.waitForEvent('CHANNEL_PINS_UPDATE', (e) => e.d.channel_id === ch.id, from);
    assert.equal(pins.d.guild_id, f.guild.id);
    assert.ok(pins.d.last_pin_timestamp);
    const upd = await t.waitForEvent('MESSAGE_UPDATE', (e) => e.d.id === b.id, from);
    assert.equal(upd.d.pinned, true);
    assert.equal((await t.request('PUT', `/channels/${ch.id}/pins/${a.id}`, { auth: f.owner })).status, 204);

    const list = await t.request('GET', `/channels/${ch.id}/pins`, { auth: f.member });
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.map((m: any) => m.id), [a.id, b.id]);
    assert.ok(list.body.every((m: any) => m.pinned));
    const paged = await t.request('GET', `/channels/${ch.id}/messages/pins?limit=1`, { auth: f.member });
    assert.equal(paged.status, 200);
    assert.equal(paged.body.items.length, 1);
    assert.equal(paged.body.items[0].message.id, a.id);
    assert.ok(paged.body.items[0].pinned_at);
    assert.equal(paged.body.has_more, true);
    const rest = await t.request('GET', `/channels/${ch.id}/messages/pins?before=${encodeURIComponent(paged.body.items[0].pinned_at)}`, { auth: f.member });
    assert.deepEqual(rest.body.items.map((i: any) => i.message.id), [b.id]);
    assertError(await t.request('GET', `/channels/${ch.id}/pins`, { auth: f.stranger }), 403, 50001);

    const from2 = t.events.length;
    assert.equal((await t.request('DELETE', `/channels/${ch.id}/pins/${a.id}`, { auth: f.owner })).status, 204);
    await t.waitForEvent('CHANNEL_PINS_UPDATE', (e) => e.d.channel_id === ch.id, from2);
    const unpinned = await t.waitForEvent('MESSAGE_UPDATE', (e) => e.d.id === a.id, from2);
    assert.equal(unpinned.d.pinned, false);
    const after = await t.request('GET', `/channels/${ch.id}/pins`, { auth: f.member });
    assert.deepEqual(after.body.map((m: any) => m.id), [b.id]);
    assertError(await t.request('PUT', `/channels/${ch.id}/pins/123456789012345678`, { auth: f.owner }), 404, 10008);
  });

  test('PIN_MESSAGES is enough and MANAGE_MESSAGES alone is not; without READ_MESSAGE_HISTORY the list is empty', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'pinners' });
    const m = await send(t, f.owner, ch.id, 'pin me');
    await overwrite(t, f.owner, ch.id, f.member.id, 1, Permissions.MANAGE_MESSAGES, 0n);
    assertError(await t.request('PUT', `/channels/${ch.id}/pins/${m.id}`, { auth: f.member }), 403, 50013);
    assertError(await t.request('PUT', `/channels/${ch.id}/messages/pins/${m.id}`, { auth: f.member }), 403, 50013);
    await overwrite(t, f.owner, ch.id, f.member.id, 1, Permissions.PIN_MESSAGES, 0n);
    assert.equal((await t.request('PUT', `/channels/${ch.id}/pins/${m.id}`, { auth: f.member })).status, 204);
    await overwrite(t, f.owner, ch.id, f.member.id, 1, 0n, Permissions.READ_MESSAGE_HISTORY);
    assert.deepEqual((await t.request('GET', `/channels/${ch.id}/pins`, { auth: f.member })).body, []);
  });

  test('at most 250 pins → 30003', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'full' });
    const ids: string[] = [];
    for (let i = 0; i < 251; i++) ids.push((await send(t, f.owner, ch.id, `p${i}`)).id);
    for (const [i, id] of ids.slice(0, 250).entries()) await t.store.pins.pin(ch.id, id, Date.now() - 250_000 + i * 1000);
    assertError(await t.request('PUT', `/channels/${ch.id}/pins/${ids[250]}`, { auth: f.owner }), 400, 30003);
    // The deprecated list holds "the first 50 pinned messages", the newest pins; the paged one pages on.
    const deprecated = await t.request('GET', `/channels/${ch.id}/pins`, { auth: f.owner });
    assert.deepEqual(deprecated.body.map((m: any) => m.id), ids.slice(200, 250).reverse());
    const paged = await t.request('GET', `/channels/${ch.id}/messages/pins`, { auth: f.owner });
    assert.equal(paged.body.items.length, 50);
    assert.equal(paged.body.has_more, true);
    // Pinning an already pinned message is not an error.
    assert.equal((await t.request('PUT', `/channels/${ch.id}/pins/${ids[0]}`, { auth: f.owner })).status, 204);
  });
});
