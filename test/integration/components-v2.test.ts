/**
 * Components V2 (IS_COMPONENTS_V2) over real HTTP and the gateway: a bot's container, sections, text displays,
 * media gallery, file and separator come back numbered, with Discord's unfurled media items (a file of the
 * message signed and left out of `attachments`, an outside image proxied); the rules Discord documents (no
 * content or embeds beside them, where each type may sit, 40 components, 4,000 characters, file components only
 * for the message's files) answer 50035; the flag cannot be lifted by an edit; mentions come from text displays.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { makeBot } from './fixtures.guilds.ts';
import { assertError } from './fixtures.messages.ts';
import { GatewayClient } from './gateway-client.ts';

const V2 = 1 << 15;

let t: TestServer;
let owner: TestUser;
let member: TestUser;
let bot: TestUser;
let channel: any;
let gateway: GatewayClient;
let png: Buffer;

const text = (content: string, extra: Record<string, unknown> = {}) => ({ type: 10, content, ...extra });
const button = (customId: string) => ({ type: 2, style: 1, label: customId, custom_id: customId });
const link = { type: 2, style: 5, label: 'Docs', url: 'https://example.test/docs' };

const post = (auth: TestUser, body: unknown) => t.request('POST', `/channels/${channel.id}/messages`, { auth, body });

async function postFiles(auth: TestUser, files: Array<{ name: string; bytes: Uint8Array }>, payload: unknown): Promise<{ status: number; body: any }> {
  const form = new FormData();
  files.forEach((f, i) => form.append(`files[${i}]`, new Blob([Uint8Array.from(f.bytes)]), f.name));
  form.append('payload_json', JSON.stringify(payload));
  const res = await fetch(`${t.api}/channels/${channel.id}/messages`, { method: 'POST', headers: { authorization: auth.auth }, body: form });
  return { status: res.status, body: await res.json() };
}

/** A rendered value with attachment URL signatures (`?ex=…&is=…&hm=…&`) taken out, to compare two renders. */
const unsigned = (v: unknown) => JSON.parse(JSON.stringify(v).replace(/\?ex=[0-9a-f]+&is=[0-9a-f]+&hm=[0-9a-f]+&/g, ''));

function errorAt(body: any, path: Array<string | number>): Array<{ code: string; message: string }> | undefined {
  let node = body?.errors;
  for (const key of path) node = node?.[String(key)];
  return node?._errors;
}

async function refuses(body: Record<string, unknown>, path: Array<string | number>, code: string): Promise<void> {
  const res = await post(bot, { flags: V2, ...body });
  assertError(res, 400, 50035);
  const leaf = errorAt(res.body, path);
  assert.ok(leaf, `no error at ${path.join('.')}: ${JSON.stringify(res.body)}`);
  assert.equal(leaf[0]!.code, code, JSON.stringify(res.body));
}

before(async () => {
  t = await startTestServer();
  owner = await t.register();
  member = await t.register();
  const guild = await t.createGuild(owner);
  await t.join(owner, guild.id, member);
  const made = await makeBot(t, owner, 'Layout Bot');
  bot = made.bot;
  const added = await t.request('POST', `/oauth2/authorize?client_id=${made.app.id}&scope=bot`, {
    auth: owner, body: { guild_id: guild.id, authorize: true, permissions: String(Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES | Permissions.ATTACH_FILES | Permissions.MENTION_EVERYONE) },
  });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  channel = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
  gateway = await GatewayClient.connect(t.url);
  const ready = await gateway.identify(owner.token);
  for (const g of ready.guilds) await gateway.waitForDispatch('GUILD_CREATE', (d) => d.id === g.id);
  png = await sharp({ create: { width: 32, height: 16, channels: 3, background: '#4060c0' } }).png().toBuffer();
});
after(async () => {
  await gateway?.close();
  await t.close();
});

describe('Components V2', () => {
  it('a container with every kind of component comes back numbered, its media unfurled, its files out of attachments; GET and MESSAGE_CREATE agree', async () => {
    const components = [
      {
        type: 17, accent_color: 0x5865f2, components: [
          text(`# Release notes\nHello <@${member.id}>`),
          { type: 12, items: [{ media: { url: 'attachment://shot.png' }, description: 'the new screen' }, { media: { url: 'https://example.test/banner.png' }, spoiler: true }] },
          { type: 9, components: [text('Download the build'), text('-# 4 MB')], accessory: button('get-build') },
          { type: 9, components: [text('With a picture')], accessory: { type: 11, media: { url: 'attachment://shot.png' } } },
          { type: 14, divider: true, spacing: 2 },
          { type: 13, file: { url: 'attachment://notes.csv' } },
          { type: 1, components: [link, button('feedback')] },
        ],
      },
      text('Outside the container', { id: 100 }),
    ];
    const res = await postFiles(bot, [{ name: 'shot.png', bytes: png }, { name: 'notes.csv', bytes: Buffer.from('a,b\n1,2\n') }], { flags: V2, components });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const m = res.body;
    assert.equal(m.flags & V2, V2);
    assert.equal(m.content, '');
    assert.deepEqual(m.attachments, [], 'both files are shown by components');
    assert.deepEqual(m.mentions.map((u: any) => u.id), [member.id], 'a text display mentions as content does');

    // Depth-first ids, the sender's 100 kept.
    const ids: number[] = [];
    const walk = (list: any[]) => {
      for (const c of list) {
        ids.push(c.id);
        if (Array.isArray(c.components)) walk(c.components);
        if (c.accessory) ids.push(c.accessory.id);
      }
    };
    walk(m.components);
    assert.deepEqual(ids, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 100]);

    const [container, outside] = m.components;
    assert.deepEqual([container.type, container.accent_color, outside.content], [17, 0x5865f2, 'Outside the container']);
    const [, gallery, section, pictured, separator, file, row] = container.components;
    const [shot, banner] = gallery.items;
    assert.match(shot.media.url, new RegExp(`/attachments/${channel.id}/\\d+/shot\\.png\\?ex=`));
    assert.deepEqual({ ...shot.media, url: 'u', proxy_url: 'u', attachment_id: 'a' }, { url: 'u', proxy_url: 'u', width: 32, height: 16, content_type: 'image/png', attachment_id: 'a' });
    assert.equal(shot.description, 'the new screen');
    assert.equal(banner.media.url, 'https://example.test/banner.png');
    assert.match(banner.media.proxy_url, /\/external\/[A-Za-z0-9_-]{43}\/https\/example\.test\/banner\.png$/);
    assert.equal(banner.spoiler, true);
    assert.equal(section.accessory.custom_id, 'get-build');
    assert.equal(pictured.accessory.media.attachment_id, shot.media.attachment_id);
    assert.deepEqual([separator.divider, separator.spacing], [true, 2]);
    assert.deepEqual([file.name, file.size], ['notes.csv', 8]);
    assert.equal(Buffer.from(await (await fetch(file.file.url)).arrayBuffer()).toString(), 'a,b\n1,2\n');
    assert.deepEqual(row.components.map((c: any) => c.style), [5, 1]);

    const ev = await gateway.waitForDispatch('MESSAGE_CREATE', (d) => d.id === m.id);
    assert.deepEqual(ev.d.components, m.components);
    assert.equal(ev.d.flags, m.flags);
    const read = await t.request('GET', `/channels/${channel.id}/messages/${m.id}`, { auth: owner });
    // Signed again for the GET: the same but for the signature, which changes on the hour.
    assert.deepEqual(unsigned(read.body.components), unsigned(m.components));
    assert.deepEqual(read.body.attachments, []);
  });

  it('Discord’s rules answer 50035 where they are broken', async () => {
    await refuses({ content: 'hi', components: [text('x')] }, ['content'], 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2');
    await refuses({ embeds: [{ title: 'x' }], components: [text('x')] }, ['embeds'], 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2');
    await refuses({ components: [{ type: 11, media: { url: 'https://example.test/a.png' } }] }, ['components', 0], 'UNION_TYPE_CHOICES');
    await refuses({ components: [{ type: 17, components: [{ type: 17, components: [text('x')] }] }] }, ['components', 0, 'components', 0], 'UNION_TYPE_CHOICES');
    await refuses({ components: [{ type: 9, components: [text('a'), text('b'), text('c'), text('d')], accessory: button('x') }] }, ['components', 0, 'components'], 'BASE_TYPE_BAD_LENGTH');
    await refuses({ components: [{ type: 9, components: [text('a')] }] }, ['components', 0, 'accessory'], 'BASE_TYPE_REQUIRED');
    await refuses({ components: [{ type: 13, file: { url: 'https://example.test/a.zip' } }] }, ['components', 0, 'file', 'url'], 'URL_TYPE_INVALID_SCHEME');
    await refuses({ components: [{ type: 12, items: [{ media: { url: 'not a url' } }] }] }, ['components', 0, 'items', 0, 'media', 'url'], 'URL_TYPE_INVALID_URL');
    await refuses({ components: [{ type: 12, items: [] }] }, ['components', 0, 'items'], 'BASE_TYPE_BAD_LENGTH');
    await refuses({ components: [{ type: 14, spacing: 3 }] }, ['components', 0, 'spacing'], 'BASE_TYPE_CHOICES');
    await refuses({ components: [{ type: 17, accent_color: 0x1000000, components: [text('x')] }] }, ['components', 0, 'accent_color'], 'NUMBER_TYPE_MAX');
    await refuses({ components: Array.from({ length: 41 }, (_, i) => text(`line ${i}`)) }, ['components'], 'COMPONENT_MAX_TOTAL_COMPONENTS_EXCEEDED');
    await refuses({ components: [text('a'.repeat(2500)), text('b'.repeat(1501))] }, ['components'], 'COMPONENT_MAX_TEXT_LENGTH_EXCEEDED');
    await refuses({ components: [text('a', { id: 7 }), text('b', { id: 7 })] }, ['components', 1, 'id'], 'COMPONENT_ID_DUPLICATED');
    await refuses({ components: [{ type: 13, file: { url: 'attachment://missing.zip' } }] }, ['components', 0, 'file', 'url'], 'UNFURLED_MEDIA_ITEM_ATTACHMENT_NOT_FOUND');
    // A thumbnail shows only a picture; a file component any file, named in any case of its scheme.
    const notes = [{ name: 'notes.txt', bytes: Buffer.from('words') }];
    const thumb = await postFiles(bot, notes, { flags: V2, components: [{ type: 9, components: [text('x')], accessory: { type: 11, media: { url: 'attachment://notes.txt' } } }] });
    assertError(thumb, 400, 50035);
    assert.equal(errorAt(thumb.body, ['components', 0, 'accessory', 'media', 'url'])?.[0]?.code, 'UNFURLED_MEDIA_ITEM_INVALID_CONTENT_TYPE', JSON.stringify(thumb.body));
    const upper = await postFiles(bot, notes, { flags: V2, components: [{ type: 13, file: { url: 'ATTACHMENT://notes.txt' } }] });
    assert.equal(upper.status, 200, JSON.stringify(upper.body));
    assert.deepEqual([upper.body.components[0].name, upper.body.attachments.length], ['notes.txt', 0]);
    // Forty exactly, and 4,000 characters exactly, are fine.
    assert.equal((await post(bot, { flags: V2, components: Array.from({ length: 40 }, (_, i) => text(`line ${i}`)) })).status, 200);
    assert.equal((await post(bot, { flags: V2, components: [text('a'.repeat(2500)), text('b'.repeat(1500))] })).status, 200);
    // Without the flag, the new types are not message components at all.
    const legacy = await post(bot, { content: 'x', components: [text('x')] });
    assertError(legacy, 400, 50035);
  });

  it('a person’s V2 message keeps no interactive component: a section with a button becomes its text', async () => {
    const res = await post(member, {
      flags: V2, components: [{ type: 9, components: [text('Pick one')], accessory: button('choose') }, { type: 1, components: [link, button('other')] }],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.components.map((c: any) => c.type), [10, 1]);
    assert.equal(res.body.components[0].content, 'Pick one');
    assert.deepEqual(res.body.components[1].components.map((c: any) => c.style), [5]);
  });

  it('an edit keeps the files the layout shows (clients never see them in attachments) until it stops showing them; a forward shows the layout', async () => {
    const sent = await postFiles(bot, [{ name: 'shot.png', bytes: png }, { name: 'extra.txt', bytes: Buffer.from('extra') }], {
      flags: V2, components: [{ type: 12, items: [{ media: { url: 'attachment://shot.png' } }] }],
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.deepEqual(sent.body.attachments.map((a: any) => a.filename), ['extra.txt'], 'a file the layout does not show stays an attachment');
    const url = `/channels/${channel.id}/messages/${sent.body.id}`;
    // A bot re-sending the components it got (signed URLs and all) still points at its file, not at a URL that expires.
    const resent = await t.request('PATCH', url, { auth: bot, body: { components: sent.body.components } });
    assert.equal(resent.status, 200, JSON.stringify(resent.body));
    assert.equal(resent.body.components[0].items[0].media.attachment_id, sent.body.components[0].items[0].media.attachment_id);
    assert.equal(resent.body.components[0].items[0].media.proxy_url, resent.body.components[0].items[0].media.url, 'a file, not a proxied outside picture');
    const cleared = await t.request('PATCH', url, { auth: bot, body: { attachments: [] } });
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
    assert.deepEqual(cleared.body.attachments, []);
    const shown = cleared.body.components[0].items[0].media;
    assert.equal((await fetch(shown.url)).status, 200, 'the gallery still shows its picture');

    const fwd = await post(owner, { flags: V2, message_reference: { type: 1, channel_id: channel.id, message_id: sent.body.id } });
    assert.equal(fwd.status, 200, JSON.stringify(fwd.body));
    assert.equal(fwd.body.flags, 1 << 14, 'a forward is not a layout itself');
    const snap = fwd.body.message_snapshots[0].message;
    assert.equal(snap.flags & V2, V2);
    assert.match(snap.components[0].items[0].media.url, /\/attachments\/\d+\/\d+\/shot\.png\?/);

    const replaced = await t.request('PATCH', url, { auth: bot, body: { components: [text('no picture now')], attachments: [] } });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    await waitFor(async () => (await fetch(shown.url)).status === 404, { what: 'the picture no component shows to go' });
  });

  it('webhooks: a user\'s needs with_components and keeps what is not interactive; a bot\'s keeps everything', async () => {
    const hook = await t.request('POST', `/channels/${channel.id}/webhooks`, { auth: owner, body: { name: 'Layouts' } });
    assert.equal(hook.status, 200, JSON.stringify(hook.body));
    const layout = [{ type: 17, components: [text('From a hook'), { type: 1, components: [link, button('press')] }] }];
    const base = `/webhooks/${hook.body.id}/${hook.body.token}?wait=true`;
    assertError(await t.request('POST', base, { body: { flags: V2, components: layout } }), 400, 50006);
    const kept = await t.request('POST', `${base}&with_components=true`, { body: { flags: V2, components: layout } });
    assert.equal(kept.status, 200, JSON.stringify(kept.body));
    assert.equal(kept.body.flags & V2, V2);
    assert.deepEqual(kept.body.components[0].components[1].components.map((c: any) => c.style), [5]);
    assertError(await t.request('POST', `${base}&with_components=true`, { body: { flags: V2, content: 'words', components: layout } }), 400, 50035);
  });

  it('the flag cannot be lifted; content is refused on a V2 message; a legacy message may become one', async () => {
    const sent = await post(bot, { flags: V2, components: [text('first')] });
    assert.equal(sent.status, 200);
    const url = `/channels/${channel.id}/messages/${sent.body.id}`;
    const kept = await t.request('PATCH', url, { auth: bot, body: { flags: 0, components: [text('second')] } });
    assert.equal(kept.status, 200, JSON.stringify(kept.body));
    assert.equal(kept.body.flags & V2, V2);
    assert.equal(kept.body.components[0].content, 'second');
    const withContent = await t.request('PATCH', url, { auth: bot, body: { content: 'words' } });
    assertError(withContent, 400, 50035);
    assert.equal(errorAt(withContent.body, ['content'])?.[0]?.code, 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2');

    const legacy = await post(bot, { content: 'old style' });
    const lurl = `/channels/${channel.id}/messages/${legacy.body.id}`;
    assertError(await t.request('PATCH', lurl, { auth: bot, body: { flags: V2, components: [text('new style')] } }), 400, 50035);
    const converted = await t.request('PATCH', lurl, { auth: bot, body: { flags: V2, content: null, components: [text('new style')] } });
    assert.equal(converted.status, 200, JSON.stringify(converted.body));
    assert.equal(converted.body.flags & V2, V2);
    assert.equal(converted.body.content, '');
    assert.equal(converted.body.components[0].content, 'new style');
  });
});
