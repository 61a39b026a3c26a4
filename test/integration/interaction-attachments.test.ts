/**
 * ATTACHMENT options (type 11) over real HTTP: the invoking client sends the files as multipart `files[n]` with
 * `payload_json` (data.attachments listing {id, filename}, the option's value the placeholder), the bot's
 * INTERACTION_CREATE carries the option's value as the file's attachment id and Discord's attachment object in
 * data.resolved.attachments, whose signed URL serves the same bytes. Files no option names are deleted at once;
 * so are the files of a refused invocation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { makeBot } from './fixtures.guilds.ts';
import { GatewayClient } from './gateway-client.ts';

let t: TestServer;
let owner: TestUser;
let guild: any;
let channel: any;
let app: any;
let bot: TestUser;
let command: any;
let botGw: GatewayClient;
let ownerGw: GatewayClient;
let png: Buffer;

before(async () => {
  t = await startTestServer();
  owner = await t.register();
  guild = await t.createGuild(owner, 'Files');
  channel = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
  ({ app, bot } = await makeBot(t, owner, 'Files Bot'));
  const auth = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, authorize: true } });
  assert.equal(auth.status, 200, JSON.stringify(auth.body));
  const res = await t.request('POST', `/applications/${app.id}/guilds/${guild.id}/commands`, {
    auth: bot, body: { name: 'upload', description: 'Takes a file', options: [{ type: 11, name: 'file', description: 'The file', required: true }, { type: 3, name: 'note', description: 'Note' }] },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  command = res.body;
  botGw = await GatewayClient.connect(t.url);
  await botGw.identify(bot.token);
  ownerGw = await GatewayClient.connect(t.url);
  await ownerGw.identify(owner.token);
  png = await sharp({ create: { width: 12, height: 7, channels: 3, background: '#20a040' } }).png().toBuffer();
});

after(async () => {
  await botGw?.close();
  await ownerGw?.close();
  await t?.close();
});

/** POST /interactions as Discord's client sends it with files. */
async function invokeWithFiles(files: Array<{ name: string; bytes: Uint8Array }>, data: Record<string, unknown>, nonce: string) {
  const form = new FormData();
  files.forEach((f, i) => form.append(`files[${i}]`, new Blob([Uint8Array.from(f.bytes)]), f.name));
  form.append('payload_json', JSON.stringify({ type: 2, application_id: app.id, guild_id: guild.id, channel_id: channel.id, session_id: 's', nonce, data }));
  const res = await fetch(`${t.api}/interactions`, { method: 'POST', headers: { authorization: owner.auth }, body: form });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const ledger = () => t.store.pendingUploads.listStale(Number.MAX_SAFE_INTEGER, 1000);
const base = () => ({ id: command.id, name: 'upload', type: 1, version: command.version });

describe('ATTACHMENT options', () => {
  it('the option names an uploaded file: resolved.attachments in Discord’s shape, the bytes at its URL; other files are deleted', async () => {
    const before = new Set(await ledger());
    const text = new TextEncoder().encode('not named by any option');
    const res = await invokeWithFiles([{ name: 'notes.txt', bytes: text }, { name: 'chart.png', bytes: png }], {
      ...base(),
      attachments: [{ id: '0', filename: 'notes.txt' }, { id: '1', filename: 'chart.png' }],
      options: [{ type: 11, name: 'file', value: '1' }, { type: 3, name: 'note', value: 'see chart' }],
    }, 'att1');
    assert.equal(res.status, 204, JSON.stringify(res.body));
    const mine = await ownerGw.waitForDispatch('INTERACTION_CREATE', (d) => d.nonce === 'att1');
    const i = (await botGw.waitForDispatch('INTERACTION_CREATE', (d) => d.id === mine.d.id)).d;
    const option = i.data.options.find((o: any) => o.name === 'file');
    assert.match(option.value, /^\d{15,20}$/);
    const a = i.data.resolved.attachments[option.value];
    assert.equal(a.id, option.value);
    assert.equal(a.filename, 'chart.png');
    assert.equal(a.size, png.length);
    assert.equal(a.content_type, 'image/png');
    assert.equal(a.width, 12);
    assert.equal(a.height, 7);
    assert.equal(a.ephemeral, true);
    assert.equal(a.proxy_url, a.url);
    assert.ok(a.url.startsWith(`${t.url}/attachments/${owner.id}/${a.id}/chart.png?ex=`), a.url);
    assert.equal(Object.keys(i.data.resolved.attachments).length, 1);
    const got = await fetch(a.url);
    assert.equal(got.status, 200);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), png);

    // The named file waits in the pending-upload ledger for the sweep (ephemeral); the other one is gone already.
    const added = (await ledger()).filter((k) => !before.has(k));
    assert.deepEqual(added, [`attachments/${owner.id}/${a.id}`]);
    assert.equal(i.data.options.find((o: any) => o.name === 'note').value, 'see chart');
  });

  it('an option naming no uploaded file is refused (50035) and its files are deleted', async () => {
    const before = new Set(await ledger());
    const res = await invokeWithFiles([{ name: 'a.png', bytes: png }], { ...base(), attachments: [{ id: '0', filename: 'a.png' }], options: [{ type: 11, name: 'file', value: '5' }] }, 'att2');
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.code, 50035);
    assert.equal(res.body.errors.data.options['0'].value._errors[0].code, 'INTERACTION_APPLICATION_COMMAND_OPTION_INVALID');
    assert.deepEqual((await ledger()).filter((k) => !before.has(k)), []);
    // A value that is no id at all is the option check's refusal.
    const bad = await invokeWithFiles([], { ...base(), options: [{ type: 11, name: 'file', value: 'abc' }] }, 'att3');
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.equal(bad.body.code, 50035);
  });
});
