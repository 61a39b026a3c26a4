/**
 * The discord.js flow against Accord started exactly as a user starts it: `npm start` in its own process
 * (embedded default: SQLite in a fresh data folder, in-memory bus), set up through the REST calls the README
 * shows, then an unpatched discord.js v14 bot that answers `!ping`.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { waitFor } from '../helpers/services.ts';
import { freePort } from './setup.ts';

describe('discord.js against `npm start`', () => {
  let child: ChildProcess;
  let dataDir: string;
  let base: string;
  let output = '';

  before(async () => {
    const port = await freePort();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'accord-npm-start-'));
    base = `http://127.0.0.1:${port}`;
    child = spawn('npm', ['start'], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ACCORD_DATA_DIR: dataDir, ACCORD_LOG_LEVEL: 'info' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (b) => (output += b));
    child.stderr!.on('data', (b) => (output += b));
    await waitFor(async () => (await fetch(`${base}/healthz`).catch(() => null))?.ok, { timeoutMs: 60_000, what: `npm start to serve /healthz (output: ${output.slice(-500)})` });
  });

  after(async () => {
    if (child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {}
      await waitFor(() => child.exitCode !== null || child.signalCode !== null, { timeoutMs: 15_000, what: 'npm start to stop' }).catch(() => process.kill(-child.pid!, 'SIGKILL'));
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function call(method: string, route: string, auth: string | undefined, body?: unknown) {
    const res = await fetch(`${base}/api/v10${route}`, {
      method,
      headers: { ...(auth ? { authorization: auth } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  it('prints where it listens, then a bot set up as the README says answers !ping', async () => {
    // The log line may reach the pipe a moment after /healthz first answers.
    await waitFor(() => /Accord listening on http:\/\/127\.0\.0\.1:\d+/.test(output), { what: 'the listening line' });
    const reg = await call('POST', '/auth/register', undefined, { username: 'alice', password: 'a long password' });
    assert.equal(reg.status, 201);
    const user = reg.body.token as string;
    const app = await call('POST', '/applications', user, { name: 'Pinger' });
    assert.equal(app.status, 201, JSON.stringify(app.body));
    assert.equal((await call('PATCH', `/applications/${app.body.id}`, user, { flags: 1 << 18 })).status, 200);
    const reset = await call('POST', `/applications/${app.body.id}/bot/reset`, user);
    const guild = await call('POST', '/guilds', user, { name: 'Home' });
    const auth = await call('POST', `/oauth2/authorize?client_id=${app.body.id}&scope=bot`, user, { guild_id: guild.body.id, permissions: '3072', authorize: true });
    assert.ok(auth.status < 300, JSON.stringify(auth.body));

    const client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
      rest: { api: `${base}/api` },
    });
    try {
      client.on(Events.MessageCreate, (message) => {
        if (message.content === '!ping') void message.reply('pong');
      });
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      await client.login(reset.body.token);
      await ready;
      await waitFor(() => client.guilds.cache.has(guild.body.id), { timeoutMs: 10_000, what: 'the guild in the cache' });

      const channel = guild.body.system_channel_id as string;
      const sent = await call('POST', `/channels/${channel}/messages`, user, { content: '!ping' });
      assert.equal(sent.status, 200);
      const reply = await waitFor(
        async () => ((await call('GET', `/channels/${channel}/messages?limit=10`, user)).body as any[]).find((m) => m.author.id === app.body.id && m.type === 19),
        { timeoutMs: 10_000, what: "the bot's reply (its join message, type 7, is there too)" },
      );
      assert.equal(reply.content, 'pong');
      assert.equal(reply.message_reference?.message_id, sent.body.id);
    } finally {
      await client.destroy();
    }
  });
});
