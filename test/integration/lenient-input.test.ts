/**
 * Input Discord accepts and Accord must accept too: bodiless requests that still carry a Content-Type, snowflakes
 * written as 64-bit JSON integers (exact, on SQLite and PostgreSQL), and the edges around them (wrong types with a
 * real body, non-snowflake numbers beyond 2^53, ids with leading zeros, trailing slashes, query booleans).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { freshPostgresStore, serviceSkip } from '../helpers/services.ts';
import { makeBot } from './fixtures.guilds.ts';
import { assertError, guildFixture, send, type GuildFixture } from './fixtures.messages.ts';

interface RawResult {
  status: number;
  body: any;
}

/** One HTTP request with exactly these headers and bytes (fetch would add its own Content-Type / Content-Length). */
function rawRequest(t: TestServer, method: string, route: string, headers: Record<string, string>, body?: string): Promise<RawResult> {
  const url = new URL(`${t.api}${route}`);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {}
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const auth = (u: TestUser) => ({ authorization: u.auth });
const OCTET_EMPTY = { 'content-type': 'application/octet-stream', 'content-length': '0' };

/** Leaves only what must match between two answers to the same call: status, code, and the body's keys. */
function shape(r: RawResult) {
  const keys = r.body && typeof r.body === 'object' ? Object.keys(r.body).sort() : r.body;
  return { status: r.status, code: typeof r.body?.code === 'number' ? r.body.code : undefined, keys };
}

describe('bodiless requests with a content type', () => {
  let t: TestServer;
  let f: GuildFixture;
  before(async () => {
    t = await startTestServer();
    f = await guildFixture(t);
  });
  after(() => t.close());

  /**
   * Sends the call twice, once bare and once with `Content-Type: application/octet-stream` + `Content-Length: 0`
   * (on a twin resource when the call changes what it names), and checks both get the same answer.
   */
  async function same(method: string, bare: string, withType: string, user: TestUser, expected: number) {
    const a = await rawRequest(t, method, bare, { ...auth(user), 'content-length': '0' });
    const b = await rawRequest(t, method, withType, { ...auth(user), ...OCTET_EMPTY });
    assert.equal(a.status, expected, `${method} ${bare}: ${JSON.stringify(a.body)}`);
    assert.deepEqual(shape(b), shape(a), `${method} ${withType} with octet-stream: ${JSON.stringify(b.body)}`);
  }

  it('typing, reactions, pins, member roles, bans, invites, acks, joins and deletes answer as without the header', async () => {
    const { owner, member, guild, channel } = f;
    const c = channel.id;
    const m1 = await send(t, member, c, 'one');
    const m2 = await send(t, member, c, 'two');
    await same('POST', `/channels/${c}/typing`, `/channels/${c}/typing`, member, 204);
    await same('PUT', `/channels/${c}/messages/${m1.id}/reactions/%F0%9F%91%8D/@me`, `/channels/${c}/messages/${m2.id}/reactions/%F0%9F%91%8D/@me`, member, 204);
    await same('DELETE', `/channels/${c}/messages/${m1.id}/reactions/%F0%9F%91%8D/@me`, `/channels/${c}/messages/${m2.id}/reactions/%F0%9F%91%8D/@me`, member, 204);
    await same('PUT', `/channels/${c}/pins/${m1.id}`, `/channels/${c}/pins/${m2.id}`, owner, 204);
    await same('DELETE', `/channels/${c}/pins/${m1.id}`, `/channels/${c}/pins/${m2.id}`, owner, 204);
    await same('PUT', `/channels/${c}/messages/pins/${m1.id}`, `/channels/${c}/messages/pins/${m2.id}`, owner, 204);
    await same('POST', `/channels/${c}/messages/${m1.id}/ack`, `/channels/${c}/messages/${m2.id}/ack`, member, 200);
    await same('POST', `/channels/${c}/invites`, `/channels/${c}/invites`, owner, 200);

    const role = await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'r' } });
    await same('PUT', `/guilds/${guild.id}/members/${member.id}/roles/${role.body.id}`, `/guilds/${guild.id}/members/${member.id}/roles/${role.body.id}`, owner, 204);
    await same('DELETE', `/guilds/${guild.id}/members/${member.id}/roles/${role.body.id}`, `/guilds/${guild.id}/members/${member.id}/roles/${role.body.id}`, owner, 204);

    const m3 = await send(t, member, c, 'three');
    const m4 = await send(t, member, c, 'four');
    await same('DELETE', `/channels/${c}/messages/${m3.id}`, `/channels/${c}/messages/${m4.id}`, member, 204);

    const x = await t.register();
    const y = await t.register();
    const invite = await t.request('POST', `/channels/${c}/invites`, { auth: owner, body: {} });
    const joinX = await rawRequest(t, 'POST', `/invites/${invite.body.code}`, { ...auth(x), 'content-length': '0' });
    const joinY = await rawRequest(t, 'POST', `/invites/${invite.body.code}`, { ...auth(y), ...OCTET_EMPTY });
    assert.equal(joinX.status, 200);
    assert.deepEqual(shape(joinY), shape(joinX));
    await same('PUT', `/guilds/${guild.id}/bans/${x.id}`, `/guilds/${guild.id}/bans/${y.id}`, owner, 204);
    await same('DELETE', `/guilds/${guild.id}/bans/${x.id}`, `/guilds/${guild.id}/bans/${y.id}`, owner, 204);

    const { app } = await makeBot(t, owner);
    await same('POST', `/applications/${app.id}/bot/reset`, `/applications/${app.id}/bot/reset`, owner, 200);
    // Each logout ends its own token, so each needs one.
    const login = async () => (await t.request('POST', '/auth/login', { body: { login: member.username, password: 'correct horse battery staple' } })).body.token as string;
    const [s1, s2] = [await login(), await login()];
    const out1 = await rawRequest(t, 'POST', '/auth/logout', { authorization: s1, 'content-length': '0' });
    const out2 = await rawRequest(t, 'POST', '/auth/logout', { authorization: s2, ...OCTET_EMPTY });
    assert.equal(out1.status, 204);
    assert.deepEqual(shape(out2), shape(out1));
    assert.equal((await t.request('GET', '/users/@me', { auth: s2 })).status, 401, 'the octet-stream logout took effect');
  });

  it('an empty body under application/json, or under a malformed type, is also no body', async () => {
    const c = f.channel.id;
    for (const type of ['application/json', 'text/plain', 'not a type']) {
      const r = await rawRequest(t, 'POST', `/channels/${c}/typing`, { ...auth(f.member), 'content-type': type, 'content-length': '0' });
      assert.equal(r.status, 204, `${type}: ${JSON.stringify(r.body)}`);
    }
    // Chunked with no bytes: Fastify must read it to know it is empty.
    const chunked = await rawRequest(t, 'POST', `/channels/${c}/typing`, { ...auth(f.member), 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    assert.equal(chunked.status, 204, JSON.stringify(chunked.body));
  });

  it('a real body in a type the route cannot take still gets 50035 CONTENT_TYPE_INVALID', async () => {
    const c = f.channel.id;
    const text = await rawRequest(t, 'POST', `/channels/${c}/messages`, { ...auth(f.member), 'content-type': 'text/plain' }, 'hello');
    assertError(text, 400, 50035);
    assert.equal(text.body.errors._errors[0].code, 'CONTENT_TYPE_INVALID');
    const octet = await rawRequest(t, 'POST', `/channels/${c}/typing`, { ...auth(f.member), 'content-type': 'application/octet-stream' }, 'xyz');
    assertError(octet, 400, 50035);
    assert.equal(octet.body.errors._errors[0].code, 'CONTENT_TYPE_INVALID');
    // Nothing was written by the refused send.
    const list = await t.request('GET', `/channels/${c}/messages?limit=100`, { auth: f.member });
    assert.ok(!list.body.some((m: any) => m.content === 'hello'));
  });
});

/** The integer-snowflake flows, run against one store. */
function integerSnowflakes(name: string, open: () => Promise<{ t: TestServer; cleanup: () => Promise<void> }>) {
  describe(`snowflakes as JSON integers (${name})`, () => {
    let t: TestServer;
    let cleanup: () => Promise<void>;
    let f: GuildFixture;
    before(async () => {
      ({ t, cleanup } = await open());
      f = await guildFixture(t);
    });
    after(() => cleanup());

    /** Sends `json` verbatim: numbers in it stay as written. */
    const post = (method: string, route: string, user: TestUser, json: string) =>
      rawRequest(t, method, route, { ...auth(user), 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(json)) }, json);

    it('a reply whose message_reference holds 19-digit integers points at the exact message', async () => {
      const { member, guild, channel } = f;
      const target = await send(t, member, channel.id, 'the original');
      assert.ok(BigInt(target.id) > BigInt(Number.MAX_SAFE_INTEGER), 'real ids are beyond 2^53');
      const json = `{"content":"a reply","message_reference":{"message_id":${target.id},"channel_id":${channel.id},"guild_id":${guild.id}}}`;
      const res = await post('POST', `/channels/${channel.id}/messages`, member, json);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const stored = await t.request('GET', `/channels/${channel.id}/messages/${res.body.id}`, { auth: member });
      assert.equal(stored.body.message_reference.message_id, target.id);
      assert.equal(stored.body.message_reference.channel_id, channel.id);
      assert.equal(stored.body.message_reference.guild_id, guild.id);
      assert.equal(stored.body.referenced_message.id, target.id);
    });

    it('member roles edited with integer ids store those exact ids', async () => {
      const { owner, member, guild } = f;
      const a = await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'a' } });
      const b = await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'b' } });
      const res = await post('PATCH', `/guilds/${guild.id}/members/${member.id}`, owner, `{"roles":[${a.body.id},${b.body.id}]}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const got = await t.request('GET', `/guilds/${guild.id}/members/${member.id}`, { auth: owner });
      assert.deepEqual([...got.body.roles].sort(), [a.body.id, b.body.id].sort());
      const stored = await t.store.members.get(guild.id, member.id);
      assert.deepEqual([...stored!.roles].sort(), [a.body.id, b.body.id].sort());
    });

    it('overwrites set with integer ids (channel edit and PUT) and a parent id as an integer are exact', async () => {
      const { owner, member, guild, channel } = f;
      const role = await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'ow' } });
      const cat = await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'cat', type: 4 } });
      const patch = await post('PATCH', `/channels/${channel.id}`, owner,
        `{"parent_id":${cat.body.id},"permission_overwrites":[{"id":${member.id},"type":1,"allow":1024,"deny":0},{"id":${role.body.id},"type":0,"allow":"0","deny":2048}]}`);
      assert.equal(patch.status, 200, JSON.stringify(patch.body));
      const put = await post('PUT', `/channels/${channel.id}/permissions/${guild.id}`, owner, `{"type":0,"allow":0,"deny":1024}`);
      assert.equal(put.status, 204, JSON.stringify(put.body));
      const got = await t.request('GET', `/channels/${channel.id}`, { auth: owner });
      assert.equal(got.body.parent_id, cat.body.id);
      const ids = got.body.permission_overwrites.map((o: any) => o.id).sort();
      assert.deepEqual(ids, [member.id, role.body.id, guild.id].sort());
      const mine = got.body.permission_overwrites.find((o: any) => o.id === member.id);
      assert.equal(mine.allow, '1024');
    });

    it('a nonce and allowed_mentions sent as integers keep every digit', async () => {
      const { member, channel } = f;
      const nonce = '1577986078365818880';
      const res = await post('POST', `/channels/${channel.id}/messages`, member,
        `{"content":"<@${member.id}> id:1234567890123456789","nonce":${nonce},"allowed_mentions":{"users":[${member.id}]}}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.nonce, nonce);
      // Digits inside a string stay a string.
      assert.equal(res.body.content, `<@${member.id}> id:1234567890123456789`);
      assert.deepEqual(res.body.mentions.map((u: any) => u.id), [member.id]);
    });

    it('non-snowflake numbers beyond 2^53 keep their limits (NUMBER_TYPE_MAX), with nothing written', async () => {
      const { member, channel } = f;
      const before = await t.request('GET', `/channels/${channel.id}/messages?limit=100`, { auth: member });
      const res = await post('POST', `/channels/${channel.id}/messages`, member, '{"content":"too big","flags":99999999999999999999}');
      assertError(res, 400, 50035);
      assert.equal(res.body.errors.flags._errors[0].code, 'NUMBER_TYPE_MAX');
      const neg = await post('POST', `/channels/${channel.id}/messages`, member, '{"content":"too small","flags":-99999999999999999999}');
      assertError(neg, 400, 50035);
      assert.equal(neg.body.errors.flags._errors[0].code, 'NUMBER_TYPE_MIN');
      const after = await t.request('GET', `/channels/${channel.id}/messages?limit=100`, { auth: member });
      assert.equal(after.body.length, before.body.length);
      // An id past the signed 64-bit range is not a snowflake.
      const huge = await post('PATCH', `/guilds/${f.guild.id}/members/${member.id}`, f.owner, '{"roles":[99999999999999999999]}');
      assertError(huge, 400, 50035);
      assert.equal(huge.body.errors.roles['0']._errors[0].code, 'NUMBER_TYPE_COERCE');
      assert.equal(huge.body.errors.roles['0']._errors[0].message, 'Value "99999999999999999999" is not snowflake.');
    });

    it('a body with __proto__ is still refused, big integers or not', async () => {
      const res = await post('POST', `/channels/${f.channel.id}/messages`, f.member, `{"content":"x","__proto__":{"admin":true},"nonce":${f.member.id}}`);
      assert.equal(res.status, 400);
      assert.equal(res.body.code, 50109);
    });
  });
}

integerSnowflakes('sqlite', async () => {
  const t = await startTestServer();
  return { t, cleanup: () => t.close() };
});

const pgSkip = await serviceSkip('postgres');
if (!pgSkip) {
  integerSnowflakes('postgres', async () => {
    const { store, drop } = await freshPostgresStore();
    const t = await startTestServer({}, { store });
    return {
      t,
      async cleanup() {
        await t.close();
        await drop();
      },
    };
  });
}

describe('other places Discord is lenient or strict', () => {
  let t: TestServer;
  let f: GuildFixture;
  before(async () => {
    t = await startTestServer();
    f = await guildFixture(t);
  });
  after(() => t.close());

  it('query booleans take true/True/1 and false/False/0', async () => {
    for (const v of ['true', 'True', '1']) {
      const r = await t.request('GET', `/guilds/${f.guild.id}?with_counts=${v}`, { auth: f.owner });
      assert.equal(r.status, 200);
      assert.equal(typeof r.body.approximate_member_count, 'number', v);
    }
    for (const v of ['false', 'False', '0']) {
      const r = await t.request('GET', `/guilds/${f.guild.id}?with_counts=${v}`, { auth: f.owner });
      assert.equal(r.body.approximate_member_count, undefined, v);
    }
    assertError(await t.request('GET', `/guilds/${f.guild.id}?with_counts=yes`, { auth: f.owner }), 400, 50035);
  });

  it('an id with a leading zero names nothing, in a path or a body', async () => {
    assertError(await t.request('GET', `/channels/0${f.channel.id}`, { auth: f.member }), 404, 10003);
    assertError(await t.request('GET', `/guilds/0${f.guild.id}`, { auth: f.member }), 404, 10004);
    const res = await t.request('PATCH', `/guilds/${f.guild.id}/members/${f.member.id}`, { auth: f.owner, body: { roles: [`0${f.guild.id}`] } });
    assertError(res, 400, 50035);
  });

  it('a trailing slash is a different route (404), as on Discord', async () => {
    const r = await t.request('GET', '/users/@me/', { auth: f.member });
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, { code: 0, message: '404: Not Found' });
  });
});
