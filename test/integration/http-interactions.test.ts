/**
 * Interactions over HTTP: an application with an `interactions_endpoint_url` gets its interactions POSTed there,
 * signed with Ed25519 as Discord signs them, instead of INTERACTION_CREATE on its bot's gateway. The bot here is a
 * real node:http server on 127.0.0.1 (allow-listed through ACCORD_INTERACTIONS_ALLOW_HOSTS) that checks every
 * request with the `discord-interactions` package against the application's verify_key, as Discord's own
 * examples do, and answers 401 to a bad signature. Covered: the PING handshake when the URL is saved and its
 * refusals (an endpoint that takes bad signatures, one that is down, one that redirects, a private address outside
 * the allow-list, a bad scheme, a URL too long), and delivery: the body's answer becomes the user's message, a deferred answer then @original
 * through the webhook route, 202 then the callback route, and a failing or silent endpoint failing the
 * interaction. On SQLite, and on PostgreSQL when it runs here.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { InteractionResponseType, InteractionType, verifyKey } from 'discord-interactions';
import { freshPostgresStore, serviceSkip } from '../helpers/services.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { assertError, makeBot } from './fixtures.guilds.ts';
import { GatewayClient } from './gateway-client.ts';

interface SeenRequest {
  /** The address the request came in on (127.0.0.1 or 127.0.0.2). */
  local: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
  validSignature: boolean;
}

/**
 * The application's side: `/i/{appId}` checks signatures with that application's verify_key (401 otherwise),
 * answers PING with PONG and each slash command by its name; `/lax/{appId}` answers PONG to anything, signed or not;
 * `/moved/{appId}` redirects to `/i/{appId}`.
 */
class InteractionsBot {
  readonly seen: SeenRequest[] = [];
  readonly keys = new Map<string, string>();
  /** Slash command name → what the bot does with the interaction. */
  readonly commands = new Map<string, (i: any, res: http.ServerResponse) => void>();
  /** Requests the bot never answers (the silent command), ended when the test ends. */
  readonly held: http.ServerResponse[] = [];
  readonly servers: http.Server[] = [];

  async listen(host: string): Promise<string> {
    const server = http.createServer((req, res) => void this.#handle(req, res));
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, () => resolve()));
    return `http://${host}:${(server.address() as AddressInfo).port}`;
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const [, kind, appId] = (req.url ?? '').split('/');
    const key = this.keys.get(appId ?? '');
    const signature = String(req.headers['x-signature-ed25519'] ?? '');
    const timestamp = String(req.headers['x-signature-timestamp'] ?? '');
    const validSignature = key ? await verifyKey(raw, signature, timestamp, key) : false;
    const body = JSON.parse(raw.toString('utf8') || 'null');
    this.seen.push({ local: req.socket.localAddress ?? '', path: req.url ?? '', headers: req.headers, body, validSignature });
    const json = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (kind === 'lax') return void json(200, { type: InteractionResponseType.PONG });
    if (kind === 'moved') return void res.writeHead(307, { location: `/i/${appId}` }).end();
    if (!validSignature) return void res.writeHead(401).end('invalid request signature');
    if (body.type === InteractionType.PING) return void json(200, { type: InteractionResponseType.PONG });
    const handler = this.commands.get(body.data?.name);
    if (!handler) return void json(400, { error: 'unknown command' });
    handler(body, res);
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    for (const s of this.servers) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  }
}

function reply(res: http.ServerResponse, status: number, value?: unknown): void {
  if (value === undefined) res.writeHead(status).end();
  else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

function httpInteractionsSuite(label: string, storeFor: () => Promise<{ store?: any; drop?: () => Promise<void> }>, skip: string | false = false) {
  describe(`interactions over HTTP (${label})`, { skip }, () => {
    let t: TestServer;
    let drop: (() => Promise<void>) | undefined;
    const bot = new InteractionsBot();
    let base: string;
    let privateBase: string;
    let owner: TestUser;
    let member: TestUser;
    let guild: any;
    let channel: any;
    let memberGw: GatewayClient;
    let botGw: GatewayClient;
    let app: any;
    let appBot: TestUser;
    const commands: Record<string, any> = {};

    before(async () => {
      const made = await storeFor();
      drop = made.drop;
      t = await startTestServer({ interactionsAllowHosts: ['127.0.0.1'] }, made.store ? { store: made.store } : {});
      base = await bot.listen('127.0.0.1');
      // Loopback too, but not allow-listed: the SSRF guard must keep Accord away from it.
      privateBase = await bot.listen('127.0.0.2');
      owner = await t.register();
      member = await t.register();
      guild = await t.createGuild(owner, 'HTTP interactions');
      await t.join(owner, guild.id, member);
      channel = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
      ({ app, bot: appBot } = await makeBot(t, owner, 'Http Bot'));
      bot.keys.set(app.id, app.verify_key);
      const auth = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, authorize: true } });
      assert.equal(auth.status, 200, JSON.stringify(auth.body));
      for (const name of ['hello', 'later', 'accepted', 'broken', 'garbled', 'silent']) {
        const res = await t.request('POST', `/applications/${app.id}/guilds/${guild.id}/commands`, { auth: appBot, body: { name, description: `The ${name} command` } });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        commands[name] = res.body;
      }
      memberGw = await GatewayClient.connect(t.url);
      await memberGw.identify(member.token);
      botGw = await GatewayClient.connect(t.url);
      await botGw.identify(appBot.token);
    });

    after(async () => {
      await memberGw?.close();
      await botGw?.close();
      await bot.close();
      await t?.close();
      await drop?.();
    });

    let nonceSeq = 0;
    /** `member` invokes a slash command; returns the interaction's id (from the user's INTERACTION_CREATE) and nonce. */
    async function invoke(name: string): Promise<{ id: string; nonce: string }> {
      const nonce = `h${++nonceSeq}`;
      const c = commands[name];
      const res = await t.request('POST', '/interactions', {
        auth: member,
        body: { type: 2, application_id: app.id, guild_id: guild.id, channel_id: channel.id, session_id: 'http', nonce, data: { id: c.id, name: c.name, type: 1, version: c.version } },
      });
      assert.equal(res.status, 204, JSON.stringify(res.body));
      const created = await memberGw.waitForDispatch('INTERACTION_CREATE', (d) => d.nonce === nonce);
      return { id: created.d.id, nonce };
    }

    const endpointError = (res: { status: number; body: any }) => {
      assertError(res, 400, 50035);
      return res.body.errors.interactions_endpoint_url._errors[0];
    };

    it('saves an endpoint that passes the PING handshake; verify_key is the Ed25519 public key it was signed with', async () => {
      assert.match(app.verify_key, /^[0-9a-f]{64}$/);
      const from = bot.seen.length;
      const url = `${base}/i/${app.id}`;
      const res = await t.request('PATCH', `/applications/${app.id}`, { auth: owner, body: { interactions_endpoint_url: url } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.interactions_endpoint_url, url);
      const got = await t.request('GET', `/applications/${app.id}`, { auth: owner });
      assert.equal(got.body.interactions_endpoint_url, url);
      assert.equal(got.body.verify_key, app.verify_key);
      assert.equal((await t.request('GET', '/applications/@me', { auth: appBot })).body.interactions_endpoint_url, url);
      // A correctly signed PING, then one whose signature does not match (which the bot refused).
      const seen = bot.seen.slice(from);
      assert.equal(seen.length, 2);
      assert.deepEqual(seen.map((s) => [s.body.type, s.validSignature]), [[1, true], [1, false]]);
      assert.equal(seen[0]!.body.application_id, app.id);
      assert.equal(seen[0]!.body.version, 1);
      assert.equal(typeof seen[0]!.body.token, 'string');
      assert.equal(seen[0]!.headers['user-agent'], 'Discord-Interactions/1.0 (+https://discord.com)');
      assert.equal(seen[0]!.headers['content-type'], 'application/json');
      assert.match(String(seen[0]!.headers['x-signature-timestamp']), /^\d{10}$/);
    });

    it('refuses an endpoint that accepts a bad signature, one that is down, and a bad scheme; "" clears the URL', async () => {
      const other = await makeBot(t, owner, 'Lax Bot');
      bot.keys.set(other.app.id, other.app.verify_key);
      const lax = endpointError(await t.request('PATCH', `/applications/${other.app.id}`, { auth: owner, body: { interactions_endpoint_url: `${base}/lax/${other.app.id}` } }));
      assert.deepEqual(lax, { code: 'APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID', message: 'The specified interactions endpoint url could not be verified.' });

      // A port nothing listens on any more.
      const gone = http.createServer();
      await new Promise<void>((r) => gone.listen(0, '127.0.0.1', () => r()));
      const port = (gone.address() as AddressInfo).port;
      await new Promise((r) => gone.close(r));
      const down = endpointError(await t.request('PATCH', '/applications/@me', { auth: other.bot, body: { interactions_endpoint_url: `http://127.0.0.1:${port}/i/${other.app.id}` } }));
      assert.equal(down.code, 'APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID');

      // Redirects are not followed.
      assert.equal(endpointError(await t.request('PATCH', `/applications/${other.app.id}`, { auth: owner, body: { interactions_endpoint_url: `${base}/moved/${other.app.id}` } })).code, 'APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID');
      assert.equal(endpointError(await t.request('PATCH', `/applications/${other.app.id}`, { auth: owner, body: { interactions_endpoint_url: 'ftp://127.0.0.1/x' } })).code, 'URL_TYPE_INVALID_SCHEME');
      assert.equal(endpointError(await t.request('PATCH', `/applications/${other.app.id}`, { auth: owner, body: { interactions_endpoint_url: `${base}/${'x'.repeat(2048)}` } })).code, 'BASE_TYPE_MAX_LENGTH');
      assert.equal((await t.request('GET', `/applications/${other.app.id}`, { auth: owner })).body.interactions_endpoint_url, null, 'nothing was kept');

      // The working endpoint is accepted, and "" takes it away again.
      const ok = await t.request('PATCH', '/applications/@me', { auth: other.bot, body: { interactions_endpoint_url: `${base}/i/${other.app.id}` } });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      const cleared = await t.request('PATCH', `/applications/${other.app.id}`, { auth: owner, body: { interactions_endpoint_url: '' } });
      assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
      assert.equal(cleared.body.interactions_endpoint_url, null);
    });

    it('gives an application made before keys existed one when it is first read, and keeps it', async () => {
      const id = ((BigInt(Date.now() - 1420070400000) << 22n) | BigInt(Math.floor(Math.random() * 4096))).toString();
      const botUser = {
        id, username: `old${id.slice(-8)}`, discriminator: '0', globalName: 'Old', avatar: null, banner: null, bio: '', email: null,
        passwordHash: null, bot: true, system: false, flags: 0, createdAt: Date.now(),
      };
      await t.store.applications.create({
        id, name: 'Old app', description: '', icon: null, ownerId: owner.id, botUserId: id, botPublic: true, botRequireCodeGrant: false, flags: 0, createdAt: Date.now(),
      }, botUser);
      const first = await t.request('GET', `/applications/${id}`, { auth: owner });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.match(first.body.verify_key, /^[0-9a-f]{64}$/);
      assert.equal((await t.request('GET', `/applications/${id}`, { auth: owner })).body.verify_key, first.body.verify_key);
    });

    it('refuses an endpoint on a private address that is not allow-listed, without sending it anything', async () => {
      const url = `${privateBase}/i/${app.id}`;
      // It is there and answers (an unsigned request gets its 401) …
      assert.equal((await fetch(url, { method: 'POST', body: '{"type":1}' })).status, 401);
      const from = bot.seen.filter((s) => s.local === '127.0.0.2').length;
      // … but Accord does not go there.
      const refused = endpointError(await t.request('PATCH', `/applications/${app.id}`, { auth: owner, body: { interactions_endpoint_url: url } }));
      assert.equal(refused.code, 'APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID');
      assert.equal(bot.seen.filter((s) => s.local === '127.0.0.2').length, from);
      assert.equal((await t.request('GET', `/applications/${app.id}`, { auth: owner })).body.interactions_endpoint_url, `${base}/i/${app.id}`, 'the working URL stays');
    });

    it('delivers a slash command over HTTP, not the gateway; the answer in the body is the user\'s message', async () => {
      bot.commands.set('hello', (i, res) => reply(res, 200, { type: InteractionResponseType.CHANNEL_MESSAGE_WITH_SOURCE, data: { content: `hi ${i.member.user.id}` } }));
      const from = bot.seen.length;
      const { id, nonce } = await invoke('hello');
      const created = await memberGw.waitForDispatch('MESSAGE_CREATE', (d) => d.interaction_metadata?.id === id);
      assert.equal(created.d.content, `hi ${member.id}`);
      assert.equal(created.d.type, 20);
      assert.equal(created.d.author.id, app.id);
      const success = await memberGw.waitForDispatch('INTERACTION_SUCCESS', (d) => d.id === id);
      assert.equal(success.d.nonce, nonce);
      // What reached the bot: the INTERACTION_CREATE payload, correctly signed.
      const got = bot.seen.slice(from).find((s) => s.body.id === id)!;
      assert.ok(got.validSignature);
      assert.equal(got.body.type, 2);
      assert.equal(got.body.application_id, app.id);
      assert.equal(got.body.data.name, 'hello');
      assert.equal(got.body.guild_id, guild.id);
      assert.equal(got.body.channel_id, channel.id);
      assert.equal(got.body.member.user.id, member.id);
      assert.equal(got.body.version, 1);
      assert.ok(got.body.token.length >= 64);
      assert.equal(got.headers['user-agent'], 'Discord-Interactions/1.0 (+https://discord.com)');
      assert.equal(botGw.dispatches('INTERACTION_CREATE').filter((p) => p.d.id === id).length, 0, 'nothing on the gateway');
    });

    it('takes a deferred answer, then the @original edit through the webhook route', async () => {
      let token = '';
      bot.commands.set('later', (i, res) => {
        token = i.token;
        reply(res, 200, { type: InteractionResponseType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE });
      });
      const { id } = await invoke('later');
      const loading = await memberGw.waitForDispatch('MESSAGE_CREATE', (d) => d.interaction_metadata?.id === id);
      assert.equal(loading.d.flags & (1 << 7), 1 << 7, 'LOADING');
      await memberGw.waitForDispatch('INTERACTION_SUCCESS', (d) => d.id === id);
      const edit = await t.request('PATCH', `/webhooks/${app.id}/${token}/messages/@original`, { body: { content: 'done later' } });
      assert.equal(edit.status, 200, JSON.stringify(edit.body));
      const updated = await memberGw.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === loading.d.id && d.content === 'done later');
      assert.equal(updated.d.id, loading.d.id);
    });

    it('takes 202 and then the answer through the callback route', async () => {
      bot.commands.set('accepted', (i, res) => {
        reply(res, 202);
        void t.request('POST', `/interactions/${i.id}/${i.token}/callback`, { body: { type: 4, data: { content: 'answered by callback' } } });
      });
      const { id } = await invoke('accepted');
      const created = await memberGw.waitForDispatch('MESSAGE_CREATE', (d) => d.interaction_metadata?.id === id);
      assert.equal(created.d.content, 'answered by callback');
      await memberGw.waitForDispatch('INTERACTION_SUCCESS', (d) => d.id === id);
    });

    it('fails the interaction when the endpoint answers with an error, or not at all', async () => {
      bot.commands.set('broken', (_i, res) => reply(res, 500, { error: 'oops' }));
      const broken = await invoke('broken');
      const failed = await memberGw.waitForDispatch('INTERACTION_FAILURE', (d) => d.id === broken.id);
      assert.equal(failed.d.nonce, broken.nonce);

      // 200, but not a response this interaction takes (PONG is for PINGs).
      bot.commands.set('garbled', (_i, res) => reply(res, 200, { type: InteractionResponseType.PONG }));
      const garbled = await invoke('garbled');
      await memberGw.waitForDispatch('INTERACTION_FAILURE', (d) => d.id === garbled.id);

      bot.commands.set('silent', (_i, res) => void bot.held.push(res));
      const silent = await invoke('silent');
      // Discord's 3 seconds go by.
      await memberGw.waitForDispatch('INTERACTION_FAILURE', (d) => d.id === silent.id, 10_000);
      assert.equal(memberGw.dispatches('INTERACTION_SUCCESS').filter((p) => p.d.id === broken.id || p.d.id === silent.id).length, 0);
      // Its token no longer answers.
      const late = bot.seen.find((s) => s.body.id === silent.id)!;
      assertError(await t.request('POST', `/interactions/${silent.id}/${late.body.token}/callback`, { body: { type: 4, data: { content: 'too late' } } }), 404, 10062);
    });
  });
}

httpInteractionsSuite('sqlite', async () => ({}));
httpInteractionsSuite('postgres', async () => {
  const pg = await freshPostgresStore();
  return { store: pg.store, drop: pg.drop };
}, await serviceSkip('postgres'));
