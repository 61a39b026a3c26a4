/**
 * Linked roles (src/api/routes/role-connections.ts) on SQLite and PostgreSQL: an application's role connection
 * metadata (its bot or owner reads and replaces it; 5 records, unique keys, valid locales), and a user's connection,
 * written by the application with the user's `role_connections.write` access token (values checked against each
 * record's type) and read back by the user.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServerOn, type TestServer, type TestUser } from '../helpers/harness.ts';
import { serviceSkip } from '../helpers/services.ts';
import { assertError, makeBot } from './fixtures.guilds.ts';

const postgresSkip = await serviceSkip('postgres');
const REDIRECT = 'https://linked.example/callback';

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`linked roles (${backend})`, { skip: backend === 'postgres' ? postgresSkip : false }, () => {
    let t: TestServer;
    let dev: TestUser;
    let user: TestUser;
    let app: any;
    let bot: TestUser;
    let secret: string;
    before(async () => {
      t = await startTestServerOn(backend);
      dev = await t.register();
      user = await t.register();
      ({ app, bot } = await makeBot(t, dev, 'Chess Club'));
      assert.equal((await t.request('PATCH', `/applications/${app.id}`, { auth: dev, body: { redirect_uris: [REDIRECT] } })).status, 200);
      secret = (await t.request('POST', `/applications/${app.id}/reset`, { auth: dev })).body.secret;
    });
    after(() => t.close());

    /** The user's access token for the application, with `scope`, through the authorization code flow. */
    const accessToken = async (scope: string) => {
      const url = `/oauth2/authorize?response_type=code&client_id=${app.id}&scope=${encodeURIComponent(scope)}&redirect_uri=${encodeURIComponent(REDIRECT)}`;
      const consent = await t.request('POST', url, { auth: user, body: { authorize: true } });
      assert.equal(consent.status, 200, JSON.stringify(consent.body));
      const code = new URL(consent.body.location).searchParams.get('code')!;
      const res = await fetch(`${t.url}/api/v10/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${app.id}:${secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }).toString(),
      });
      const body = (await res.json()) as any;
      assert.equal(res.status, 200, JSON.stringify(body));
      return `Bearer ${body.access_token}`;
    };

    it('the bot or the owner reads and replaces the metadata records; 5 at most, unique keys, known locales', async () => {
      const path = `/applications/${app.id}/role-connections/metadata`;
      assert.deepEqual((await t.request('GET', path, { auth: bot })).body, []);
      const records = [
        { type: 2, key: 'rating', name: 'Rating', name_localizations: { fr: 'Classement' }, description: 'Rating at least' },
        { type: 5, key: 'member_since', name: 'Member since', description: 'Days since joining' },
        { type: 7, key: 'titled', name: 'Titled', description: 'Holds a title' },
      ];
      const put = await t.request('PUT', path, { auth: bot, body: records });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.deepEqual(put.body, records);
      assert.deepEqual((await t.request('GET', path, { auth: dev })).body, records);
      assertError(await t.request('GET', path, { auth: user }), 403, 50001);
      assertError(await t.request('PUT', path, { auth: bot, body: [...records, ...records.map((r) => ({ ...r, key: `${r.key}_2` }))] }), 400, 50035);
      assertError(await t.request('PUT', path, { auth: bot, body: [records[0], records[0]] }), 400, 50035);
      assertError(await t.request('PUT', path, { auth: bot, body: [{ ...records[0], key: 'Has Caps' }] }), 400, 50035);
      assertError(await t.request('PUT', path, { auth: bot, body: [{ ...records[0], type: 9 }] }), 400, 50035);
      assertError(await t.request('PUT', path, { auth: bot, body: [{ ...records[0], name_localizations: { klingon: 'x' } }] }), 400, 50035);
      assert.deepEqual((await t.request('GET', path, { auth: bot })).body, records, 'refused bodies change nothing');
    });

    it("the application writes the user's connection with their role_connections.write token; the user reads it", async () => {
      const path = `/users/@me/applications/${app.id}/role-connection`;
      assert.deepEqual((await t.request('GET', path, { auth: user })).body, { platform_name: null, platform_username: null, metadata: {} });
      // The user's own log-in cannot write it: only the application speaks for its platform.
      assertError(await t.request('PUT', path, { auth: user, body: { platform_name: 'Chess Club' } }), 403, 50001);
      const identifyOnly = await accessToken('identify');
      assert.equal((await t.request('PUT', path, { auth: identifyOnly, body: {} })).status, 401);
      const token = await accessToken('identify role_connections.write');
      const put = await t.request('PUT', path, { auth: token, body: { platform_name: 'Chess Club', platform_username: 'knight42', metadata: { rating: 2150, member_since: '2024-01-02T00:00:00.000Z', titled: true } } });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.deepEqual(put.body, { platform_name: 'Chess Club', platform_username: 'knight42', metadata: { rating: '2150', member_since: '2024-01-02T00:00:00.000Z', titled: '1' } });
      assert.deepEqual((await t.request('GET', path, { auth: user })).body, put.body);
      assert.deepEqual((await t.request('GET', path, { auth: token })).body, put.body);
      // Values must fit their record, keys must be the application's.
      assertError(await t.request('PUT', path, { auth: token, body: { metadata: { rating: 'high' } } }), 400, 50035);
      assertError(await t.request('PUT', path, { auth: token, body: { metadata: { titled: '2' } } }), 400, 50035);
      assertError(await t.request('PUT', path, { auth: token, body: { metadata: { member_since: 'yesterday' } } }), 400, 50035);
      assertError(await t.request('PUT', path, { auth: token, body: { metadata: { unknown_key: '1' } } }), 400, 50035);
      // Another application's path with this token is refused.
      const other = await makeBot(t, dev, 'Other Club');
      assertError(await t.request('PUT', `/users/@me/applications/${other.app.id}/role-connection`, { auth: token, body: {} }), 403, 50001);
      assertError(await t.request('GET', `/users/@me/applications/${other.app.id}/role-connection`, { auth: token }), 403, 50001);
      assertError(await t.request('GET', `/users/@me/applications/123456789012345678/role-connection`, { auth: user }), 404, 10002);
    });
  });
}
