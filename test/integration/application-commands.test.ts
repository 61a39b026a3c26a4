/**
 * Application commands over real HTTP: global and guild commands (create-or-overwrite, list, get, edit, delete,
 * bulk overwrite keeping ids), Discord's validation of names, descriptions, options, choices, ranges, nesting,
 * localizations, size and per-type limits, who may call what, and per-guild command permissions with their
 * APPLICATION_COMMAND_PERMISSIONS_UPDATE on a real gateway connection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Intents } from '../../src/protocol/intents.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { addMember, assertError, giveRole, makeBot } from './fixtures.guilds.ts';
import { GatewayClient } from './gateway-client.ts';

/** A guild owner, their guild, and an application whose bot is in the guild. */
async function botInGuild(t: TestServer, name = 'Cmd') {
  const owner = await t.register();
  const guild = await t.createGuild(owner, `${name} guild`);
  const { app, bot } = await makeBot(t, owner, `${name} Bot`);
  const res = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, authorize: true } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { owner, guild, app, bot };
}

const ping = { name: 'ping', description: 'Replies with pong' };

/** The first error leaf at `path` of a 50035 body. */
function leaf(body: any, path: Array<string | number>): { code: string; message: string } | undefined {
  let node = body?.errors;
  for (const key of path) node = node?.[String(key)];
  return node?._errors?.[0];
}

/** Asserts a 50035 with `code` at `path`. */
function assertFormError(res: { status: number; body: any }, path: Array<string | number>, code: string): void {
  assertError(res, 400, 50035);
  const found = leaf(res.body, path);
  assert.ok(found, `no error at ${path.join('.')}: ${JSON.stringify(res.body)}`);
  const codes = (() => {
    let node = res.body.errors;
    for (const key of path) node = node?.[String(key)];
    return (node._errors as Array<{ code: string }>).map((e) => e.code);
  })();
  assert.ok(codes.includes(code), `expected ${code} at ${path.join('.')}, got ${JSON.stringify(res.body)}`);
}

describe('application commands', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  describe('global commands', () => {
    it('POST creates (201) in Discord\'s shape; the same name again overwrites it (200, same id, new version)', async () => {
      const owner = await t.register();
      const { app, bot } = await makeBot(t, owner, 'Global');
      const res = await t.request('POST', `/applications/${app.id}/commands`, { auth: bot, body: ping });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const c = res.body;
      assert.match(c.id, /^\d+$/);
      assert.match(c.version, /^\d+$/);
      assert.deepEqual({ ...c, id: undefined, version: undefined }, {
        id: undefined, version: undefined, application_id: app.id, default_member_permissions: null, type: 1, name: 'ping', name_localizations: null,
        description: 'Replies with pong', description_localizations: null, dm_permission: true, contexts: [0, 1, 2], integration_types: [0], nsfw: false,
      });
      assert.equal('guild_id' in c, false);
      assert.equal('options' in c, false);

      const again = await t.request('POST', `/applications/${app.id}/commands`, { auth: bot, body: ping });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal(again.body.id, c.id);
      assert.equal(again.body.version, c.version, 'nothing changed, same version');
      const changed = await t.request('POST', `/applications/${app.id}/commands`, { auth: bot, body: { ...ping, description: 'Pong!' } });
      assert.equal(changed.status, 200);
      assert.equal(changed.body.id, c.id);
      assert.notEqual(changed.body.version, c.version);
      assert.equal(changed.body.description, 'Pong!');
      // A USER command of the same name is another command.
      const userCmd = await t.request('POST', `/applications/${app.id}/commands`, { auth: bot, body: { name: 'ping', type: 2 } });
      assert.equal(userCmd.status, 201);
      assert.notEqual(userCmd.body.id, c.id);
      assert.equal(userCmd.body.description, '');
      const list = await t.request('GET', `/applications/${app.id}/commands`, { auth: bot });
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.map((x: any) => [x.id, x.type]), [[c.id, 1], [userCmd.body.id, 2]]);
    });

    it('GET, PATCH (fields given replace, the rest stays), DELETE; unknown ids answer 10063', async () => {
      const owner = await t.register();
      const { app, bot } = await makeBot(t, owner, 'Editor');
      const options = [{ type: 3, name: 'text', description: 'What to echo', required: true }];
      const c = (await t.request('POST', `/applications/${app.id}/commands`, { auth: bot, body: { name: 'echo', description: 'Echo', options, default_member_permissions: '8' } })).body;
      const got = await t.request('GET', `/applications/${app.id}/commands/${c.id}`, { auth: bot });
      assert.deepEqual(got.body, c);
      assert.deepEqual(got.body.options, [{ type: 3, name: 'text', description: 'What to echo', required: true }]);

      const patched = await t.request('PATCH', `/applications/${app.id}/commands/${c.id}`, { auth: bot, body: { description: 'Echoes text', nsfw: true, default_member_permissions: null } });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.id, c.id);
      assert.equal(patched.body.name, 'echo');
      assert.equal(patched.body.description, 'Echoes text');
      assert.equal(patched.body.nsfw, true);
      assert.equal(patched.body.default_member_permissions, null);
      assert.deepEqual(patched.body.options, c.options);
      assert.notEqual(patched.body.version, c.version);
      // The type never changes by PATCH; dm_permission alone rewrites the contexts.
      const dm = await t.request('PATCH', `/applications/${app.id}/commands/${c.id}`, { auth: bot, body: { type: 2, dm_permission: false } });
      assert.equal(dm.body.type, 1);
      assert.equal(dm.body.dm_permission, false);
      assert.deepEqual(dm.body.contexts, [0, 2]);
      // Invalid edits are checked as a whole command.
      assertFormError(await t.request('PATCH', `/applications/${app.id}/commands/${c.id}`, { auth: bot, body: { name: 'Bad Name' } }), ['name'], 'APPLICATION_COMMAND_INVALID_NAME');
      // Renaming onto another command of the same type: 40041.
      await t.request('POST', `/applications/${app.id}/commands`, { auth: bot, body: ping });
      assertError(await t.request('PATCH', `/applications/${app.id}/commands/${c.id}`, { auth: bot, body: { name: 'ping' } }), 400, 40041);

      assert.equal((await t.request('DELETE', `/applications/${app.id}/commands/${c.id}`, { auth: bot })).status, 204);
      assertError(await t.request('GET', `/applications/${app.id}/commands/${c.id}`, { auth: bot }), 404, 10063);
      assertError(await t.request('DELETE', `/applications/${app.id}/commands/${c.id}`, { auth: bot }), 404, 10063);
      assertError(await t.request('PATCH', `/applications/${app.id}/commands/${c.id}`, { auth: bot, body: { description: 'x' } }), 404, 10063);
      assertError(await t.request('GET', `/applications/${app.id}/commands/not-an-id`, { auth: bot }), 404, 10063);
    });

    it('only the application\'s own bot manages its commands: 20012 for other bots and users, 10002 unknown, 401 without a token', async () => {
      const owner = await t.register();
      const { app, bot } = await makeBot(t, owner, 'Mine');
      const { bot: otherBot } = await makeBot(t, owner, 'Other');
      const c = (await t.request('POST', `/applications/${app.id}/commands`, { auth: bot, body: ping })).body;
      assertError(await t.request('GET', `/applications/${app.id}/commands`, { auth: otherBot }), 403, 20012);
      assertError(await t.request('POST', `/applications/${app.id}/commands`, { auth: otherBot, body: ping }), 403, 20012);
      assertError(await t.request('DELETE', `/applications/${app.id}/commands/${c.id}`, { auth: otherBot }), 403, 20012);
      assertError(await t.request('PUT', `/applications/${app.id}/commands`, { auth: owner, body: [] }), 403, 20012);
      assertError(await t.request('GET', '/applications/123456789012345678/commands', { auth: bot }), 404, 10002);
      assertError(await t.request('GET', `/applications/${app.id}/commands`), 401, 0);
      assert.equal((await t.request('GET', `/applications/${app.id}/commands/${c.id}`, { auth: bot })).status, 200);
    });
  });

  describe('guild commands', () => {
    it('live apart from global ones, carry guild_id, and need the bot in the guild (50001) of a known guild (10004)', async () => {
      const { owner, guild, app, bot } = await botInGuild(t, 'Guildy');
      const base = `/applications/${app.id}/guilds/${guild.id}/commands`;
      const g = await t.request('POST', base, { auth: bot, body: { ...ping, dm_permission: false, contexts: [1], integration_types: [1] } });
      assert.equal(g.status, 201, JSON.stringify(g.body));
      assert.equal(g.body.guild_id, guild.id);
      for (const field of ['dm_permission', 'contexts', 'integration_types']) assert.equal(field in g.body, false, field);
      const global = await t.request('POST', `/applications/${app.id}/commands`, { auth: bot, body: ping });
      assert.equal(global.status, 201, 'the same name globally is another command');
      assert.deepEqual((await t.request('GET', base, { auth: bot })).body.map((c: any) => c.id), [g.body.id]);
      assert.deepEqual((await t.request('GET', `/applications/${app.id}/commands`, { auth: bot })).body.map((c: any) => c.id), [global.body.id]);
      // Each path reaches only its own scope.
      assertError(await t.request('GET', `${base}/${global.body.id}`, { auth: bot }), 404, 10063);
      assertError(await t.request('GET', `/applications/${app.id}/commands/${g.body.id}`, { auth: bot }), 404, 10063);
      assert.equal((await t.request('GET', `${base}/${g.body.id}`, { auth: bot })).body.name, 'ping');
      const patched = await t.request('PATCH', `${base}/${g.body.id}`, { auth: bot, body: { description: 'Guild pong' } });
      assert.equal(patched.body.description, 'Guild pong');
      assert.equal(patched.body.guild_id, guild.id);

      const elsewhere = await t.createGuild(owner, 'No bot here');
      assertError(await t.request('GET', `/applications/${app.id}/guilds/${elsewhere.id}/commands`, { auth: bot }), 403, 50001);
      assertError(await t.request('POST', `/applications/${app.id}/guilds/${elsewhere.id}/commands`, { auth: bot, body: ping }), 403, 50001);
      assertError(await t.request('GET', `/applications/${app.id}/guilds/123456789012345678/commands`, { auth: bot }), 404, 10004);
      assert.equal((await t.request('DELETE', `${base}/${g.body.id}`, { auth: bot })).status, 204);
      assert.deepEqual((await t.request('GET', base, { auth: bot })).body, []);
    });
  });

  describe('bulk overwrite (PUT)', () => {
    it('keeps the ids of commands matched by name (or given id), deletes the rest, returns the list', async () => {
      const { guild, app, bot } = await botInGuild(t, 'Bulk');
      for (const base of [`/applications/${app.id}/commands`, `/applications/${app.id}/guilds/${guild.id}/commands`]) {
        const keep = (await t.request('POST', base, { auth: bot, body: { name: 'keep', description: 'Kept' } })).body;
        const rename = (await t.request('POST', base, { auth: bot, body: { name: 'old', description: 'Renamed' } })).body;
        const drop = (await t.request('POST', base, { auth: bot, body: { name: 'drop', description: 'Dropped' } })).body;
        const res = await t.request('PUT', base, {
          auth: bot,
          body: [
            { name: 'keep', description: 'Kept' },
            { id: rename.id, name: 'new', description: 'Renamed' },
            { name: 'fresh', description: 'New one' },
            { name: 'Fresh Look', type: 3 },
          ],
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(res.body.map((c: any) => c.name), ['keep', 'new', 'fresh', 'Fresh Look']);
        assert.equal(res.body[0].id, keep.id);
        assert.equal(res.body[0].version, keep.version);
        assert.equal(res.body[1].id, rename.id);
        assert.ok(![keep.id, rename.id, drop.id].includes(res.body[2].id));
        const ids = (await t.request('GET', base, { auth: bot })).body.map((c: any) => c.id).sort();
        assert.deepEqual(ids, res.body.map((c: any) => c.id).sort());
        assertError(await t.request('GET', `${base}/${drop.id}`, { auth: bot }), 404, 10063);
        const emptied = await t.request('PUT', base, { auth: bot, body: [] });
        assert.deepEqual(emptied.body, []);
        assert.deepEqual((await t.request('GET', base, { auth: bot })).body, []);
      }
    });

    it('refuses the whole list for duplicate names (APPLICATION_COMMANDS_DUPLICATE_NAME at the index) or one bad entry', async () => {
      const owner = await t.register();
      const { app, bot } = await makeBot(t, owner, 'Dupes');
      const base = `/applications/${app.id}/commands`;
      await t.request('POST', base, { auth: bot, body: ping });
      const dup = await t.request('PUT', base, { auth: bot, body: [{ name: 'a', description: 'A' }, { name: 'b', description: 'B' }, { name: 'a', description: 'A again' }] });
      assertFormError(dup, [2], 'APPLICATION_COMMANDS_DUPLICATE_NAME');
      assert.equal(leaf(dup.body, [2])!.message, 'Application command names must be unique');
      assertFormError(await t.request('PUT', base, { auth: bot, body: [{ name: 'ok', description: 'Fine' }, { name: 'NotOk', description: 'Bad' }] }), [1, 'name'], 'APPLICATION_COMMAND_INVALID_NAME');
      assertError(await t.request('PUT', base, { auth: bot, body: { name: 'x' } }), 400, 50035);
      assert.deepEqual((await t.request('GET', base, { auth: bot })).body.map((c: any) => c.name), ['ping'], 'nothing changed');
    });
  });

  describe('limits', () => {
    it('100 CHAT_INPUT, 15 USER and 15 MESSAGE commands per scope (30032); overwriting by name still works at the limit', async () => {
      const owner = await t.register();
      const { app, bot } = await makeBot(t, owner, 'Limits');
      const base = `/applications/${app.id}/commands`;
      const hundred = Array.from({ length: 100 }, (_, i) => ({ name: `cmd-${i}`, description: `Command ${i}` }));
      const users = Array.from({ length: 15 }, (_, i) => ({ name: `User ${i}`, type: 2 }));
      const put = await t.request('PUT', base, { auth: bot, body: [...hundred, ...users] });
      assert.equal(put.status, 200, JSON.stringify(put.body).slice(0, 500));
      assertError(await t.request('POST', base, { auth: bot, body: { name: 'one-more', description: 'Too many' } }), 400, 30032);
      assertError(await t.request('POST', base, { auth: bot, body: { name: 'User 15', type: 2 } }), 400, 30032);
      assert.equal((await t.request('POST', base, { auth: bot, body: { name: 'cmd-7', description: 'Overwritten' } })).status, 200);
      assert.equal((await t.request('POST', base, { auth: bot, body: { name: 'Message 0', type: 3 } })).status, 201, 'MESSAGE counts apart');
      assertError(await t.request('PUT', base, { auth: bot, body: [...hundred, { name: 'extra', description: 'One too many' }] }), 400, 30032);
      assertError(await t.request('PUT', base, { auth: bot, body: Array.from({ length: 16 }, (_, i) => ({ name: `M ${i}`, type: 3 })) }), 400, 30032);
      assert.equal((await t.request('GET', base, { auth: bot })).body.length, 116);
    });

    it('a command over 8000 characters (names, descriptions, choices; longest localization counts) is APPLICATION_COMMAND_TOO_LARGE', async () => {
      const owner = await t.register();
      const { app, bot } = await makeBot(t, owner, 'Large');
      const choices = (n: number) => Array.from({ length: 25 }, (_, j) => ({ name: `choice ${n}-${j}`.padEnd(100, 'x'), value: `v${n}-${j}`.padEnd(100, 'y') }));
      const options = Array.from({ length: 25 }, (_, i) => ({ type: 3, name: `opt-${i}`, description: 'd'.repeat(100), choices: choices(i) }));
      const res = await t.request('POST', `/applications/${app.id}/commands`, { auth: bot, body: { name: 'huge', description: 'Huge', options } });
      assertFormError(res, [], 'APPLICATION_COMMAND_TOO_LARGE');
      assert.equal(leaf(res.body, [])!.message, 'Command exceeds maximum size (8000)');
      // Under the limit by default, over it once one long localization per description counts.
      const small = Array.from({ length: 25 }, (_, i) => ({ type: 3, name: `o${i}`, description: 'd'.repeat(100) }));
      assert.equal((await t.request('POST', `/applications/${app.id}/commands`, { auth: bot, body: { name: 'fits', description: 'Fits', options: small } })).status, 201);
      const localized = small.map((o, i) => ({ ...o, name_localizations: { de: `${'x'.repeat(30)}${String(i).padStart(2, '0')}` }, description_localizations: { fr: 'é'.repeat(100), de: 'k'.repeat(50) } }));
      const bulky = await t.request('POST', `/applications/${app.id}/commands`, { auth: bot, body: { name: 'fits', description: 'd'.repeat(100), name_localizations: { fr: 'ça' }, options: localized } });
      assert.equal(bulky.status, 200, 'still under 8000 with localizations at their longest');
      const twice = Array.from({ length: 25 }, (_, i) => ({ type: 3, name: `o${i}`, description: 'd'.repeat(100), choices: choices(i).slice(0, 2) }));
      assertFormError(await t.request('POST', `/applications/${app.id}/commands`, { auth: bot, body: { name: 'over', description: 'Over', options: twice } }), [], 'APPLICATION_COMMAND_TOO_LARGE');
    });
  });

  describe('validation', () => {
    let base: string;
    let bot: TestUser;
    before(async () => {
      const owner = await t.register();
      const made = await makeBot(t, owner, 'Validator');
      bot = made.bot;
      base = `/applications/${made.app.id}/commands`;
    });
    const post = (body: unknown) => t.request('POST', base, { auth: bot, body });
    let made = 0;
    /** A command (named afresh each time, so each success is a create) with these options. */
    const withOption = (option: Record<string, unknown>, more: Record<string, unknown>[] = []) => post({ name: `opt-${++made}`, description: 'Options', options: [option, ...more] });
    const str = (over: Record<string, unknown> = {}) => ({ type: 3, name: 'text', description: 'Text', ...over });

    it('names: CHAT_INPUT lowercase and the naming regex (unicode letters, Devanagari, Thai); USER and MESSAGE any case with spaces', async () => {
      for (const name of ['ping-pong', 'it\'s_ok', 'über', '日本語', 'नमस्ते', 'สวัสดี', 'x1']) {
        const res = await post({ name, description: 'Unicode name' });
        assert.equal(res.status, 201, `${name}: ${JSON.stringify(res.body)}`);
      }
      assertFormError(await post({ name: 'Ping', description: 'Upper' }), ['name'], 'APPLICATION_COMMAND_INVALID_NAME');
      assertFormError(await post({ name: 'ÜBER', description: 'Upper' }), ['name'], 'APPLICATION_COMMAND_INVALID_NAME');
      assertFormError(await post({ name: 'two words', description: 'Space' }), ['name'], 'STRING_TYPE_REGEX');
      assertFormError(await post({ name: 'dot.name', description: 'Dot' }), ['name'], 'APPLICATION_COMMAND_INVALID_NAME');
      assertFormError(await post({ name: 'x'.repeat(33), description: 'Long' }), ['name'], 'BASE_TYPE_BAD_LENGTH');
      assertFormError(await post({ name: '', description: 'Empty' }), ['name'], 'BASE_TYPE_BAD_LENGTH');
      assertFormError(await post({ description: 'Nameless' }), ['name'], 'BASE_TYPE_REQUIRED');
      for (const type of [2, 3]) assert.equal((await post({ name: `Mixed Case ${type}`, type })).status, 201);
      assertFormError(await post({ name: 'y'.repeat(33), type: 2 }), ['name'], 'BASE_TYPE_BAD_LENGTH');
      assertFormError(await withOption(str({ name: 'Text' })), ['options', 0, 'name'], 'APPLICATION_COMMAND_INVALID_NAME');
    });

    it('descriptions: 1–100 for CHAT_INPUT, none for USER and MESSAGE; types 1–3', async () => {
      assertFormError(await post({ name: 'nodesc' }), ['description'], 'BASE_TYPE_REQUIRED');
      assertFormError(await post({ name: 'longdesc', description: 'd'.repeat(101) }), ['description'], 'BASE_TYPE_BAD_LENGTH');
      assertFormError(await post({ name: 'emptydesc', description: '' }), ['description'], 'BASE_TYPE_BAD_LENGTH');
      assertFormError(await post({ name: 'Ctx', type: 2, description: 'Not for context menus' }), ['description'], 'BASE_TYPE_MAX_LENGTH');
      assertFormError(await post({ name: 'Ctx', type: 3, options: [str()] }), ['options'], 'BASE_TYPE_MAX_LENGTH');
      assert.equal((await post({ name: 'Ctx', type: 3, description: '' })).status, 201);
      for (const type of [0, 4, 5]) assertFormError(await post({ name: 'typed', description: 'Typed', type }), ['type'], 'BASE_TYPE_CHOICES');
      assertFormError(await post({ name: 'typed', description: 'Typed', type: 'one' }), ['type'], 'BASE_TYPE_INVALID');
    });

    it('options: at most 25, types 1–11, unique names, required before optional, descriptions 1–100', async () => {
      const many = Array.from({ length: 26 }, (_, i) => str({ name: `o${i}` }));
      assertFormError(await post({ name: 'many', description: 'Many', options: many }), ['options'], 'BASE_TYPE_MAX_LENGTH');
      assertFormError(await withOption(str({ type: 12 })), ['options', 0, 'type'], 'BASE_TYPE_CHOICES');
      assertFormError(await withOption(str({ type: 0 })), ['options', 0, 'type'], 'BASE_TYPE_CHOICES');
      assertFormError(await withOption(str(), [str()]), ['options', 1, 'name'], 'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS');
      // Unique in every locale too: a localized name may not meet another option's name, or its localized one.
      const clash = await withOption(str({ name: 'colour' }), [str({ name: 'color', name_localizations: { 'en-GB': 'colour', fr: 'couleur' } })]);
      assertFormError(clash, ['options', 1, 'name_localizations', 'en-GB'], 'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS');
      const both = await withOption(str({ name: 'size', name_localizations: { de: 'grösse' } }), [str({ name: 'height', name_localizations: { de: 'grösse' } })]);
      assertFormError(both, ['options', 1, 'name_localizations', 'de'], 'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS');
      const apart = await withOption(str({ name: 'size', name_localizations: { de: 'grösse' } }), [str({ name: 'height', name_localizations: { de: 'höhe', fr: 'size' } })]);
      assertFormError(apart, ['options', 1, 'name_localizations', 'fr'], 'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS');
      const fine = await withOption(str({ name: 'size', name_localizations: { de: 'grösse' } }), [str({ name: 'height', name_localizations: { de: 'höhe' } })]);
      assert.equal(fine.status, 201, JSON.stringify(fine.body));
      const order = await withOption(str({ name: 'first' }), [str({ name: 'second', required: true }), str({ name: 'third', required: true })]);
      assertFormError(order, ['options', 1], 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID');
      assertFormError(order, ['options', 2], 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID');
      assertFormError(await withOption(str({ description: '' })), ['options', 0, 'description'], 'BASE_TYPE_BAD_LENGTH');
      assertFormError(await withOption(str({ description: undefined })), ['options', 0, 'description'], 'BASE_TYPE_REQUIRED');
      const ok = await withOption(str({ name: 'req', required: true }), [{ type: 5, name: 'flag', description: 'A flag', required: false, min_length: 3 }]);
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      // Only the fields an option's type takes are kept; required false is not echoed.
      assert.deepEqual(ok.body.options, [
        { type: 3, name: 'req', description: 'Text', required: true },
        { type: 5, name: 'flag', description: 'A flag' },
      ]);
    });

    it('choices: STRING, INTEGER and NUMBER only, at most 25, names 1–100, values of the option\'s type (strings ≤ 100)', async () => {
      const choices = (n: number, value: (i: number) => unknown) => Array.from({ length: n }, (_, i) => ({ name: `c${i}`, value: value(i) }));
      assertFormError(await withOption(str({ choices: choices(26, (i) => `v${i}`) })), ['options', 0, 'choices'], 'BASE_TYPE_MAX_LENGTH');
      assertFormError(await withOption({ type: 5, name: 'flag', description: 'Flag', choices: choices(1, () => 'x') }), ['options', 0, 'choices'], 'APPLICATION_COMMAND_CHOICES_INVALID');
      assertFormError(await withOption(str({ choices: [{ name: 'long', value: 'v'.repeat(101) }] })), ['options', 0, 'choices', 0, 'value'], 'BASE_TYPE_MAX_LENGTH');
      assertFormError(await withOption(str({ choices: [{ name: 'n'.repeat(101), value: 'v' }] })), ['options', 0, 'choices', 0, 'name'], 'BASE_TYPE_BAD_LENGTH');
      assertFormError(await withOption(str({ choices: [{ name: 'num', value: 1 }] })), ['options', 0, 'choices', 0, 'value'], 'STRING_TYPE_CONVERT');
      assertFormError(await withOption({ type: 4, name: 'int', description: 'Int', choices: [{ name: 'half', value: 1.5 }] }), ['options', 0, 'choices', 0, 'value'], 'NUMBER_TYPE_COERCE');
      assertFormError(await withOption({ type: 10, name: 'num', description: 'Num', choices: [{ name: 'text', value: 'x' }] }), ['options', 0, 'choices', 0, 'value'], 'NUMBER_TYPE_COERCE');
      const ok = await withOption({ type: 10, name: 'num', description: 'Num', choices: [{ name: 'pi', value: 3.14, name_localizations: { fr: 'pi', de: 'Kreiszahl' } }] });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      assert.deepEqual(ok.body.options[0].choices, [{ name: 'pi', name_localizations: { de: 'Kreiszahl' }, value: 3.14 }], 'a localization equal to the default drops out');
    });

    it('autocomplete: STRING, INTEGER and NUMBER only, never with choices', async () => {
      assertFormError(await withOption(str({ autocomplete: true, choices: [{ name: 'a', value: 'a' }] })), ['options', 0, 'autocomplete'], 'APPLICATION_COMMAND_AUTOCOMPLETE_INVALID');
      assertFormError(await withOption({ type: 6, name: 'who', description: 'Who', autocomplete: true }), ['options', 0, 'autocomplete'], 'APPLICATION_COMMAND_AUTOCOMPLETE_INVALID');
      const ok = await withOption(str({ autocomplete: true, choices: [] }));
      assert.equal(ok.status, 201);
      assert.equal(ok.body.options[0].autocomplete, true);
    });

    it('ranges: min/max_value for INTEGER (integers) and NUMBER, min/max_length 0–6000 for STRING, min never above max', async () => {
      assertFormError(await withOption({ type: 4, name: 'n', description: 'N', min_value: 1.5 }), ['options', 0, 'min_value'], 'NUMBER_TYPE_COERCE');
      assertFormError(await withOption({ type: 4, name: 'n', description: 'N', min_value: 5, max_value: 4 }), ['options', 0, 'max_value'], 'NUMBER_TYPE_MIN');
      assertFormError(await withOption(str({ min_length: 6001 })), ['options', 0, 'min_length'], 'NUMBER_TYPE_MAX');
      assertFormError(await withOption(str({ max_length: 0 })), ['options', 0, 'max_length'], 'NUMBER_TYPE_MIN');
      assertFormError(await withOption(str({ min_length: -1 })), ['options', 0, 'min_length'], 'NUMBER_TYPE_MIN');
      assertFormError(await withOption(str({ min_length: 10, max_length: 5 })), ['options', 0, 'max_length'], 'NUMBER_TYPE_MIN');
      const ok = await withOption({ type: 10, name: 'n', description: 'N', min_value: -0.5, max_value: 2.5, min_length: 3 }, [str({ min_length: 0, max_length: 6000, min_value: 1 })]);
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      assert.deepEqual(ok.body.options, [
        { type: 10, name: 'n', description: 'N', min_value: -0.5, max_value: 2.5 },
        { type: 3, name: 'text', description: 'Text', min_length: 0, max_length: 6000 },
      ]);
    });

    it('channel_types: any channel type but GUILD_DIRECTORY (14)', async () => {
      assertFormError(await withOption({ type: 7, name: 'where', description: 'Where', channel_types: [0, 14] }), ['options', 0, 'channel_types', 1], 'BASE_TYPE_CHOICES');
      const ok = await withOption({ type: 7, name: 'where', description: 'Where', channel_types: [0, 2, 0, 15] });
      assert.deepEqual(ok.body.options[0].channel_types, [0, 2, 15]);
    });

    it('nesting: subcommands and groups exclude other types at the top, groups hold only subcommands, subcommands no subcommands', async () => {
      const sub = (name: string, options?: unknown[]) => ({ type: 1, name, description: `Sub ${name}`, ...(options ? { options } : {}) });
      const group = (name: string, options: unknown[]) => ({ type: 2, name, description: `Group ${name}`, options });
      assertFormError(await withOption(sub('a'), [str()]), ['options', 1, 'type'], 'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID');
      assertFormError(await withOption(group('g', [str()])), ['options', 0, 'options', 0, 'type'], 'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID');
      assertFormError(await withOption(group('g', [group('inner', [sub('x')])])), ['options', 0, 'options', 0, 'type'], 'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID');
      assertFormError(await withOption(sub('a', [sub('b')])), ['options', 0, 'options', 0, 'type'], 'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID');
      assertFormError(await withOption({ ...sub('a'), required: true }), ['options', 0, 'required'], 'APPLICATION_COMMAND_REQUIRED_INVALID');
      assertFormError(await withOption(sub('a', [str({ name: 'Bad' })])), ['options', 0, 'options', 0, 'name'], 'APPLICATION_COMMAND_INVALID_NAME');
      assertFormError(await withOption(sub('a', [str({ name: 'x' }), str({ name: 'y', required: true })])), ['options', 0, 'options', 1], 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID');
      const tree = [group('admin', [sub('add', [str({ required: true })]), sub('remove')]), sub('status')];
      const ok = await post({ name: 'tree', description: 'Nested', options: tree });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      assert.deepEqual(ok.body.options, [
        { type: 2, name: 'admin', description: 'Group admin', options: [
          { type: 1, name: 'add', description: 'Sub add', options: [{ type: 3, name: 'text', description: 'Text', required: true }] },
          { type: 1, name: 'remove', description: 'Sub remove', options: [] },
        ] },
        { type: 1, name: 'status', description: 'Sub status', options: [] },
      ]);
    });

    it('localizations: Discord locales only, values under the same rules as the default, defaults dropped', async () => {
      assertFormError(await post({ name: 'loc', description: 'Loc', name_localizations: { 'xx-YY': 'nope' } }), ['name_localizations', 'xx-YY'], 'BASE_TYPE_CHOICES');
      assertFormError(await post({ name: 'loc', description: 'Loc', name_localizations: { fr: 'Majuscule' } }), ['name_localizations', 'fr'], 'APPLICATION_COMMAND_INVALID_NAME');
      assertFormError(await post({ name: 'loc', description: 'Loc', description_localizations: { de: 'd'.repeat(101) } }), ['description_localizations', 'de'], 'BASE_TYPE_BAD_LENGTH');
      assertFormError(await withOption(str({ name_localizations: { ja: 'two words' } })), ['options', 0, 'name_localizations', 'ja'], 'STRING_TYPE_REGEX');
      const ok = await post({ name: 'loc', description: 'Loc', name_localizations: { fr: 'loc', de: 'ort', 'es-419': null }, description_localizations: { 'zh-CN': '位置' } });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      assert.deepEqual(ok.body.name_localizations, { de: 'ort' });
      assert.deepEqual(ok.body.description_localizations, { 'zh-CN': '位置' });
      const menu = await post({ name: 'Loc Menu', type: 2, name_localizations: { fr: 'Menu Français' } });
      assert.equal(menu.status, 201, 'USER names may be mixed case in every locale');
    });

    it('default_member_permissions, contexts, integration_types, dm_permission and nsfw', async () => {
      const admins = await post({ name: 'admins', description: 'Admins only', default_member_permissions: '0' });
      assert.equal(admins.body.default_member_permissions, '0');
      const numeric = await post({ name: 'managers', description: 'Managers', default_member_permissions: 32 });
      assert.equal(numeric.body.default_member_permissions, '32');
      assertFormError(await post({ name: 'badperm', description: 'Bad', default_member_permissions: 'abc' }), ['default_member_permissions'], 'BASE_TYPE_INVALID');
      const ctx = await post({ name: 'ctx', description: 'Contexts', contexts: [2, 0, 0], integration_types: [1, 0], nsfw: true });
      assert.deepEqual(ctx.body.contexts, [0, 2]);
      assert.deepEqual(ctx.body.integration_types, [0, 1]);
      assert.equal(ctx.body.dm_permission, false);
      assert.equal(ctx.body.nsfw, true);
      assertFormError(await post({ name: 'ctx2', description: 'Bad context', contexts: [3] }), ['contexts', 0], 'BASE_TYPE_CHOICES');
      assertFormError(await post({ name: 'ctx2', description: 'Bad type', integration_types: [2] }), ['integration_types', 0], 'BASE_TYPE_CHOICES');
      const noDm = await post({ name: 'nodm', description: 'No DMs', dm_permission: false });
      assert.deepEqual(noDm.body.contexts, [0, 2]);
      assert.equal(noDm.body.dm_permission, false);
    });

    it('lists leave localization dictionaries out unless with_localizations, and localize to the requester\'s locale', async () => {
      const owner = await t.register();
      const { app, bot: b } = await makeBot(t, owner, 'Localized');
      const url = `/applications/${app.id}/commands`;
      await t.request('POST', url, {
        auth: b,
        body: { name: 'birthday', description: 'Wish happy birthday', name_localizations: { 'zh-CN': '生日' }, description_localizations: { 'zh-CN': '祝你生日快乐' },
          options: [{ type: 4, name: 'age', description: 'Age', name_localizations: { 'zh-CN': '岁数' }, choices: [{ name: 'ten', value: 10, name_localizations: { 'zh-CN': '十' } }] }] },
      });
      const plain = (await t.request('GET', url, { auth: b })).body[0];
      assert.equal('name_localizations' in plain, false);
      assert.equal('name_localized' in plain, false);
      assert.equal('name_localizations' in plain.options[0], false);
      const zh = (await t.request('GET', url, { auth: b, headers: { 'x-discord-locale': 'zh-CN' } })).body[0];
      assert.equal(zh.name_localized, '生日');
      assert.equal(zh.description_localized, '祝你生日快乐');
      assert.equal(zh.options[0].name_localized, '岁数');
      assert.equal('description_localized' in zh.options[0], false);
      assert.equal(zh.options[0].choices[0].name_localized, '十');
      const viaAccept = (await t.request('GET', url, { auth: b, headers: { 'accept-language': 'pt-PT, zh-CN;q=0.8, fr;q=0.5' } })).body[0];
      assert.equal(viaAccept.name_localized, '生日');
      const full = (await t.request('GET', `${url}?with_localizations=true`, { auth: b, headers: { 'x-discord-locale': 'zh-CN' } })).body[0];
      assert.deepEqual(full.name_localizations, { 'zh-CN': '生日' });
      assert.deepEqual(full.options[0].choices[0].name_localizations, { 'zh-CN': '十' });
      assert.equal('name_localized' in full, false);
      assertError(await t.request('GET', `${url}?with_localizations=yes`, { auth: b }), 400, 50035);
    });

    it('answers malformed bodies with 50035, never a crash', async () => {
      for (const body of [[], 'text', { name: 5, description: 'x' }, { name: 'x', description: 'd', options: 'nope' }, { name: 'x', description: 'd', options: [null] },
        { name: 'x', description: 'd', options: [{ type: 3, name: 'o', description: 'd', choices: [{ name: 'c', value: { nested: true } }] }] },
        { name: 'x', description: 'd', name_localizations: ['fr'] }, { name: 'x', description: 'd', options: [{ type: 3, name: 'o', description: 'd', min_length: 2.5 }] }]) {
        assertError(await post(body), 400, 50035);
      }
    });
  });

  describe('command permissions', () => {
    it('PUT needs a user with MANAGE_GUILD and MANAGE_ROLES (bots 20001); GET one, GET all; the gateway hears APPLICATION_COMMAND_PERMISSIONS_UPDATE', async () => {
      const { owner, guild, app, bot } = await botInGuild(t, 'Perms');
      const cmd = (await t.request('POST', `/applications/${app.id}/commands`, { auth: bot, body: ping })).body;
      const gcmd = (await t.request('POST', `/applications/${app.id}/guilds/${guild.id}/commands`, { auth: bot, body: { name: 'local', description: 'Local' } })).body;
      const base = `/applications/${app.id}/guilds/${guild.id}/commands`;
      const gw = await GatewayClient.connect(t.url);
      try {
        const ready = await gw.identify(bot.token, { intents: Intents.GUILDS });
        assert.equal(ready.guilds[0].id, guild.id);
        await gw.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);

        assertError(await t.request('GET', `${base}/${cmd.id}/permissions`, { auth: bot }), 404, 10066);
        const everyoneOff = { id: guild.id, type: 1, permission: false };
        const allChannels = { id: (BigInt(guild.id) - 1n).toString(), type: 3, permission: true };
        const ownerOn = { id: owner.id, type: 2, permission: true };
        assertError(await t.request('PUT', `${base}/${cmd.id}/permissions`, { auth: bot, body: { permissions: [everyoneOff] } }), 403, 20001);

        const put = await t.request('PUT', `${base}/${cmd.id}/permissions`, { auth: `Bearer ${owner.token}`, body: { permissions: [everyoneOff, allChannels, ownerOn] } });
        assert.equal(put.status, 200, JSON.stringify(put.body));
        const expected = { id: cmd.id, application_id: app.id, guild_id: guild.id, permissions: [everyoneOff, allChannels, ownerOn] };
        assert.deepEqual(put.body, expected);
        const event = await gw.waitForDispatch('APPLICATION_COMMAND_PERMISSIONS_UPDATE');
        assert.deepEqual(event.d, expected);

        assert.deepEqual((await t.request('GET', `${base}/${cmd.id}/permissions`, { auth: bot })).body, expected);
        // Guild commands and the application's own id (defaults for all its commands) take permissions too.
        const local = await t.request('PUT', `${base}/${gcmd.id}/permissions`, { auth: owner, body: { permissions: [ownerOn] } });
        assert.equal(local.status, 200, JSON.stringify(local.body));
        const appWide = await t.request('PUT', `${base}/${app.id}/permissions`, { auth: owner, body: { permissions: [everyoneOff] } });
        assert.equal(appWide.body.id, app.id);
        const all = await t.request('GET', `${base}/permissions`, { auth: bot });
        assert.equal(all.status, 200);
        assert.deepEqual(all.body.map((p: any) => p.id).sort(), [cmd.id, gcmd.id, app.id].sort());
        // The owner, who may edit them, may read them too.
        assert.equal((await t.request('GET', `${base}/permissions`, { auth: owner })).status, 200);

        // An empty list clears them.
        const cleared = await t.request('PUT', `${base}/${gcmd.id}/permissions`, { auth: owner, body: { permissions: [] } });
        assert.deepEqual(cleared.body.permissions, []);
        assertError(await t.request('GET', `${base}/${gcmd.id}/permissions`, { auth: bot }), 404, 10066);
        // Renaming or deleting a command deletes its permissions.
        await t.request('PATCH', `/applications/${app.id}/commands/${cmd.id}`, { auth: bot, body: { name: 'renamed' } });
        assertError(await t.request('GET', `${base}/${cmd.id}/permissions`, { auth: bot }), 404, 10066);
        await t.request('PUT', `${base}/${gcmd.id}/permissions`, { auth: owner, body: { permissions: [ownerOn] } });
        await t.request('DELETE', `${base}/${gcmd.id}`, { auth: bot });
        assertError(await t.request('GET', `${base}/${gcmd.id}/permissions`, { auth: bot }), 404, 10063);
        assert.deepEqual((await t.request('GET', `${base}/permissions`, { auth: bot })).body.map((p: any) => p.id), [app.id]);
      } finally {
        await gw.close();
      }
    });

    it('refuses members without both permissions (50013), strangers (50001), unknown commands (10063), bad entries (50035), roles above the editor (50013)', async () => {
      const { owner, guild, app, bot } = await botInGuild(t, 'Refuse');
      const cmd = (await t.request('POST', `/applications/${app.id}/commands`, { auth: bot, body: ping })).body;
      const url = `/applications/${app.id}/guilds/${guild.id}/commands/${cmd.id}/permissions`;
      const member = await t.register();
      await addMember(t, guild.id, member);
      const body = { permissions: [{ id: guild.id, type: 1, permission: true }] };
      assertError(await t.request('PUT', url, { auth: member, body }), 403, 50013);
      assertError(await t.request('GET', url, { auth: member }), 403, 50013);
      const first = await giveRole(t, owner, guild.id, member, 1n << 5n, 'guild manager');
      assertError(await t.request('PUT', url, { auth: member, body }), 403, 50013);
      const both = await giveRole(t, owner, guild.id, member, (1n << 5n) | (1n << 28n), 'managers');
      assert.equal((await t.request('PUT', url, { auth: member, body }).then((r) => r.status)), 200);
      // A role at or above the editor's highest role is not theirs to use: both roles sit at position 1, where
      // the older ranks higher, so `first` is the member's highest and `both` is beneath it.
      assertError(await t.request('PUT', url, { auth: member, body: { permissions: [{ id: first.id, type: 1, permission: true }] } }), 403, 50013);
      assert.equal((await t.request('PUT', url, { auth: member, body: { permissions: [{ id: both.id, type: 1, permission: true }] } })).status, 200);
      assert.equal((await t.request('PUT', url, { auth: owner, body: { permissions: [{ id: first.id, type: 1, permission: true }] } })).status, 200);

      const stranger = await t.register();
      assertError(await t.request('PUT', url, { auth: stranger, body }), 403, 50001);
      assertError(await t.request('PUT', `/applications/${app.id}/guilds/${guild.id}/commands/123456789012345678/permissions`, { auth: owner, body }), 404, 10063);
      assertError(await t.request('PUT', `/applications/123456789012345678/guilds/${guild.id}/commands/${cmd.id}/permissions`, { auth: owner, body }), 404, 10002);
      const { bot: otherBot } = await makeBot(t, owner, 'Nosy');
      assertError(await t.request('GET', url, { auth: otherBot }), 403, 20012);

      const many = Array.from({ length: 101 }, () => ({ id: guild.id, type: 1, permission: true }));
      assertFormError(await t.request('PUT', url, { auth: owner, body: { permissions: many } }), ['permissions'], 'BASE_TYPE_MAX_LENGTH');
      assertFormError(await t.request('PUT', url, { auth: owner, body: { permissions: [{ id: guild.id, type: 4, permission: true }] } }), ['permissions', 0, 'type'], 'BASE_TYPE_CHOICES');
      assertFormError(await t.request('PUT', url, { auth: owner, body: { permissions: [{ id: '123456789012345678', type: 1, permission: true }] } }), ['permissions', 0, 'id'], 'APPLICATION_COMMAND_PERMISSIONS_INVALID_ID');
      assertFormError(await t.request('PUT', url, { auth: owner, body: { permissions: [{ id: '123456789012345678', type: 3, permission: true }] } }), ['permissions', 0, 'id'], 'APPLICATION_COMMAND_PERMISSIONS_INVALID_ID');
      assertFormError(await t.request('PUT', url, { auth: owner, body: { permissions: [body.permissions[0], body.permissions[0]] } }), ['permissions', 1, 'id'], 'APPLICATION_COMMAND_PERMISSIONS_DUPLICATE_ID');
      assertFormError(await t.request('PUT', url, { auth: owner, body: { permissions: [{ id: guild.id, type: 1 }] } }), ['permissions', 0, 'permission'], 'BASE_TYPE_REQUIRED');
      assertFormError(await t.request('PUT', url, { auth: owner, body: {} }), ['permissions'], 'BASE_TYPE_REQUIRED');

      // The application must be in the guild for its commands to have permissions there.
      const elsewhere = await t.createGuild(owner, 'No app');
      assertError(await t.request('PUT', `/applications/${app.id}/guilds/${elsewhere.id}/commands/${cmd.id}/permissions`, { auth: owner, body: { permissions: [] } }), 403, 50001);
    });
  });
});
