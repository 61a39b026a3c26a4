/**
 * Fuzz suite (issue #11): every REST route the app serves, with mutated bodies, path parameters, queries and
 * tokens, as the owner of a guild (so requests get past authentication and existence checks), then the gateway
 * with mutated payloads. The server must never answer 5xx, must answer every error in Discord's shape
 * ({code: number, message: string}, `errors` an object when present), must close a bad gateway frame with the
 * close code Discord documents for it, and must still be healthy afterwards.
 *
 * Bounded and deterministic: a fixed seed (printed; ACCORD_FUZZ_SEED replays another), cases drawn in a fixed
 * order, requests sent one at a time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { GatewayClient } from '../integration/gateway-client.ts';
import { gatewayCases, type Phase } from './gateway-cases.ts';
import { badSegment, randomBody, randomQuery, type BodyCase, type IdPool } from './mutations.ts';
import { Prng, fuzzSeed } from './prng.ts';
import { listRoutes, type RouteEntry } from './routes.ts';

const PREFIX = '/api/v10';
const GATEWAY_CASES = 1000;
/** Frames one socket carries before a fresh one is opened (the gateway allows 120 per minute). */
const FRAMES_PER_SOCKET = 40;

const seed = fuzzSeed();
console.log(`fuzz seed ${seed} (replay with ACCORD_FUZZ_SEED=${seed})`);
const root = new Prng(seed);
/** The server runs in this process: a body that polluted a prototype would show here. */
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();
const restRandom = root.fork('rest');
const gatewayRandom = root.fork('gateway');

let t: TestServer;

/** The case in flight, named if the server throws where nothing catches (the test process is the server's). */
let inFlight = '';
process.prependListener('uncaughtException', () => console.error(`uncaught exception during fuzz case ${inFlight} (seed ${seed})`));

/** What the cases act on; rebuilt when a case destroyed part of it (a ban, an ownership transfer). */
interface Fixture {
  owner: TestUser;
  member: TestUser;
  /** Target of ban routes, so the member stays. */
  bystander: TestUser;
  /** Owner of the logout route's token, so the owner's stays valid. */
  throwaway: TestUser;
  bot: string;
  guild: any;
  channel: any;
  message: any;
  role: any;
  dm: any;
  app: any;
  invite: string;
  ids: IdPool;
}
let f: Fixture;

async function ok(res: { status: number; body: any }, what: string): Promise<any> {
  assert.ok(res.status >= 200 && res.status < 300, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function buildFixture(): Promise<Fixture> {
  const [owner, member, bystander, throwaway] = [await t.register(), await t.register(), await t.register(), await t.register()];
  const guild = await t.createGuild(owner, 'fuzz');
  await t.join(owner, guild.id, member);
  const channel = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
  const message = await ok(await t.request('POST', `/channels/${channel.id}/messages`, { auth: owner, body: { content: `hello <@${member.id}>` } }), 'message');
  await ok(await t.request('PUT', `/channels/${channel.id}/messages/${message.id}/reactions/${encodeURIComponent('👍')}/@me`, { auth: member }), 'reaction');
  const role = await ok(await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'fuzzed' } }), 'role');
  const dm = await ok(await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipient_id: member.id } }), 'dm');
  const invite = (await ok(await t.request('POST', `/channels/${channel.id}/invites`, { auth: owner, body: {} }), 'invite')).code;
  const app = await ok(await t.request('POST', '/applications', { auth: owner, body: { name: 'fuzz app' } }), 'application');
  // The bot belongs to an application the cases do not name, so no case resets its token.
  const botApp = await ok(await t.request('POST', '/applications', { auth: owner, body: { name: 'fuzz bot' } }), 'bot application');
  const botToken = (await ok(await t.request('POST', `/applications/${botApp.id}/bot/reset`, { auth: owner }), 'bot token')).token;
  await ok(
    await t.request('POST', `/oauth2/authorize?client_id=${botApp.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, permissions: '8', authorize: true } }),
    'bot joins',
  );
  // The message id stays out of body values: a bulk delete naming it would take it from every later case.
  const ids: IdPool = { known: [guild.id, channel.id, role.id, owner.id, member.id, bystander.id, dm.id, app.id] };
  return { owner, member, bystander, throwaway, bot: `Bot ${botToken}`, guild, channel, message, role, dm, app, invite, ids };
}

/** Whether the cases so far left the fixture usable; checked after each route. */
async function fixtureIntact(): Promise<boolean> {
  const guild = await t.request('GET', `/guilds/${f.guild.id}`, { auth: f.owner });
  const message = await t.request('GET', `/channels/${f.channel.id}/messages/${f.message.id}`, { auth: f.owner });
  const member = await t.request('GET', `/guilds/${f.guild.id}/members/${f.member.id}`, { auth: f.owner });
  return guild.status === 200 && guild.body.owner_id === f.owner.id && message.status === 200 && member.status === 200;
}

before(async () => {
  t = await startTestServer({ invalidRequestLimit: 1_000_000, maxSessionsPerUser: 100_000, maxApplicationsPerUser: 1000 });
  f = await buildFixture();
});
after(() => t?.close());

interface RestCase {
  what: string;
  method: string;
  path: string;
  body?: BodyCase;
  auth?: string;
}

/** Bodies close to what each route accepts, so one mutation reaches its deeper checks. */
function templates(): Record<string, Record<string, unknown>> {
  const { member, role, channel, message, guild } = f;
  return {
    'POST /channels/:channelId/messages': {
      content: `hi <@${member.id}> <@&${role.id}>`, nonce: 'n1', tts: false, flags: 4,
      embeds: [{ title: 't', description: 'd', url: 'https://example.test', color: 1, fields: [{ name: 'n', value: 'v', inline: true }], footer: { text: 'f' } }],
      allowed_mentions: { parse: ['users'], replied_user: true }, message_reference: { message_id: message.id, fail_if_not_exists: false },
    },
    'PATCH /channels/:channelId/messages/:messageId': { content: 'edited', embeds: [{ title: 'e' }], flags: 4, allowed_mentions: { parse: [] } },
    'POST /channels/:channelId/messages/bulk-delete': { messages: ['1', '2'] },
    'POST /channels/:channelId/messages/:messageId/ack': { token: null, manual: true, mention_count: 1 },
    'PATCH /channels/:channelId': { name: 'renamed', topic: 't', nsfw: false, rate_limit_per_user: 0, position: 1, parent_id: null, permission_overwrites: [{ id: member.id, type: 1, allow: '0', deny: '2048' }] },
    'PUT /channels/:channelId/permissions/:overwriteId': { type: 1, allow: '1024', deny: '2048' },
    'POST /channels/:channelId/invites': { max_age: 60, max_uses: 1, temporary: false, unique: true },
    'POST /guilds': { name: 'fuzz guild', channels: [{ name: 'c', type: 0 }], roles: [{ id: 0, name: 'r' }] },
    'PATCH /guilds/:guildId': { name: 'renamed', description: 'd', system_channel_id: channel.id, afk_timeout: 300, verification_level: 1 },
    'POST /guilds/:guildId/channels': { name: 'c', type: 0, topic: 't', parent_id: null, position: 2, permission_overwrites: [{ id: guild.id, type: 0, allow: '0', deny: '1024' }] },
    'PATCH /guilds/:guildId/channels': [{ id: channel.id, position: 1, parent_id: null, lock_permissions: false }] as unknown as Record<string, unknown>,
    'POST /guilds/:guildId/roles': { name: 'r', permissions: '1024', color: 255, hoist: true, mentionable: true, unicode_emoji: '👍' },
    'PATCH /guilds/:guildId/roles': [{ id: role.id, position: 1 }] as unknown as Record<string, unknown>,
    'PATCH /guilds/:guildId/roles/:roleId': { name: 'r2', permissions: '0', color: 1, hoist: false, mentionable: false },
    'PATCH /guilds/:guildId/members/:userId': { nick: 'n', roles: [role.id], mute: false, deaf: false, communication_disabled_until: null, channel_id: null },
    'PATCH /guilds/:guildId/members/@me': { nick: 'me' },
    'PATCH /guilds/:guildId/members/@me/nick': { nick: 'me' },
    'PUT /guilds/:guildId/bans/:userId': { delete_message_seconds: 0 },
    'POST /users/@me/channels': { recipient_id: member.id },
    'PATCH /users/@me': { username: 'renamed', global_name: 'g', avatar: null },
    'POST /applications': { name: 'app', description: 'd' },
    'PATCH /applications/:appId': { name: 'a', description: 'd', flags: 262144, bot_public: true },
    'POST /oauth2/authorize': { guild_id: guild.id, permissions: '3072', authorize: true },
    'POST /auth/register': { username: 'fuzzer', password: 'a long enough password', email: 'fuzz@example.test' },
    'POST /auth/login': { login: 'nobody@example.test', password: 'wrong password' },
  };
}

function validParam(name: string, route: RouteEntry, r: Prng): string {
  switch (name) {
    case 'channelId': return r.chance(0.15) ? f.dm.id : f.channel.id;
    case 'messageId': return f.message.id;
    case 'guildId': return f.guild.id;
    case 'userId': return route.url.includes('/bans/') ? f.bystander.id : r.chance(0.2) ? f.owner.id : f.member.id;
    case 'roleId': return f.role.id;
    case 'overwriteId': return f.member.id;
    case 'appId': return f.app.id;
    case 'code': return f.invite;
    case 'emoji': return encodeURIComponent(r.pick(['👍', '❤️', 'party:123456789012345678']));
    default: return '1';
  }
}

function pathFor(route: RouteEntry, r: Prng, mutate: boolean): string {
  // At least one parameter is wrong when mutating; a DELETE always mutates (valid ids would dismantle the fixture).
  const forced = mutate ? r.int(route.params.length) : -1;
  let i = 0;
  return route.url.replace(/:(\w+)/g, (_, name: string) => {
    const bad = i === forced || (mutate && r.chance(0.3));
    i++;
    return bad ? badSegment(r) : validParam(name, route, r);
  });
}

function restCases(route: RouteEntry, r: Prng): RestCase[] {
  const key = `${route.method} ${route.url.slice(PREFIX.length)}`;
  const template = templates()[key];
  const hasBody = route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH';
  const cases: RestCase[] = [];
  const destructive = route.method === 'DELETE';
  const auth = () => (r.chance(0.15) ? f.bot : f.owner.auth);

  if (hasBody && !destructive) {
    for (let i = 0; i < 20; i++) cases.push({ what: 'mutated body', method: route.method, path: pathFor(route, r, false), body: randomBody(r, f.ids, template), auth: auth() });
  }
  if (route.params.length) {
    for (let i = 0; i < 8; i++) {
      const body = hasBody || (destructive && r.chance(0.3)) ? (r.chance(0.5) && template ? { what: 'template', body: JSON.stringify(template) } : randomBody(r, f.ids, template)) : undefined;
      cases.push({ what: 'mutated path', method: route.method, path: pathFor(route, r, true), body, auth: auth() });
    }
  }
  if (route.method === 'GET') {
    for (let i = 0; i < 4; i++) cases.push({ what: 'mutated query', method: 'GET', path: `${pathFor(route, r, false)}?${randomQuery(r, f.ids)}`, auth: auth() });
  }
  // Without a token, and with one that is no token at all.
  const noAuthPath = route.params.length ? pathFor(route, r, destructive) : route.url;
  cases.push({ what: 'no token', method: route.method, path: noAuthPath, body: hasBody ? { what: 'template', body: JSON.stringify(template ?? {}) } : undefined });
  cases.push({ what: 'forged token', method: route.method, path: noAuthPath, auth: r.pick(['Bot', 'Bearer ', 'x', 'Bot Bot x', 'a.b.c', `${'A'.repeat(30)}.${'B'.repeat(6)}.${'C'.repeat(43)}`, '\u00ff\u00fe', 'Bot '.repeat(500)]) });

  // Logging out would end the owner's token: that route only ever sees the throwaway user.
  if (route.url.endsWith('/auth/logout')) for (const c of cases) if (c.auth === f.owner.auth || c.auth === f.bot) c.auth = f.throwaway.auth;
  return cases;
}

interface Outcome {
  status: number;
  text: string;
  contentType: string | null;
}

async function sendRest(c: RestCase): Promise<Outcome> {
  const headers: Record<string, string> = {};
  if (c.auth) headers.authorization = c.auth;
  if (c.body?.body !== undefined) headers['content-type'] = c.body.contentType ?? 'application/json';
  const res = await fetch(`${t.url}${c.path}`, { method: c.method, headers, body: c.body?.body, redirect: 'manual' });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
}

/** Routes whose success Discord documents as something other than JSON, with that content type. */
const NON_JSON_SUCCESS: Record<string, string> = {
  // "Response is a CSV file with the header user_id" (Get Target Users).
  [`${PREFIX}/invites/:code/target-users`]: 'text/csv; charset=utf-8',
};

/** Why an answer breaks the promise, or null when it keeps it; `routeUrl` the route's pattern. */
function judge(o: Outcome, routeUrl?: string): string | null {
  if (o.status >= 500) return `status ${o.status}`;
  if (o.status === 204 || o.status === 304) return o.text ? 'a body on a 204' : null;
  if (o.status >= 300 && o.status < 400) return null;
  if (!o.text) return o.status >= 400 ? 'an error without a body' : null;
  if (o.status < 300 && routeUrl && NON_JSON_SUCCESS[routeUrl]) return o.contentType === NON_JSON_SUCCESS[routeUrl] ? null : `content-type ${o.contentType}`;
  if (o.contentType !== 'application/json') return `content-type ${o.contentType}`;
  let body: any;
  try {
    body = JSON.parse(o.text);
  } catch {
    return 'a body that is not JSON';
  }
  if (o.status < 400) return null;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'an error that is not an object';
  if (typeof body.code !== 'number') return 'an error without a numeric code';
  if (typeof body.message !== 'string') return 'an error without a message';
  if ('errors' in body && (typeof body.errors !== 'object' || body.errors === null || Array.isArray(body.errors))) return 'errors that is not an object';
  return null;
}

function describeCase(i: number, c: { what: string; method?: string; path?: string; body?: BodyCase }): string {
  const body = c.body?.body === undefined ? '' : ` body(${c.body.what}, ${c.body.contentType ?? 'json'})=${JSON.stringify(c.body.body.slice(0, 160))}${c.body.body.length > 160 ? `…(${c.body.body.length})` : ''}`;
  return `#${i} ${c.what}: ${c.method ?? ''} ${c.path ?? ''}${body}`;
}

async function healthy(): Promise<void> {
  const res = await fetch(`${t.url}/healthz`);
  assert.equal(res.status, 200, 'GET /healthz after the fuzz');
}

describe(`fuzz (seed ${seed})`, () => {
  test('REST: every route, mutated bodies, paths, queries and tokens → no 5xx, Discord error shape', async (tc) => {
    const routes = listRoutes(t.server.app, PREFIX);
    // The route tree is read from Fastify's printout: if its format changed, this fails instead of fuzzing nothing.
    assert.ok(routes.length >= 60, `only ${routes.length} routes found`);
    assert.ok(routes.some((r) => r.method === 'POST' && r.url === `${PREFIX}/channels/:channelId/messages`));
    assert.ok(routes.some((r) => r.method === 'PUT' && r.url === `${PREFIX}/channels/:channelId/messages/:messageId/reactions/:emoji/@me`));

    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let n = 0;
    for (const route of routes) {
      const r = restRandom.fork(`${route.method} ${route.url}`);
      for (const c of restCases(route, r)) {
        const i = n++;
        inFlight = describeCase(i, c);
        let verdict: string | null;
        try {
          const o = await sendRest(c);
          statuses.set(o.status, (statuses.get(o.status) ?? 0) + 1);
          verdict = judge(o, route.url);
        } catch (err) {
          verdict = `request failed: ${(err as Error).message}`;
        }
        if (verdict) failures.push(`${describeCase(i, c)} → ${verdict}`);
      }
      if (!(await fixtureIntact())) {
        tc.diagnostic(`fixture rebuilt after ${route.method} ${route.url}`);
        f = await buildFixture();
      }
    }

    // Bodies beyond ACCORD_BODY_LIMIT: 413 in Discord's shape, whatever the route. (Routes taking image data, such
    // as PATCH /guilds/{id}, accept up to 10 MiB per image on top: api/image-fields.ts.)
    for (const path of [`${PREFIX}/channels/${f.channel.id}/messages`, `${PREFIX}/channels/${f.channel.id}`, `${PREFIX}/auth/register`]) {
      const c: RestCase = { what: 'body beyond the limit', method: path.endsWith('messages') || path.endsWith('register') ? 'POST' : 'PATCH', path, auth: f.owner.auth, body: { what: 'huge', body: JSON.stringify({ content: 'x'.repeat(1_200_000) }) } };
      const i = n++;
      try {
        const o = await sendRest(c);
        const verdict = o.status === 413 ? judge(o) : `status ${o.status}, expected 413`;
        if (verdict) failures.push(`${describeCase(i, c)} → ${verdict}`);
      } catch (err) {
        failures.push(`${describeCase(i, c)} → request failed: ${(err as Error).message}`);
      }
    }
    tc.diagnostic(`${n} REST cases over ${routes.length} routes; answers by status: ${[...statuses].sort((a, b) => a[0] - b[0]).map(([s, k]) => `${s}×${k}`).join(' ')}`);
    assert.deepEqual(failures, [], `${failures.length} of ${n} REST cases broke the promise (seed ${seed}):\n${failures.slice(0, 40).join('\n')}`);
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), PROTOTYPE_KEYS, 'Object.prototype was polluted');
    await healthy();
  });

  test('gateway: mutated payloads → the documented close code or a proper answer; never a crash', async (tc) => {
    const cases = gatewayCases(gatewayRandom, f.ids, { token: f.owner.token, userId: f.owner.id, guildId: f.guild.id }, GATEWAY_CASES);
    const failures: string[] = [];
    let socket: { c: GatewayClient; phase: Phase; frames: number; heartbeats: number } | null = null;
    let opened = 0;

    const acks = (c: GatewayClient) => c.payloads.filter((p) => p.op === 11).length;
    // Polled often: hundreds of short waits would otherwise spend most of the run asleep.
    const until = <T>(check: () => T | null | undefined | false, what: string) => waitFor(check, { what, timeoutMs: 10_000, intervalMs: 1 });
    const open = async (phase: Phase) => {
      const c = await GatewayClient.connect(t.url, { zlib: opened++ % 4 === 3, heartbeat: false });
      await until(() => c.payloads.some((p) => p.op === 10), 'HELLO');
      if (phase === 'ready') {
        c.send(2, { token: f.owner.token, properties: { os: 'linux', browser: 'fuzz', device: 'fuzz' } });
        await until(() => c.dispatches('READY').length > 0, 'READY');
      }
      return { c, phase, frames: phase === 'ready' ? 1 : 0, heartbeats: 0 };
    };
    const drop = async () => {
      if (socket) await socket.c.close();
      socket = null;
    };

    for (const [i, gc] of cases.entries()) {
      const label = `#${i} [${gc.phase}] ${gc.what}: ${gc.binary ? `<binary ${(gc.frame as Buffer).length} bytes>` : JSON.stringify(String(gc.frame).slice(0, 200))}`;
      inFlight = label;
      if (!socket || socket.c.closed || socket.phase !== gc.phase || socket.frames >= FRAMES_PER_SOCKET) {
        await drop();
        socket = await open(gc.phase);
      }
      const s: { c: GatewayClient; phase: Phase; frames: number; heartbeats: number } = socket;
      const from = s.c.payloads.length;
      if (gc.binary) s.c.ws.send(gc.frame, { binary: true });
      else s.c.sendRaw(gc.frame as string);
      s.frames++;
      if (gc.heartbeat) s.heartbeats++;

      try {
        if (gc.settle) {
          const answer = (p: { op: number; t: string | null }) => p.op === 9 || (p.op === 0 && p.t === (gc.settle === 'identify' ? 'READY' : 'RESUMED'));
          await until(() => s.c.closed || s.c.payloads.slice(from).find(answer), `answer to ${gc.settle} or a close`);
          if (!s.c.closed && s.c.payloads.slice(from).some((p) => p.op === 0 && p.t === 'READY')) s.phase = 'ready';
        } else {
          // A heartbeat after the frame: its ACK proves the server read the frame and kept the socket.
          s.c.send(1, null);
          s.frames++;
          s.heartbeats++;
          await until(() => s.c.closed || acks(s.c) >= s.heartbeats, 'heartbeat ACK or a close');
        }
      } catch (err) {
        failures.push(`${label} → no answer: ${(err as Error).message}`);
        await drop();
        continue;
      }
      const closed = s.c.closed;
      if (closed && !gc.closes.includes(closed.code)) failures.push(`${label} → closed ${closed.code} (${closed.reason}), expected ${gc.closes.join(' or ') || 'no close'}`);
      if (!closed && !gc.open) failures.push(`${label} → still open, expected close ${gc.closes.join(' or ')}`);
    }
    await drop();
    tc.diagnostic(`${cases.length} gateway cases over ${opened} sockets`);
    assert.deepEqual(failures, [], `${failures.length} of ${cases.length} gateway cases broke the promise (seed ${seed}):\n${failures.slice(0, 40).join('\n')}`);

    // Still serving: health, a REST call and a fresh session.
    await healthy();
    assert.equal((await t.request('GET', '/users/@me', { auth: f.owner })).status, 200);
    const c = await GatewayClient.connect(t.url, { heartbeat: false });
    const ready = await c.identify(f.owner.token);
    assert.equal(ready.user.id, f.owner.id);
    await c.close();
  });
});
