/**
 * Discord's daily limit on application command creates: 200 a day per application for global commands and per
 * guild for guild commands, deleted commands included; beyond it 429 with code 30034, `retry_after` and
 * `global: false`. Overwriting an existing command (same name) is no create and is never refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { assertError, makeBot } from './fixtures.guilds.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t?.close());

const many = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i}`, description: 'A command' }));

describe('daily application command creates', () => {
  it('counts creates per scope, deleted ones included: the 201st of a day is refused with 429 / 30034', async () => {
    const owner = await t.register();
    const { app, bot } = await makeBot(t, owner, 'Daily');
    const guild = await t.createGuild(owner, 'Daily guild');
    const auth = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, authorize: true } });
    assert.equal(auth.status, 200, JSON.stringify(auth.body));
    const base = `/applications/${app.id}/commands`;

    // 100 new, all deleted, 100 more new: 200 creates today.
    assert.equal((await t.request('PUT', base, { auth: bot, body: many('a', 100) })).status, 200);
    assert.equal((await t.request('PUT', base, { auth: bot, body: [] })).status, 200);
    const second = await t.request('PUT', base, { auth: bot, body: many('b', 100) });
    assert.equal(second.status, 200, JSON.stringify(second.body));

    // The 201st is refused, by POST (a user command: the scope has room for one) and by a bulk overwrite that
    // adds one; nothing is written.
    const refused = await t.request('POST', base, { auth: bot, body: { name: 'Extra', type: 2 } });
    assertError(refused, 429, 30034);
    assert.equal(refused.body.message, 'Max number of daily application command creates has been reached (200)');
    assert.equal(refused.body.global, false);
    assert.ok(refused.body.retry_after > 0 && refused.body.retry_after <= 86_400, JSON.stringify(refused.body));
    assert.equal(refused.headers.get('x-ratelimit-scope'), 'shared');
    assertError(await t.request('PUT', base, { auth: bot, body: [...many('b', 99), { name: 'c1', description: 'New' }] }), 429, 30034);
    assert.equal((await t.request('GET', base, { auth: bot })).body.length, 100);

    // Overwriting an existing command by name creates nothing: still allowed.
    const overwrite = await t.request('POST', base, { auth: bot, body: { name: 'b0', description: 'Changed' } });
    assert.equal(overwrite.status, 200, JSON.stringify(overwrite.body));

    // A guild's commands are counted apart.
    const inGuild = await t.request('POST', `/applications/${app.id}/guilds/${guild.id}/commands`, { auth: bot, body: { name: 'c0', description: 'Guild one' } });
    assert.equal(inGuild.status, 201, JSON.stringify(inGuild.body));
  });
});
