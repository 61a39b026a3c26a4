/**
 * The cdn role on a node of its own, as a cluster runs it: node A (api, sessions, guild, presence) takes uploads
 * and image data and hands out URLs on node B (cdn only, ACCORD_CDN_URL); B serves them from the shared NATS
 * object store with the signing key both read from the shared store, and deletes a deleted message's file from
 * the `blobs.delete` job A recorded. The two processes share a broker (in-memory bus) and the SQLite store, as
 * cluster-nats.test.ts does with NATS.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { MemoryBroker, MemoryBus } from '../../src/bus/memory.ts';
import { loadConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';
import { apiRequest as api, serviceSkip, TEST_NATS_URL, waitFor } from '../helpers/services.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('a cdn-only node serves what an api node stored', { skip: await serviceSkip('nats') }, () => {
  const run = `${process.pid}${Date.now().toString(36)}`;
  let dataDir: string;
  let store: Store;
  const broker = new MemoryBroker();
  const buses: MemoryBus[] = [];
  let a: RunningServer;
  let b: RunningServer;

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'accord-cdn-node-'));
    store = await openStore({ dataDir });
    await store.migrate();
    const start = async (name: string, roles: string[], extra: Record<string, unknown>) => {
      const bus = new MemoryBus({ broker });
      buses.push(bus);
      const config = loadConfig({
        env: {},
        overrides: {
          port: 0, host: '127.0.0.1', dataDir: path.join(dataDir, name), logLevel: 'silent', rateLimitScale: 1000, rateLimitGlobalPerSecond: 100_000,
          nodeId: `cdn-node-${run}-${name}`, roles, natsUrl: TEST_NATS_URL, blobStore: 'nats', passwordHashCost: 12, ...extra,
        },
      });
      return startServer(config, { store, bus, log: silentLogger });
    };
    b = await start('b', ['cdn'], {});
    a = await start('a', ['api', 'sessions', 'guild', 'presence'], { cdnUrl: b.url });
  });

  after(async () => {
    await a?.close();
    await b?.close();
    for (const bus of buses) await bus.close().catch(() => {});
    await store?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('attachments and avatars are linked to and served by the cdn node; a deleted message\'s file goes', async () => {
    const reg = await api(a.url, 'POST', '/auth/register', undefined, { username: `cdn${run}`.slice(0, 32), password: 'correct horse battery staple' });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const token = reg.body.token as string;
    const guild = (await api(a.url, 'POST', '/guilds', token, { name: 'Split' })).body;
    const channel = (await api(a.url, 'GET', `/guilds/${guild.id}/channels`, token)).body.find((c: any) => c.type === 0);

    const picture = await sharp({ create: { width: 20, height: 10, channels: 3, background: '#3050d0' } }).png().toBuffer();
    const body = new FormData();
    body.append('files[0]', new Blob([Uint8Array.from(picture)]), 'split.png');
    body.append('payload_json', JSON.stringify({ content: 'via a' }));
    const sent = await fetch(`${a.url}/api/v10/channels/${channel.id}/messages`, { method: 'POST', headers: { authorization: token }, body });
    const message = await sent.json();
    assert.equal(sent.status, 200, JSON.stringify(message));
    const [file] = message.attachments;
    assert.ok(file.url.startsWith(`${b.url}/attachments/${channel.id}/${file.id}/split.png?`), file.url);
    assert.deepEqual([file.width, file.height, file.content_type], [20, 10, 'image/png']);
    const fromB = await fetch(file.url);
    assert.equal(fromB.status, 200);
    assert.equal(sha256(Buffer.from(await fromB.arrayBuffer())), sha256(picture));
    // Node A runs no cdn role: the path is not served there.
    assert.equal((await fetch(file.url.replace(b.url, a.url))).status, 404);

    const me = await api(a.url, 'PATCH', '/users/@me', token, { avatar: `data:image/png;base64,${picture.toString('base64')}` });
    assert.equal(me.status, 200, JSON.stringify(me.body));
    const avatar = await fetch(`${b.url}/avatars/${me.body.id}/${me.body.avatar}.png?size=16`);
    assert.equal(avatar.status, 200);
    assert.equal((await sharp(Buffer.from(await avatar.arrayBuffer())).metadata()).width, 16);

    assert.equal((await api(a.url, 'DELETE', `/channels/${channel.id}/messages/${message.id}`, token)).status, 204);
    await waitFor(async () => (await fetch(file.url)).status === 404, { timeoutMs: 10_000, what: 'the cdn node deletes the file' });
    assert.equal(await a.blobs.head(`attachments/${channel.id}/${file.id}`), null);
  });
});
