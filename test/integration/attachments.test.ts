/**
 * Message attachments over real HTTP, as Discord's libraries send them (multipart/form-data with `files[n]` and
 * `payload_json`, built here with Node's FormData and Blob): the attachment objects, the bytes served back at their
 * signed URLs, sniffed content types, ranges, signatures, limits, edits that keep / drop / add files, and files
 * deleted with their message, bulk delete, ban, channel and guild; MESSAGE_CREATE over the gateway carries them.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { attachmentLinks } from '../../src/media/attachments.ts';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { serviceSkip, TEST_NATS_URL, waitFor } from '../helpers/services.ts';
import { GatewayClient } from './gateway-client.ts';
import { assertError, guildFixture, overwrite, send, textChannel, type GuildFixture } from './fixtures.messages.ts';

interface FilePart {
  name: string;
  bytes: Uint8Array;
  /** What the client claims; never believed. */
  type?: string;
  /** Form field name; default files[i]. */
  field?: string;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const KiB = 1024;

let t: TestServer;
let f: GuildFixture;
let png: Buffer;

before(async () => {
  t = await startTestServer();
  f = await guildFixture(t);
  png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#d04040' } }).png().toBuffer();
});
after(() => t?.close());

function form(files: FilePart[], payload?: unknown, fields: Record<string, string> = {}): FormData {
  const body = new FormData();
  files.forEach((file, i) => body.append(file.field ?? `files[${i}]`, new Blob([Uint8Array.from(file.bytes)], { type: file.type ?? 'application/octet-stream' }), file.name));
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  if (payload !== undefined) body.append('payload_json', JSON.stringify(payload));
  return body;
}

/** POST (or PATCH, with messageId) a multipart message; answers status and parsed body. */
async function upload(
  server: TestServer, user: TestUser, channelId: string, files: FilePart[], payload?: unknown, opts: { messageId?: string; fields?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  const url = `${server.api}/channels/${channelId}/messages${opts.messageId ? `/${opts.messageId}` : ''}`;
  const res = await fetch(url, { method: opts.messageId ? 'PATCH' : 'POST', headers: { authorization: user.auth }, body: form(files, payload, opts.fields) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body };
}

async function uploadOk(server: TestServer, user: TestUser, channelId: string, files: FilePart[], payload?: unknown): Promise<any> {
  const res = await upload(server, user, channelId, files, payload);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function download(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Polls until the URL answers 404: files go after the commit, off the request. */
async function gone(url: string): Promise<void> {
  await waitFor(async () => (await fetch(url)).status === 404, { timeoutMs: 10_000, what: `404 from ${url}` });
}

function assertSignedUrl(url: string, channelId: string, a: any): void {
  const escaped = t.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  assert.match(url, new RegExp(`^${escaped}/attachments/${channelId}/${a.id}/${a.filename.replace(/\./g, '\\.')}\\?ex=[0-9a-f]+&is=[0-9a-f]+&hm=[0-9a-f]{64}&$`));
}

describe('sending files', () => {
  test('files[n] with payload_json: Discord’s attachment objects, the same bytes at their URLs, types sniffed from the bytes', async () => {
    const text = Buffer.from('plain notes\nsecond line — ünïcode\n');
    // A fixed head: random bytes alone are sometimes sniffed as a media type (an MP3 frame sync at the start).
    const binary = Buffer.concat([Buffer.from('accord binary\0'), randomBytes(50 * KiB - 14)]);
    const m = await uploadOk(t, f.member, f.channel.id, [
      { name: 'my picture.png', bytes: png, type: 'text/plain' },
      { name: 'notes.txt', bytes: text, type: 'image/png' },
      { name: 'data.bin', bytes: binary },
    ], { content: 'three files', attachments: [{ id: 0, description: 'a red square' }, { id: '1' }, { id: 2, filename: 'SPOILER_data.bin' }] });

    assert.equal(m.content, 'three files');
    assert.equal(m.attachments.length, 3);
    const [a, b, c] = m.attachments;
    assert.deepEqual(Object.keys(a).sort(), ['content_type', 'description', 'filename', 'height', 'id', 'proxy_url', 'size', 'url', 'width']);
    assert.deepEqual({ filename: a.filename, size: a.size, width: a.width, height: a.height, content_type: a.content_type, description: a.description },
      { filename: 'my_picture.png', size: png.length, width: 40, height: 30, content_type: 'image/png', description: 'a red square' });
    assert.deepEqual(Object.keys(b).sort(), ['content_type', 'filename', 'id', 'proxy_url', 'size', 'url']);
    assert.deepEqual({ filename: b.filename, size: b.size, content_type: b.content_type }, { filename: 'notes.txt', size: text.length, content_type: 'text/plain; charset=utf-8' });
    assert.deepEqual({ filename: c.filename, size: c.size, content_type: c.content_type, flags: c.flags }, { filename: 'SPOILER_data.bin', size: binary.length, content_type: 'application/octet-stream', flags: 8 });
    for (const att of m.attachments) {
      assert.match(att.id, /^\d{17,20}$/);
      assertSignedUrl(att.url, f.channel.id, att);
      assert.equal(att.proxy_url, att.url);
      assert.ok(!('ephemeral' in att));
    }
    assert.equal(new Set(m.attachments.map((x: any) => x.id)).size, 3);

    const gotA = await download(a.url);
    assert.equal(gotA.status, 200);
    assert.equal(sha256(gotA.bytes), sha256(png));
    assert.equal(gotA.headers.get('content-type'), 'image/png');
    assert.match(gotA.headers.get('content-disposition') ?? '', /^inline; filename="my_picture.png"/);
    const gotB = await download(b.url);
    assert.equal(sha256(gotB.bytes), sha256(text));
    assert.equal(gotB.headers.get('content-type'), 'text/plain; charset=utf-8');
    const gotC = await download(c.url);
    assert.equal(sha256(gotC.bytes), sha256(binary));
    assert.match(gotC.headers.get('content-disposition') ?? '', /^attachment; filename="SPOILER_data.bin"/);

    // Read back: the same attachments (URLs signed again, for the same hour).
    const read = await t.request('GET', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.owner });
    assert.deepEqual(read.body.attachments, m.attachments);
    const listed = await t.request('GET', `/channels/${f.channel.id}/messages?limit=5`, { auth: f.owner });
    assert.deepEqual(listed.body.find((x: any) => x.id === m.id).attachments, m.attachments);
  });

  test('a file-only message is a message; files under other names (`file`) and plain form fields work as Discord takes them', async () => {
    const only = await uploadOk(t, f.member, f.channel.id, [{ name: 'a.txt', bytes: Buffer.from('x') }]);
    assert.equal(only.content, '');
    assert.equal(only.attachments.length, 1);

    const curl = await upload(t, f.member, f.channel.id, [{ name: 'cat.png', bytes: png, field: 'file' }], undefined, { fields: { content: 'from a form' } });
    assert.equal(curl.status, 200, JSON.stringify(curl.body));
    assert.equal(curl.body.content, 'from a form');
    assert.equal(curl.body.attachments[0].filename, 'cat.png');
    assert.equal(curl.body.attachments[0].width, 40);

    // No files and no content: still an empty message.
    assertError(await upload(t, f.member, f.channel.id, [], { content: '' }), 400, 50006);
    // payload_json is read like a JSON body.
    assertError(await upload(t, f.member, f.channel.id, [], undefined, { fields: { payload_json: '{"content":' } }), 400, 50109);
  });

  test('HTML comes back as a download with nosniff; a Range request gets 206 with exactly those bytes; HEAD has no body', async () => {
    const html = Buffer.from('<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>');
    const m = await uploadOk(t, f.member, f.channel.id, [{ name: 'page.html', bytes: html, type: 'image/png' }], { content: 'html' });
    const att = m.attachments[0];
    assert.equal(att.content_type, 'text/html; charset=utf-8');
    const got = await download(att.url);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'application/octet-stream');
    assert.match(got.headers.get('content-disposition') ?? '', /^attachment;/);
    assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(got.bytes.equals(html));

    const ranged = await download(att.url, { range: 'bytes=10-19' });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-range'), `bytes 10-19/${html.length}`);
    assert.ok(ranged.bytes.equals(html.subarray(10, 20)));
    const tail = await download(att.url, { range: 'bytes=-5' });
    assert.ok(tail.bytes.equals(html.subarray(html.length - 5)));
    assert.equal((await download(att.url, { range: `bytes=${html.length + 10}-` })).status, 416);

    const head = await fetch(att.url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(html.length));
    assert.equal((await head.arrayBuffer()).byteLength, 0);
    const etag = got.headers.get('etag')!;
    assert.equal((await download(att.url, { 'if-none-match': etag })).status, 304);
  });

  test('unsigned, tampered, re-pointed and expired URLs answer 404 like Discord', async () => {
    const m = await uploadOk(t, f.member, f.channel.id, [{ name: 'secret.txt', bytes: Buffer.from('only for members') }], { content: 'signed' });
    const att = m.attachments[0];
    const url = new URL(att.url);
    const expectGone = async (u: string, why: string) => {
      const res = await fetch(u);
      assert.equal(res.status, 404, why);
      assert.equal(await res.text(), 'This content is no longer available.', why);
    };
    await expectGone(`${url.origin}${url.pathname}`, 'unsigned');
    const hm = url.searchParams.get('hm')!;
    await expectGone(att.url.replace(hm, (hm[0] === 'a' ? 'b' : 'a') + hm.slice(1)), 'tampered MAC');
    const ex = url.searchParams.get('ex')!;
    await expectGone(att.url.replace(`ex=${ex}`, `ex=${(parseInt(ex, 16) + 3600).toString(16)}`), 'extended expiry');
    await expectGone(att.url.replace('/secret.txt?', '/other.txt?'), 'another filename');
    const other = (await uploadOk(t, f.member, f.channel.id, [{ name: 'secret.txt', bytes: Buffer.from('another file') }])).attachments[0];
    await expectGone(att.url.replace(`/${att.id}/`, `/${other.id}/`), 'another attachment, same signature');

    // Signed with the server's key: valid now, refused once expired.
    const fresh = attachmentLinks(t.server.links, Date.now()).attachmentUrl(f.channel.id, att.id, att.filename);
    assert.equal((await download(fresh)).bytes.toString(), 'only for members');
    await expectGone(attachmentLinks(t.server.links, Date.now() - 3 * 86_400_000).attachmentUrl(f.channel.id, att.id, att.filename), 'expired');
  });

  test('a caller without ATTACH_FILES is refused at its first file; other routes refuse multipart bodies', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'no-files' });
    await overwrite(t, f.owner, ch.id, f.member.id, 1, 0n, Permissions.ATTACH_FILES);
    const before = await t.server.blobs.usage();
    assertError(await upload(t, f.member, ch.id, [{ name: 'a.txt', bytes: Buffer.from('nope') }], { content: 'x' }), 403, 50013);
    assert.deepEqual(await t.server.blobs.usage(), before);
    // Without files, multipart is just another way to send JSON.
    assert.equal((await upload(t, f.member, ch.id, [], { content: 'text is fine' })).status, 200);

    const res = await fetch(`${t.api}/guilds/${f.guild.id}`, { method: 'PATCH', headers: { authorization: f.owner.auth }, body: form([], { name: 'renamed' }) });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).code, 50035);
  });

  test('malformed multipart is a 400, unknown attachment ids are ATTACHMENT_NOT_FOUND', async () => {
    const res = await fetch(`${t.api}/channels/${f.channel.id}/messages`, {
      method: 'POST',
      headers: { authorization: f.member.auth, 'content-type': 'multipart/form-data; boundary=xyz' },
      body: '--xyz\r\nContent-Disposition: form-data; name="files[0]"; filename="a.txt"\r\n\r\nno end',
    });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).code, 0);
    const before = await t.server.blobs.usage();
    const missing = await upload(t, f.member, f.channel.id, [{ name: 'a.txt', bytes: Buffer.from('a') }], { content: 'x', attachments: [{ id: 0 }, { id: 7 }] });
    assertError(missing, 400, 50035);
    assert.equal(missing.body.errors.attachments['1']._errors[0].code, 'ATTACHMENT_NOT_FOUND');
    assert.deepEqual(await t.server.blobs.usage(), before, 'the refused message left no file');
  });
});

describe('limits', () => {
  let small: TestServer;
  let g: GuildFixture;
  before(async () => {
    small = await startTestServer({ attachmentMaxBytes: 64 * KiB, messageUploadMaxBytes: 100 * KiB });
    g = await guildFixture(small);
  });
  after(() => small?.close());

  test('a file over the per-file limit, or files over the per-message total, get 413 / 40005 and store nothing', async () => {
    const before = await small.server.blobs.usage();
    const big = await upload(small, g.member, g.channel.id, [{ name: 'big.bin', bytes: randomBytes(64 * KiB + 1) }], { content: 'too big' });
    assert.equal(big.status, 413);
    assert.deepEqual(big.body, { code: 40005, message: 'Request entity too large' });
    const total = await upload(small, g.member, g.channel.id, [
      { name: 'a.bin', bytes: randomBytes(60 * KiB) },
      { name: 'b.bin', bytes: randomBytes(60 * KiB) },
    ], { content: 'too much' });
    assert.equal(total.status, 413);
    assert.deepEqual(total.body, { code: 40005, message: 'Request entity too large' });
    assert.deepEqual(await small.server.blobs.usage(), before);
    const history = await small.request('GET', `/channels/${g.channel.id}/messages`, { auth: g.owner });
    assert.equal(history.body.filter((m: any) => m.content.startsWith('too')).length, 0);
    // Exactly at the limit is fine.
    const exact = await uploadOk(small, g.member, g.channel.id, [{ name: 'exact.bin', bytes: randomBytes(64 * KiB) }]);
    assert.equal(exact.attachments[0].size, 64 * KiB);
  });

  test('ten files are fine, eleven are refused with 30015 and nothing stored', async () => {
    const files = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `f${i}.txt`, bytes: Buffer.from(`file ${i}`) }));
    const ten = await uploadOk(small, g.member, g.channel.id, files(10), { content: 'ten' });
    assert.deepEqual(ten.attachments.map((a: any) => a.filename), files(10).map((x) => x.name));
    const before = await small.server.blobs.usage();
    assertError(await upload(small, g.member, g.channel.id, files(11), { content: 'eleven' }), 400, 30015);
    assert.deepEqual(await small.server.blobs.usage(), before);
    // The attachments array is capped too.
    const meta = await upload(small, g.member, g.channel.id, files(1), { content: 'x', attachments: Array.from({ length: 11 }, (_, i) => ({ id: i })) });
    assertError(meta, 400, 50035);
    assert.equal(meta.body.errors.attachments._errors[0].code, 'BASE_TYPE_MAX_LENGTH');
  });
});

describe('editing files', () => {
  test('attachments in PATCH keep by id, drop what is left out (its file goes), add new uploads; [] removes all', async () => {
    const m = await uploadOk(t, f.member, f.channel.id, [
      { name: 'keep.txt', bytes: Buffer.from('keep me') },
      { name: 'drop.txt', bytes: Buffer.from('drop me') },
    ], { content: 'editable' });
    const [keep, drop] = m.attachments;
    const added = Buffer.from('added later');
    const edited = await upload(t, f.member, f.channel.id, [{ name: 'new.txt', bytes: added }], {
      attachments: [{ id: keep.id, filename: 'ignored.txt', url: keep.url, size: keep.size }, { id: '0', description: 'fresh' }],
    }, { messageId: m.id });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.content, 'editable');
    assert.ok(edited.body.edited_timestamp);
    assert.deepEqual(edited.body.attachments.map((a: any) => a.filename), ['keep.txt', 'new.txt']);
    assert.equal(edited.body.attachments[0].id, keep.id);
    const fresh = edited.body.attachments[1];
    assert.equal(fresh.description, 'fresh');
    assert.ok((await download(fresh.url)).bytes.equals(added));
    await gone(drop.url);
    assert.equal((await download(keep.url)).status, 200, 'the kept file stays');

    // An id that is neither a file of the message nor an upload.
    const unknown = await upload(t, f.member, f.channel.id, [], { attachments: [{ id: keep.id }, { id: '123456789012345678' }] }, { messageId: m.id });
    assertError(unknown, 400, 50035);
    assert.equal(unknown.body.errors.attachments['1']._errors[0].code, 'ATTACHMENT_NOT_FOUND');

    // Uploads without an attachments array: "Any provided files will be appended to the message".
    const appended = await upload(t, f.member, f.channel.id, [{ name: 'only.txt', bytes: Buffer.from('only') }], {}, { messageId: m.id });
    assert.deepEqual(appended.body.attachments.map((a: any) => a.filename), ['keep.txt', 'new.txt', 'only.txt']);
    assert.equal((await download(keep.url)).status, 200, 'the files already there stay');

    const cleared = await t.request('PATCH', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.member, body: { attachments: [] } });
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
    assert.deepEqual(cleared.body.attachments, []);
    await gone(keep.url);
    await gone(fresh.url);
    await gone(appended.body.attachments[2].url);

    // Nothing left at all: an empty message.
    const fileOnly = await uploadOk(t, f.member, f.channel.id, [{ name: 'x.txt', bytes: Buffer.from('x') }]);
    assertError(await t.request('PATCH', `/channels/${f.channel.id}/messages/${fileOnly.id}`, { auth: f.member, body: { attachments: [] } }), 400, 50006);
    // Someone else's message: no files added.
    assertError(await upload(t, f.owner, f.channel.id, [{ name: 'y.txt', bytes: Buffer.from('y') }], {}, { messageId: fileOnly.id }), 403, 50005);
  });

  test('an upload the edit does not list is not kept', async () => {
    const m = await uploadOk(t, f.member, f.channel.id, [{ name: 'one.txt', bytes: Buffer.from('one') }]);
    const before = await t.server.blobs.usage();
    const edited = await upload(t, f.member, f.channel.id, [{ name: 'stray.txt', bytes: Buffer.from('stray') }], { attachments: [{ id: m.attachments[0].id }] }, { messageId: m.id });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.deepEqual(edited.body.attachments.map((a: any) => a.id), [m.attachments[0].id]);
    assert.deepEqual(await t.server.blobs.usage(), before);
  });
});

describe('deleting files with what holds them', () => {
  test('message delete, bulk delete and a ban’s message deletes remove the files', async () => {
    const one = await uploadOk(t, f.member, f.channel.id, [{ name: 'a.txt', bytes: Buffer.from('a') }]);
    assert.equal((await t.request('DELETE', `/channels/${f.channel.id}/messages/${one.id}`, { auth: f.member })).status, 204);
    await gone(one.attachments[0].url);

    const two = await uploadOk(t, f.member, f.channel.id, [{ name: 'b.txt', bytes: Buffer.from('b') }, { name: 'c.txt', bytes: Buffer.from('c') }]);
    const three = await uploadOk(t, f.member, f.channel.id, [{ name: 'd.txt', bytes: Buffer.from('d') }]);
    const bulk = await t.request('POST', `/channels/${f.channel.id}/messages/bulk-delete`, { auth: f.owner, body: { messages: [two.id, three.id] } });
    assert.equal(bulk.status, 204, JSON.stringify(bulk.body));
    for (const a of [...two.attachments, ...three.attachments]) await gone(a.url);

    const g = await guildFixture(t);
    const spam = await uploadOk(t, g.member, g.channel.id, [{ name: 'spam.txt', bytes: Buffer.from('spam') }]);
    const ban = await t.request('PUT', `/guilds/${g.guild.id}/bans/${g.member.id}`, { auth: g.owner, body: { delete_message_seconds: 3600 } });
    assert.equal(ban.status, 204, JSON.stringify(ban.body));
    await gone(spam.attachments[0].url);
  });

  test('channel and guild deletes remove every file of their messages', async () => {
    const g = await guildFixture(t);
    const extra = await textChannel(t, g.owner, g.guild.id, { name: 'doomed' });
    const inExtra = await uploadOk(t, g.member, extra.id, [{ name: 'x.txt', bytes: Buffer.from('x') }]);
    const inMain = await uploadOk(t, g.member, g.channel.id, [{ name: 'y.txt', bytes: Buffer.from('y') }]);
    assert.equal((await t.request('DELETE', `/channels/${extra.id}`, { auth: g.owner })).status, 200);
    await gone(inExtra.attachments[0].url);
    assert.equal((await download(inMain.attachments[0].url)).status, 200);
    assert.equal((await t.request('DELETE', `/guilds/${g.guild.id}`, { auth: g.owner })).status, 204);
    await gone(inMain.attachments[0].url);
    assert.equal(await t.server.blobs.head(`attachments/${g.channel.id}/${inMain.attachments[0].id}`), null);
  });
});

describe('gateway', () => {
  test('MESSAGE_CREATE carries the attachments as the REST answer has them', async () => {
    const c = await GatewayClient.connect(t.url);
    try {
      await c.identify(f.owner.token);
      const m = await uploadOk(t, f.member, f.channel.id, [{ name: 'wire.png', bytes: png }], { content: 'over the wire' });
      const ev = await c.waitForDispatch('MESSAGE_CREATE', (d) => d.id === m.id);
      assert.deepEqual(ev.d.attachments, m.attachments);
      assert.equal(ev.d.attachments[0].width, 40);
      assert.ok((await download(ev.d.attachments[0].url)).bytes.equals(png));
    } finally {
      await c.close();
    }
  });
  test('attachment:// in an embed shows that file there (signed URL, size, type) and leaves it out of attachments, in REST, history, MESSAGE_CREATE and forwards', async () => {
    const c = await GatewayClient.connect(t.url);
    try {
      await c.identify(f.owner.token);
      const notes = Buffer.from('kept as an attachment');
      const m = await uploadOk(t, f.member, f.channel.id, [{ name: 'chart one.png', bytes: png }, { name: 'notes.txt', bytes: notes }], {
        embeds: [{
          title: 'report',
          image: { url: 'attachment://chart_one.png' },
          thumbnail: { url: 'attachment://missing.png' },
          footer: { text: 'by the bot', icon_url: 'attachment://chart_one.png' },
          // Only pictures go into an embed: a text file stays an attachment and the reference stays as sent.
          author: { name: 'notes', icon_url: 'attachment://notes.txt' },
        }],
      });
      const [embed] = m.embeds;
      assertSignedUrl(embed.image.url, f.channel.id, { id: '\\d{17,20}', filename: 'chart_one.png' });
      assert.deepEqual({ ...embed.image, url: 'u', proxy_url: 'u' }, { url: 'u', proxy_url: 'u', width: 40, height: 30, content_type: 'image/png' });
      assert.equal(embed.image.proxy_url, embed.image.url);
      assert.ok((await download(embed.image.url)).bytes.equals(png));
      assert.equal(embed.footer.icon_url, embed.image.url);
      assert.equal(embed.footer.proxy_icon_url, embed.image.url);
      assert.deepEqual(embed.thumbnail, { url: 'attachment://missing.png' }, 'a name no file has stays as sent');
      assert.deepEqual(embed.author, { name: 'notes', icon_url: 'attachment://notes.txt' });
      assert.deepEqual(m.attachments.map((a: any) => a.filename), ['notes.txt'], 'the file shown in the embed is not listed again');

      const ev = await c.waitForDispatch('MESSAGE_CREATE', (d) => d.id === m.id);
      assert.deepEqual(ev.d.embeds, m.embeds);
      assert.deepEqual(ev.d.attachments, m.attachments);
      const read = await t.request('GET', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.owner });
      assert.deepEqual(read.body.embeds, m.embeds);
      assert.deepEqual(read.body.attachments, m.attachments);

      // A forward copies the files; its snapshot's embed shows the copy.
      const fwd = await send(t, f.owner, f.channel.id, { message_reference: { type: 1, channel_id: f.channel.id, message_id: m.id } });
      const snap = fwd.message_snapshots[0].message;
      assert.deepEqual(snap.attachments.map((a: any) => a.filename), ['notes.txt']);
      assert.notEqual(snap.embeds[0].image.url, embed.image.url);
      assert.ok((await download(snap.embeds[0].image.url)).bytes.equals(png));

      // An edit listing the files it keeps cannot list the embed's picture (no client sees it): it stays while the
      // embed shows it; the text file the embed only names is an ordinary attachment and goes.
      const url = `/channels/${f.channel.id}/messages/${m.id}`;
      const notesUrl = m.attachments[0].url;
      const edited = await t.request('PATCH', url, { auth: f.member, body: { attachments: [] } });
      assert.equal(edited.status, 200, JSON.stringify(edited.body));
      assert.ok((await download(edited.body.embeds[0].image.url)).bytes.equals(png), 'the embed still shows the file');
      assert.deepEqual(edited.body.attachments, []);
      await gone(notesUrl);
      // The picture goes once the embed stops showing it.
      const plain = await t.request('PATCH', url, { auth: f.member, body: { embeds: [{ title: 'plain' }], attachments: [] } });
      assert.equal(plain.status, 200, JSON.stringify(plain.body));
      await gone(embed.image.url);
    } finally {
      await c.close();
    }
  });
});

describe('over NATS: JetStream queue and object store, as a cluster runs', { skip: await serviceSkip('nats') }, () => {
  const run = `att${process.pid}x${Date.now().toString(36)}`;
  let n: TestServer;
  let closeNats: () => Promise<void>;
  before(async () => {
    const { NatsBus } = await import('../../src/bus/nats.ts');
    const { NatsBlobStore } = await import('../../src/blobs/nats.ts');
    const bus = await NatsBus.connect({ servers: TEST_NATS_URL, name: `accord-test-${run}`, streamPrefix: `T${run}` });
    const blobs = await NatsBlobStore.connect({ servers: TEST_NATS_URL, bucket: `${run}-blobs`, maxBytes: 64 * 1024 * 1024, sweepIntervalMs: 0 });
    n = await startTestServer({}, { bus, blobs });
    closeNats = async () => {
      await bus.destroyQueues();
      await bus.close();
      await blobs.destroy();
      await blobs.close();
    };
  });
  after(async () => {
    await n?.close();
    await closeNats?.();
  });

  test('files stream into the object store and come back; an edit and a channel delete remove them', async () => {
    const g = await guildFixture(n);
    const bytes = randomBytes(300 * KiB);
    const m = await uploadOk(n, g.member, g.channel.id, [{ name: 'big.bin', bytes }, { name: 'pic.png', bytes: png }], { content: 'on nats' });
    assert.ok((await download(m.attachments[0].url)).bytes.equals(bytes));
    assert.ok((await download(m.attachments[1].url, { range: 'bytes=0-7' })).bytes.equals(png.subarray(0, 8)));
    const edited = await n.request('PATCH', `/channels/${g.channel.id}/messages/${m.id}`, { auth: g.member, body: { attachments: [{ id: m.attachments[1].id }] } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    await gone(m.attachments[0].url);
    const extra = await textChannel(n, g.owner, g.guild.id, { name: 'nats-doomed' });
    const other = await uploadOk(n, g.member, extra.id, [{ name: 'x.txt', bytes: Buffer.from('x') }]);
    assert.equal((await n.request('DELETE', `/channels/${extra.id}`, { auth: g.owner })).status, 200);
    await gone(other.attachments[0].url);
    assert.equal((await download(m.attachments[1].url)).status, 200);
  });
});

test('a plain JSON send still works and has no attachments', async () => {
  const m = await send(t, f.member, f.channel.id, 'just text');
  assert.deepEqual(m.attachments, []);
});
