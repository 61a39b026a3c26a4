/**
 * Shared setup for the client-library compat suites: a guild owned by a user, an application with a bot that is
 * authorised into the guild (MESSAGE_CONTENT allowed), all through REST; a self-signed certificate for
 * 127.0.0.1 generated at test time with openssl; a free TCP port; a discord.js client logged in and READY.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import https from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Events, type GatewayIntentBits } from 'discord.js';
import { Permissions } from '../../src/protocol/permissions.ts';
import type { HttpResult, TestServer, TestUser } from '../helpers/harness.ts';

export interface BotWorld {
  owner: TestUser;
  bot: TestUser;
  appId: string;
  guild: any;
  channel: any;
}

export const BOT_PERMISSIONS =
  Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES | Permissions.READ_MESSAGE_HISTORY | Permissions.ADD_REACTIONS | Permissions.MANAGE_MESSAGES;

/** A user, their guild and its first text channel, an application whose bot is in the guild (with `permissions`). */
export async function botWorld(t: TestServer, name: string, permissions = BOT_PERMISSIONS): Promise<BotWorld> {
  const owner = await t.register();
  const guild = await t.createGuild(owner, `${name} guild`);
  const channel = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
  const app = await t.request('POST', '/applications', { auth: owner, body: { name: `${name} Bot` } });
  assert.equal(app.status, 201, JSON.stringify(app.body));
  // GATEWAY_MESSAGE_CONTENT (the bot reads message text) and GATEWAY_GUILD_MEMBERS_LIMITED (GUILD_MEMBERS intent).
  const flags = await t.request('PATCH', `/applications/${app.body.id}`, { auth: owner, body: { flags: (1 << 18) | (1 << 15) } });
  assert.equal(flags.status, 200, JSON.stringify(flags.body));
  const reset = await t.request('POST', `/applications/${app.body.id}/bot/reset`, { auth: owner });
  assert.equal(reset.status, 200, JSON.stringify(reset.body));
  const bot = { id: app.body.bot.id, token: reset.body.token, username: app.body.bot.username, auth: `Bot ${reset.body.token}` };
  const authorize = await t.request('POST', `/oauth2/authorize?client_id=${app.body.id}&scope=bot&permissions=${permissions}`, {
    auth: owner,
    body: { guild_id: guild.id, permissions: permissions.toString(), authorize: true },
  });
  assert.equal(authorize.status, 200, JSON.stringify(authorize.body));
  return { owner, bot, appId: app.body.id, guild, channel };
}

/** Posts a message as `user` through REST and returns it. */
export async function post(t: TestServer, user: TestUser, channelId: string, content: string): Promise<any> {
  const res = await t.request('POST', `/channels/${channelId}/messages`, { auth: user, body: { content } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

export interface SelfSigned {
  dir: string;
  certFile: string;
  keyFile: string;
  cert: Buffer;
  dispose(): void;
}

/** A one-day self-signed certificate for 127.0.0.1 (CN and subjectAltName), in a fresh temp folder. */
export function selfSignedCert(): SelfSigned {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'accord-tls-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile],
    { stdio: 'pipe' },
  );
  return { dir, certFile, keyFile, cert: readFileSync(certFile), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A TCP port that was free a moment ago (for servers that must know their public address before listening). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.once('error', reject);
  });
}

/**
 * Makes the harness's REST helpers (request, register, createGuild, …) trust `cert`: Node's fetch takes no
 * per-request CA, so this test server's `request` goes through https.request with `ca` instead.
 */
export function trustCertificate(t: TestServer, cert: Buffer): void {
  t.request = <T = any>(method: string, route: string, opts: Parameters<TestServer['request']>[2] = {}): Promise<HttpResult<T>> => {
    const headers: Record<string, string> = { ...opts.headers };
    const auth = typeof opts.auth === 'object' ? opts.auth.auth : opts.auth;
    if (auth) headers.authorization = auth;
    let body: string | undefined = opts.raw;
    if (opts.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(opts.body);
    }
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    return new Promise((resolve, reject) => {
      const req = https.request(`${t.api}${route}`, { method, headers, ca: cert }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {}
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
          resolve({ status: res.statusCode ?? 0, body: parsed as T, headers: h });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  };
}

/**
 * A discord.js client of `token` against `t` (REST and CDN), logged in and READY. `before` attaches listeners
 * first, so that nothing dispatched during the log-in is missed.
 */
export async function loggedInClient(t: TestServer, token: string, intents: GatewayIntentBits[], before?: (client: Client) => void): Promise<Client> {
  const client = new Client({ intents, rest: { api: `${t.url}/api`, cdn: t.url } });
  before?.(client);
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(token);
  await ready;
  return client;
}
