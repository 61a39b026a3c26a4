/**
 * OAuth2 over HTTP (api/oauth2.ts, routes/oauth2.ts, the code branch of routes/applications.ts), on SQLite and
 * PostgreSQL: the owner registers redirect URIs and resets the client secret; a user authorizes (consent info,
 * code to the redirect URI with state, denial); the code is exchanged once (form body or HTTP Basic) with RFC 6749
 * errors; the Bearer token reads /users/@me (email only with the scope), /users/@me/guilds, /oauth2/@me and nothing
 * it has no scope for; refresh replaces the pair; revoke ends it; client credentials; and the bot adds the user to a
 * guild with their guilds.join token (201, then 204; 50025 for a token that is not fit).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { freshPostgresStore, serviceSkip } from '../helpers/services.ts';
import { assertError, makeBot } from './fixtures.guilds.ts';

const REDIRECT = 'https://dashboard.example/callback';
const CREATE_INSTANT_INVITE = 1n;

for (const backend of ['sqlite', 'postgres'] as const) describe(`OAuth2 (${backend})`, { skip: backend === 'postgres' ? await serviceSkip('postgres') : false }, () => {
  let t: TestServer;
  let fresh: Awaited<ReturnType<typeof freshPostgresStore>> | undefined;
  let dev: TestUser;
  let user: TestUser;
  let app: any;
  let bot: TestUser;
  let secret: string;
  let guild: any;

  before(async () => {
    if (backend === 'postgres') {
      fresh = await freshPostgresStore();
      await fresh.store.migrate();
    }
    t = await startTestServer({ heartbeatIntervalMs: 5000 }, fresh ? { store: fresh.store } : {});
    dev = await t.register();
    user = await t.register();
    ({ app, bot } = await makeBot(t, dev, 'Dashboard'));
    guild = await t.createGuild(dev, 'Dash Guild');
    const added = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: dev, body: { guild_id: guild.id, permissions: String(CREATE_INSTANT_INVITE), authorize: true } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
  });
  after(async () => {
    await t.close();
    await fresh?.drop();
  });

  /** POSTs a form to the token endpoints, as OAuth2 clients do. */
  const form = async (path: string, fields: Record<string, string>, basic?: [string, string]) => {
    const res = await fetch(`${t.url}/api/v10${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(basic ? { authorization: `Basic ${Buffer.from(`${basic[0]}:${basic[1]}`).toString('base64')}` } : {}) },
      body: new URLSearchParams(fields).toString(),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const bearer = (token: string) => ({ auth: `Bearer ${token}` });
  const authorizeUrl = (scope: string, extra = '') => `/oauth2/authorize?response_type=code&client_id=${app.id}&scope=${encodeURIComponent(scope)}&redirect_uri=${encodeURIComponent(REDIRECT)}${extra}`;
  const codeFor = async (scope: string) => {
    const res = await t.request('POST', authorizeUrl(scope, '&state=xyz'), { auth: user, body: { authorize: true } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const location = new URL(res.body.location);
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
    assert.equal(location.searchParams.get('state'), 'xyz');
    return location.searchParams.get('code')!;
  };

  test('the owner registers redirect URIs and resets the secret; others cannot', async () => {
    const patched = await t.request('PATCH', `/applications/${app.id}`, { auth: dev, body: { redirect_uris: [REDIRECT, 'http://localhost:3000/cb'] } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body.redirect_uris, [REDIRECT, 'http://localhost:3000/cb']);
    assertError(await t.request('PATCH', `/applications/${app.id}`, { auth: dev, body: { redirect_uris: ['javascript:alert(1)'] } }), 400, 50035);
    assertError(await t.request('POST', `/applications/${app.id}/reset`, { auth: user }), 403, 50001);
    const reset = await t.request('POST', `/applications/${app.id}/reset`, { auth: dev });
    assert.equal(reset.status, 200);
    secret = reset.body.secret;
    assert.match(secret, /^[A-Za-z0-9_-]{32}$/);
  });

  test('authorize: consent info, refusals, denial; a code is exchanged once for tokens', async () => {
    const info = await t.request('GET', authorizeUrl('identify email guilds'), { auth: user });
    assert.equal(info.status, 200, JSON.stringify(info.body));
    assert.deepEqual([info.body.application.id, info.body.scopes, info.body.redirect_uri], [app.id, ['identify', 'email', 'guilds'], REDIRECT]);
    assertError(await t.request('GET', authorizeUrl('identify').replace(encodeURIComponent(REDIRECT), encodeURIComponent('https://evil.example/cb')), { auth: user }), 400, 50035);
    assertError(await t.request('GET', authorizeUrl('identify messages.read'), { auth: user }), 400, 50035);
    const denied = await t.request('POST', authorizeUrl('identify', '&state=s1'), { auth: user, body: { authorize: false } });
    const deniedAt = new URL(denied.body.location);
    assert.deepEqual([deniedAt.searchParams.get('error'), deniedAt.searchParams.get('state'), deniedAt.searchParams.get('code')], ['access_denied', 's1', null]);

    const code = await codeFor('identify email guilds');
    assert.deepEqual(await form('/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: app.id, client_secret: 'wrong' }).then((r) => [r.status, r.body.error]), [401, 'invalid_client']);
    const wrongUri = await form('/oauth2/token', { grant_type: 'authorization_code', code: await codeFor('identify'), redirect_uri: 'http://localhost:3000/cb' }, [app.id, secret]);
    assert.deepEqual([wrongUri.status, wrongUri.body.error], [400, 'invalid_grant']);
    const tokens = await form('/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, [app.id, secret]);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.deepEqual([tokens.body.token_type, tokens.body.expires_in, tokens.body.scope], ['Bearer', 604800, 'identify email guilds']);
    assert.ok(tokens.body.access_token && tokens.body.refresh_token);
    const again = await form('/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: app.id, client_secret: secret });
    assert.deepEqual([again.status, again.body.error], [400, 'invalid_grant'], 'a code is used once');
    assert.deepEqual((await form('/oauth2/token', { grant_type: 'password' }, [app.id, secret])).body.error, 'unsupported_grant_type');

    // What the token may do.
    const me = await t.request('GET', '/users/@me', bearer(tokens.body.access_token));
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.body.id, user.id);
    assert.ok('email' in me.body);
    const guilds = await t.request('GET', '/users/@me/guilds', bearer(tokens.body.access_token));
    assert.equal(guilds.status, 200);
    const current = await t.request('GET', '/oauth2/@me', bearer(tokens.body.access_token));
    assert.deepEqual([current.body.application.id, current.body.scopes, current.body.user.id], [app.id, ['identify', 'email', 'guilds'], user.id]);
    assert.ok(Date.parse(current.body.expires) > Date.now() + 6 * 86_400_000);
    for (const [method, path] of [['GET', '/users/@me/channels'], ['POST', `/users/@me/channels`], ['GET', `/guilds/${guild.id}`], ['GET', `/users/@me/guilds/${guild.id}/member`]] as const) {
      assert.equal((await t.request(method, path, { ...bearer(tokens.body.access_token), body: method === 'POST' ? { recipient_id: dev.id } : undefined })).status, 401, `${method} ${path}`);
    }
    assert.equal((await t.request('GET', '/users/@me', bearer('not-a-token'))).status, 401);

    // Without `email`, no email.
    const narrow = await form('/oauth2/token', { grant_type: 'authorization_code', code: await codeFor('identify'), redirect_uri: REDIRECT }, [app.id, secret]);
    const plain = await t.request('GET', '/users/@me', bearer(narrow.body.access_token));
    assert.equal(plain.status, 200);
    assert.ok(!('email' in plain.body) && !('verified' in plain.body));
    assert.equal((await t.request('GET', '/users/@me/guilds', bearer(narrow.body.access_token))).status, 401, 'no guilds scope');

    // Refresh: a new pair, the refresh token once; revoke ends the token.
    const refreshed = await form('/oauth2/token', { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token }, [app.id, secret]);
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.notEqual(refreshed.body.access_token, tokens.body.access_token);
    assert.equal((await t.request('GET', '/users/@me', bearer(tokens.body.access_token))).status, 401, 'the old access token went with its refresh');
    assert.equal((await form('/oauth2/token', { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token }, [app.id, secret])).body.error, 'invalid_grant');
    assert.equal((await t.request('GET', '/users/@me', bearer(refreshed.body.access_token))).status, 200);
    assert.equal((await form('/oauth2/token/revoke', { token: refreshed.body.access_token, token_type_hint: 'access_token' }, [app.id, secret])).status, 200);
    assert.equal((await t.request('GET', '/users/@me', bearer(refreshed.body.access_token))).status, 401);
  });

  test('the user lists the apps they authorized and deauthorizes one: its tokens stop at once', async () => {
    const { body: tokens } = await form('/oauth2/token', { grant_type: 'authorization_code', code: await codeFor('identify guilds'), redirect_uri: REDIRECT }, [app.id, secret]);
    const listed = await t.request('GET', '/oauth2/tokens', { auth: user });
    assert.equal(listed.status, 200);
    const entry = (listed.body as any[]).find((x) => x.id === app.id);
    assert.ok(entry, JSON.stringify(listed.body));
    assert.equal(entry.application.name, 'Dashboard');
    assert.ok(entry.scopes.includes('identify') && entry.scopes.includes('guilds'));
    assert.equal((await t.request('GET', '/oauth2/tokens', bearer(tokens.access_token))).status, 401, 'not with an access token');
    assert.equal((await t.request('DELETE', `/oauth2/tokens/${app.id}`, { auth: user })).status, 204);
    assert.equal((await t.request('GET', '/users/@me', bearer(tokens.access_token))).status, 401);
    assert.equal((await form('/oauth2/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, [app.id, secret])).body.error, 'invalid_grant');
    assert.ok(!((await t.request('GET', '/oauth2/tokens', { auth: user })).body as any[]).some((x) => x.id === app.id));
    assert.equal((await t.request('DELETE', `/oauth2/tokens/${app.id}`, { auth: user })).status, 404);
  });

  test('client credentials give the owner\'s token, without a refresh token', async () => {
    const res = await form('/oauth2/token', { grant_type: 'client_credentials', scope: 'identify guilds' }, [app.id, secret]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.refresh_token, undefined);
    assert.equal((await t.request('GET', '/users/@me', bearer(res.body.access_token))).body.id, dev.id);
    assert.equal((await form('/oauth2/token', { grant_type: 'client_credentials', scope: 'guilds.join' }, [app.id, secret])).body.error, 'invalid_scope');
  });

  test('the bot adds the user to a guild with their guilds.join token', async () => {
    const code = await codeFor('identify guilds.join');
    const { body: tokens } = await form('/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, [app.id, secret]);
    // Another application's bot, in the guild with the same permission, cannot use this application's token.
    const other = await makeBot(t, dev, 'Other App');
    await t.request('POST', `/oauth2/authorize?client_id=${other.app.id}&scope=bot`, { auth: dev, body: { guild_id: guild.id, permissions: String(CREATE_INSTANT_INVITE), authorize: true } });
    assertError(await t.request('PUT', `/guilds/${guild.id}/members/${user.id}`, { auth: other.bot, body: { access_token: tokens.access_token } }), 403, 50025);
    assertError(await t.request('PUT', `/guilds/${guild.id}/members/${dev.id}`, { auth: bot, body: { access_token: tokens.access_token } }), 403, 50025);
    assertError(await t.request('PUT', `/guilds/${guild.id}/members/${user.id}`, { auth: user, body: { access_token: tokens.access_token } }), 403, 20002);
    assertError(await t.request('PUT', `/guilds/${guild.id}/members/${user.id}`, { auth: bot, body: { access_token: tokens.access_token, nick: 'Boss' } }), 403, 50013);
    const from = t.events.length;
    const added = await t.request('PUT', `/guilds/${guild.id}/members/${user.id}`, { auth: bot, body: { access_token: tokens.access_token } });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal(added.body.user.id, user.id);
    await t.waitForEvent('GUILD_MEMBER_ADD', (e) => e.d.user.id === user.id && e.d.guild_id === guild.id, from);
    assert.equal((await t.request('PUT', `/guilds/${guild.id}/members/${user.id}`, { auth: bot, body: { access_token: tokens.access_token } })).status, 204);
    // identify-only tokens do not join anyone.
    const { body: weak } = await form('/oauth2/token', { grant_type: 'authorization_code', code: await codeFor('identify'), redirect_uri: REDIRECT }, [app.id, secret]);
    const g2 = await t.createGuild(dev, 'Second Guild');
    await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: dev, body: { guild_id: g2.id, permissions: String(CREATE_INSTANT_INVITE), authorize: true } });
    assertError(await t.request('PUT', `/guilds/${g2.id}/members/${user.id}`, { auth: bot, body: { access_token: weak.access_token } }), 403, 50025);
  });

  test('the bot makes a group DM and adds to it with gdm.join tokens; other tokens and other apps get 50025', async () => {
    const code = await codeFor('identify gdm.join');
    const { body: tokens } = await form('/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, [app.id, secret]);
    assert.match(tokens.scope, /gdm\.join/);
    // A login token is no access token, and another application's bot cannot use this one's.
    assertError(await t.request('POST', '/users/@me/channels', { auth: bot, body: { access_tokens: [user.token] } }), 403, 50025);
    const other = await makeBot(t, dev, 'Group Other');
    assertError(await t.request('POST', '/users/@me/channels', { auth: other.bot, body: { access_tokens: [tokens.access_token] } }), 403, 50025);
    const from = t.events.length;
    const group = await t.request('POST', '/users/@me/channels', { auth: bot, body: { access_tokens: [tokens.access_token], nicks: { [user.id]: 'Player One' } } });
    assert.equal(group.status, 200, JSON.stringify(group.body));
    assert.equal(group.body.type, 3);
    assert.equal(group.body.owner_id, bot.id);
    assert.deepEqual(group.body.recipients.map((u: any) => u.id), [user.id]);
    await t.waitForEvent('CHANNEL_CREATE', (e) => e.subject === `gateway.user.${user.id}` && e.d.id === group.body.id, from);

    // Add Recipient: the user's gdm.join token is their consent; an identify-only one, or another user's, is not.
    const second = await t.register();
    const secondCode = async (scope: string) => {
      const res = await t.request('POST', authorizeUrl(scope), { auth: second, body: { authorize: true } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return new URL(res.body.location).searchParams.get('code')!;
    };
    const weak = (await form('/oauth2/token', { grant_type: 'authorization_code', code: await secondCode('identify'), redirect_uri: REDIRECT }, [app.id, secret])).body;
    assertError(await t.request('PUT', `/channels/${group.body.id}/recipients/${second.id}`, { auth: bot, body: { access_token: weak.access_token, nick: 'Two' } }), 403, 50025);
    assertError(await t.request('PUT', `/channels/${group.body.id}/recipients/${second.id}`, { auth: bot, body: { access_token: tokens.access_token, nick: 'Two' } }), 403, 50025);
    const good = (await form('/oauth2/token', { grant_type: 'authorization_code', code: await secondCode('gdm.join'), redirect_uri: REDIRECT }, [app.id, secret])).body;
    assert.equal((await t.request('PUT', `/channels/${group.body.id}/recipients/${second.id}`, { auth: bot, body: { access_token: good.access_token, nick: 'Two' } })).status, 204);
    assert.deepEqual((await t.store.channels.listRecipients(group.body.id)).sort(), [bot.id, user.id, second.id].sort());
  });
});
