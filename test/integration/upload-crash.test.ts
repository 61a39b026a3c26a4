/**
 * Files of a message whose process died mid-request are not left behind. Accord runs as `npm start` runs it (its
 * own process: SQLite and the files blob store in a fresh data folder). A client streams a multipart message and
 * the server is SIGKILLed once the first file is stored and the second is streaming, before the message is
 * written: the first file is an orphan that only the pending-upload ledger names. Restarted with a short
 * ACCORD_UPLOAD_STALE_MS, the cdn role's sweep deletes it and clears the ledger, while the files of messages that
 * were sent and edited normally (which left no ledger row) stay. An upload that outlives the age has its file
 * deleted too, and its message is refused rather than stored naming a deleted file.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileBlobStore } from '../../src/blobs/files.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';
import { freePort } from '../compat/setup.ts';
import { startTestServer } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';

const ROOT = join(import.meta.dirname, '../..');
const KiB = 1024;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Accord {
  child: ChildProcess;
  base: string;
  port: number;
  output: () => string;
  exited: Promise<NodeJS.Signals | number | null>;
}

/** Starts `src/main.ts start` as `npm start` does, in `dataDir`, with `env` on top; resolves once /readyz answers. */
async function startAccord(dataDir: string, env: Record<string, string> = {}): Promise<Accord> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', ACCORD_DATA_DIR: dataDir, ACCORD_LOG_LEVEL: 'warn', ...env };
  // The embedded defaults, whatever the environment running the tests says.
  for (const name of ['ACCORD_DATABASE_URL', 'ACCORD_NATS_URL', 'ACCORD_BLOB_STORE', 'ACCORD_ROLES', 'ACCORD_CONFIG']) delete childEnv[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (b) => (output += b));
  child.stderr!.on('data', (b) => (output += b));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  try {
    await waitFor(async () => (await fetch(`${base}/readyz`).catch(() => null))?.ok, { timeoutMs: 60_000, intervalMs: 100, what: `Accord to be ready (output: ${output.slice(-500)})` });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { child, base, port, output: () => output, exited };
}

async function stopAccord(a: Accord): Promise<void> {
  if (a.child.exitCode !== null || a.child.signalCode !== null) return;
  a.child.kill('SIGTERM');
  const timer = setTimeout(() => a.child.kill('SIGKILL'), 20_000);
  await a.exited;
  clearTimeout(timer);
}

async function call(a: Accord, method: string, route: string, auth?: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${a.base}/api/v10${route}`, {
    method,
    headers: { ...(auth ? { authorization: auth } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** A multipart send (or edit, with messageId) to the API at `base`, as discord.js makes it: files[n] first, payload_json last. */
async function multipart(base: string, auth: string, channelId: string, files: Uint8Array[], payload: unknown, messageId?: string) {
  const form = new FormData();
  files.forEach((bytes, i) => form.append(`files[${i}]`, new Blob([Uint8Array.from(bytes)]), `file${i}.bin`));
  form.append('payload_json', JSON.stringify(payload));
  const res = await fetch(`${base}/api/v10/channels/${channelId}/messages${messageId ? `/${messageId}` : ''}`, {
    method: messageId ? 'PATCH' : 'POST', headers: { authorization: auth }, body: form,
  });
  return { status: res.status, body: await res.json() as any };
}

async function upload(a: Accord, auth: string, channelId: string, files: Uint8Array[], payload: unknown, messageId?: string) {
  const res = await multipart(a.base, auth, channelId, files, payload, messageId);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/**
 * A multipart POST written by hand, piece by piece, so the test decides where the body stops: `write` sends more
 * of it, `end` the rest; `response` settles with the status and body, or the error of a connection that died.
 */
function streamingPost(a: Accord, auth: string, channelId: string, boundary: string) {
  const req = http.request({
    host: '127.0.0.1', port: a.port, method: 'POST', path: `/api/v10/channels/${channelId}/messages`,
    headers: { authorization: auth, 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' },
  });
  const response = new Promise<{ status: number; body: any } | Error>((resolve) => {
    req.once('error', resolve);
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      res.once('error', resolve);
    });
  });
  return { write: (chunk: string | Buffer) => req.write(chunk), end: (chunk: string | Buffer) => req.end(chunk), response };
}

const filePartHead = (boundary: string, n: number) =>
  `--${boundary}\r\nContent-Disposition: form-data; name="files[${n}]"; filename="part${n}.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;

/** Every key on the ledger, whatever its age. */
const ledger = (store: Store) => store.pendingUploads.listStale(Number.MAX_SAFE_INTEGER, 1000);

async function sweptCount(a: Accord): Promise<number> {
  const text = await (await fetch(`${a.base}/metrics`)).text();
  return Number(/^accord_cdn_abandoned_uploads_swept_total (\d+)$/m.exec(text)?.[1] ?? -1);
}

describe('uploads cut short by SIGKILL', () => {
  it('leave a ledger row; after a restart the sweep deletes the orphan file and nothing a message names', { timeout: 180_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'accord-upload-crash-'));
    let accord: Accord | undefined;
    let store: Store | undefined;
    try {
      // ---- first life: the default age (an hour), so no sweep touches anything here
      accord = await startAccord(dataDir);
      store = await openStore({ dataDir });
      const reg = await call(accord, 'POST', '/auth/register', undefined, { username: 'uploader', password: 'a long password' });
      assert.equal(reg.status, 201, JSON.stringify(reg.body));
      const auth = reg.body.token as string;
      const guild = await call(accord, 'POST', '/guilds', auth, { name: 'Files' });
      assert.equal(guild.status, 201, JSON.stringify(guild.body));
      const channelId = guild.body.system_channel_id as string;

      // A normal send and an edit that adds a file: each takes its files off the ledger in its own write.
      const first = randomBytes(40 * KiB);
      const sent = await upload(accord, auth, channelId, [first], { content: 'sent normally' });
      assert.equal(sent.attachments.length, 1);
      assert.deepEqual(await ledger(store), [], 'a normal send leaves no ledger row');
      const second = randomBytes(30 * KiB);
      const edited = await upload(accord, auth, channelId, [second], { content: 'edited', attachments: [{ id: sent.attachments[0].id }, { id: 0 }] }, sent.id);
      assert.equal(edited.attachments.length, 2);
      assert.deepEqual(await ledger(store), [], 'an edit that adds a file leaves no ledger row');

      // A send whose process dies mid-request: file 0 is whole and stored, file 1 is streaming, no payload yet.
      const boundary = `----accord${randomBytes(8).toString('hex')}`;
      const doomed = streamingPost(accord, auth, channelId, boundary);
      doomed.write(filePartHead(boundary, 0));
      doomed.write(randomBytes(256 * KiB));
      doomed.write(`\r\n${filePartHead(boundary, 1)}`);
      doomed.write(randomBytes(64 * KiB));
      // The second key is recorded only after the first file's put returned: the first file is stored now.
      const orphans = await waitFor(async () => {
        const keys = await ledger(store!);
        return keys.length === 2 && keys;
      }, { timeoutMs: 20_000, what: 'both files of the streaming send on the ledger' });
      accord.child.kill('SIGKILL');
      assert.equal(await accord.exited, 'SIGKILL');
      assert.ok((await doomed.response) instanceof Error, 'the request died with the server');
      for (const key of orphans) assert.match(key, new RegExp(`^attachments/${channelId}/\\d+$`));
      assert.deepEqual((await ledger(store)).sort(), [...orphans].sort(), 'the rows outlived the process');
      const messages = await store.messages.list(channelId, { limit: 100 });
      const named = new Set(messages.flatMap((m) => m.attachments.map((att) => `attachments/${channelId}/${att.id}`)));
      for (const key of orphans) assert.ok(!named.has(key), 'no message names the files of the dead request');

      // Only the whole first file is a blob (the second was a temp file, which the next open removes).
      const blobsDir = join(dataDir, 'blobs');
      let blobs = await FileBlobStore.open({ dir: blobsDir, maxBytes: 1024 ** 3 });
      const stored = await Promise.all(orphans.map((k) => blobs.head(k)));
      assert.deepEqual(stored.map((s) => s?.size ?? null).sort(), [256 * KiB, null].sort(), 'the first file is an orphan blob, the second was never stored');
      assert.deepEqual(await blobs.usage(), { bytes: first.length + second.length + 256 * KiB, count: 3 });
      await blobs.close();

      // ---- second life: uploads older than 200 ms count as abandoned, swept every 100 ms
      accord = await startAccord(dataDir, { ACCORD_UPLOAD_STALE_MS: '200', ACCORD_UPLOAD_SWEEP_MS: '100' });
      await waitFor(async () => (await ledger(store!)).length === 0, { timeoutMs: 20_000, what: 'the sweep to clear the ledger' });
      await waitFor(async () => (await sweptCount(accord!)) === 2, { what: 'both rows counted as swept files' });

      // The message's own files are untouched, at fresh signed URLs.
      const now = await call(accord, 'GET', `/channels/${channelId}/messages/${sent.id}`, auth);
      assert.equal(now.status, 200);
      const got = await Promise.all(now.body.attachments.map(async (att: any) => sha256(new Uint8Array(await (await fetch(att.url)).arrayBuffer()))));
      assert.deepEqual(got, [sha256(first), sha256(second)]);

      // An upload slower than the age: its file is swept while the client is still sending, and the message is
      // refused instead of naming a deleted file.
      const slow = streamingPost(accord, auth, channelId, boundary);
      slow.write(filePartHead(boundary, 0));
      slow.write(randomBytes(16 * KiB));
      slow.write(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="payload_json"\r\n\r\n`);
      await waitFor(async () => (await sweptCount(accord!)) === 3, { timeoutMs: 20_000, what: 'the sweep to take the slow upload' });
      slow.end(`{"content":"too late"}\r\n--${boundary}--\r\n`);
      const refused = await slow.response;
      assert.ok(!(refused instanceof Error), String(refused));
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 50035);
      assert.equal(refused.body.errors.attachments._errors[0].code, 'BASE_TYPE_INVALID');
      const list = await call(accord, 'GET', `/channels/${channelId}/messages?limit=10`, auth);
      assert.ok(!list.body.some((m: any) => m.content === 'too late'), 'the message was not stored');
      assert.deepEqual(await ledger(store), []);

      await stopAccord(accord);
      blobs = await FileBlobStore.open({ dir: blobsDir, maxBytes: 1024 ** 3 });
      try {
        for (const key of orphans) assert.equal(await blobs.head(key), null, `${key} was deleted`);
        assert.deepEqual(await blobs.usage(), { bytes: first.length + second.length, count: 2 }, 'only the files a message names are left');
      } finally {
        await blobs.close();
      }
    } finally {
      if (accord) await stopAccord(accord).catch(() => accord!.child.kill('SIGKILL'));
      await store?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('uploads a request does not finish with a message', () => {
  it('leave neither a ledger row nor a file, whatever refused them', { timeout: 60_000 }, async () => {
    const t = await startTestServer({ attachmentMaxBytes: 64 * KiB });
    try {
      const owner = await t.register();
      const guild = await t.createGuild(owner);
      const channelId = guild.system_channel_id as string;
      const send = (files: Uint8Array[], payload: unknown, messageId?: string) => multipart(t.url, owner.auth, channelId, files, payload, messageId);
      const clean = async (files: number, what: string) => {
        assert.deepEqual(await ledger(t.store), [], `${what}: no ledger row`);
        assert.equal((await t.server.blobs.usage()).count, files, `${what}: ${files} files stored`);
      };

      // The second file is over ACCORD_ATTACHMENT_MAX_BYTES: 413 part-way, the first file goes too.
      const tooBig = await send([randomBytes(KiB), randomBytes(65 * KiB)], { content: 'x' });
      assert.equal(tooBig.status, 413);
      await clean(0, 'a file over the limit');

      // Refused after the files were stored (an attachment id that names no upload).
      const unknown = await send([randomBytes(KiB)], { content: 'x', attachments: [{ id: 5 }] });
      assert.equal(unknown.status, 400, JSON.stringify(unknown.body));
      await clean(0, 'a refused message');

      // enforce_nonce: the second send returns the first message, its own file goes.
      const first = await send([randomBytes(KiB)], { content: 'once', nonce: 'n-1', enforce_nonce: true });
      assert.equal(first.status, 200);
      const again = await send([randomBytes(KiB)], { content: 'once', nonce: 'n-1', enforce_nonce: true });
      assert.equal(again.body.id, first.body.id);
      await clean(1, 'a duplicate nonce');

      // An edit takes the upload its attachments list and lets go of the other.
      const edit = await send([randomBytes(KiB), randomBytes(KiB)], { attachments: [{ id: first.body.attachments[0].id }, { id: 1 }] }, first.body.id);
      assert.equal(edit.status, 200, JSON.stringify(edit.body));
      assert.equal(edit.body.attachments.length, 2);
      await clean(2, 'an edit listing one of two uploads');
    } finally {
      await t.close();
    }
  });
});
