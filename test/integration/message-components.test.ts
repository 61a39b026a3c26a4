/**
 * Message components over real HTTP and the gateway: a bot's action rows of buttons and selects, stored and
 * rendered with Discord's numbering, every validation rule with Discord's 50035 key, user accounts (whose
 * interactive components Discord ignores), edits (PATCH replaces or removes them), multipart bodies and webhooks
 * (all components for a bot's webhook, link buttons only with `with_components` for a user's).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { makeBot } from './fixtures.guilds.ts';
import { assertError } from './fixtures.messages.ts';
import { GatewayClient } from './gateway-client.ts';

let t: TestServer;
let owner: TestUser;
let member: TestUser;
let bot: TestUser;
let guild: any;
let channel: any;
let gateway: GatewayClient;

const post = (auth: TestUser, body: unknown, channelId = channel.id) => t.request('POST', `/channels/${channelId}/messages`, { auth, body });
const patch = (auth: TestUser, messageId: string, body: unknown) => t.request('PATCH', `/channels/${channel.id}/messages/${messageId}`, { auth, body });

const row = (...components: unknown[]) => ({ type: 1, components });
const button = (customId: string, extra: Record<string, unknown> = {}) => ({ type: 2, style: 1, label: customId, custom_id: customId, ...extra });
const link = (url = 'https://example.test/docs', extra: Record<string, unknown> = {}) => ({ type: 2, style: 5, label: 'Docs', url, ...extra });
const select = (customId: string, extra: Record<string, unknown> = {}) => ({
  type: 3, custom_id: customId, options: [{ label: 'Red', value: 'red' }, { label: 'Blue', value: 'blue' }], ...extra,
});

/** The error leaf at `path` in a 50035 body. */
function errorAt(body: any, path: Array<string | number>): Array<{ code: string; message: string }> | undefined {
  let node = body?.errors;
  for (const key of path) node = node?.[String(key)];
  return node?._errors;
}

async function refuses(components: unknown, path: Array<string | number>, code: string): Promise<void> {
  const res = await post(bot, { content: 'x', components });
  assertError(res, 400, 50035);
  const leaf = errorAt(res.body, ['components', ...path]);
  assert.ok(leaf, `no error at components.${path.join('.')}: ${JSON.stringify(res.body)}`);
  assert.equal(leaf[0]!.code, code, JSON.stringify(res.body));
  assert.equal(typeof leaf[0]!.message, 'string');
}

before(async () => {
  t = await startTestServer();
  owner = await t.register();
  member = await t.register();
  guild = await t.createGuild(owner);
  await t.join(owner, guild.id, member);
  const made = await makeBot(t, owner, 'Component Bot');
  bot = made.bot;
  const added = await t.request('POST', `/oauth2/authorize?client_id=${made.app.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, authorize: true, permissions: String(Permissions.MANAGE_WEBHOOKS) } });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  const channels = await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner });
  channel = channels.body.find((c: any) => c.type === 0);
  gateway = await GatewayClient.connect(t.url);
  const ready = await gateway.identify(owner.token);
  for (const g of ready.guilds) await gateway.waitForDispatch('GUILD_CREATE', (d) => d.id === g.id);
});
after(async () => {
  await gateway?.close();
  await t.close();
});

describe('a bot sends components', () => {
  it('buttons and a string select come back numbered, on GET and in MESSAGE_CREATE over the gateway', async () => {
    const components = [
      row(
        button('approve', { style: 3, label: 'Approve', emoji: { name: '✅' } }),
        button('reject', { style: 4, label: 'Reject', disabled: true }),
        button('later', { style: 2 }),
        link('https://example.test/docs'),
      ),
      row(select('colour', { placeholder: 'Pick a colour', min_values: 1, max_values: 2, options: [{ label: 'Red', value: 'red', description: 'warm', emoji: { name: '🔴' }, default: true }, { label: 'Blue', value: 'blue' }] })),
    ];
    const res = await post(bot, { content: 'choose', components });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const expected = [
      {
        type: 1, id: 1, components: [
          { type: 2, id: 2, style: 3, custom_id: 'approve', label: 'Approve', emoji: { name: '✅' } },
          { type: 2, id: 3, style: 4, custom_id: 'reject', label: 'Reject', disabled: true },
          { type: 2, id: 4, style: 2, custom_id: 'later', label: 'later' },
          { type: 2, id: 5, style: 5, url: 'https://example.test/docs', label: 'Docs' },
        ],
      },
      {
        type: 1, id: 6, components: [{
          type: 3, id: 7, custom_id: 'colour', placeholder: 'Pick a colour', min_values: 1, max_values: 2,
          options: [{ label: 'Red', value: 'red', description: 'warm', emoji: { name: '🔴' }, default: true }, { label: 'Blue', value: 'blue' }],
        }],
      },
    ];
    assert.deepEqual(res.body.components, expected);

    const got = await t.request('GET', `/channels/${channel.id}/messages/${res.body.id}`, { auth: member });
    assert.deepEqual(got.body.components, expected);
    const listed = await t.request('GET', `/channels/${channel.id}/messages?limit=5`, { auth: member });
    assert.deepEqual(listed.body.find((m: any) => m.id === res.body.id).components, expected);

    const event = await gateway.waitForDispatch('MESSAGE_CREATE', (d) => d.id === res.body.id);
    assert.deepEqual(event.d.components, expected);
  });

  it('keeps the ids a bot chose and numbers the rest around them; unknown fields are dropped', async () => {
    const res = await post(bot, { components: [row({ ...button('a'), id: 2, extra: 'dropped' }, button('b'))] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.components, [{ type: 1, id: 1, components: [{ type: 2, id: 2, style: 1, custom_id: 'a', label: 'a' }, { type: 2, id: 3, style: 1, custom_id: 'b', label: 'b' }] }]);
    assert.equal(res.body.content, '', 'a message of components alone is not empty');
  });

  it('user, role, mentionable and channel selects with their default values and channel types', async () => {
    const components = [
      row({ type: 5, custom_id: 'who', default_values: [{ id: member.id, type: 'user' }] }),
      row({ type: 6, custom_id: 'role', placeholder: 'A role', disabled: true }),
      row({ type: 7, custom_id: 'any', max_values: 2, default_values: [{ id: member.id, type: 'user' }, { id: guild.id, type: 'role' }] }),
      row({ type: 8, custom_id: 'where', channel_types: [0, 2], default_values: [{ id: channel.id, type: 'channel' }] }),
    ];
    const res = await post(bot, { components });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.components, [
      { type: 1, id: 1, components: [{ type: 5, id: 2, custom_id: 'who', default_values: [{ id: member.id, type: 'user' }] }] },
      { type: 1, id: 3, components: [{ type: 6, id: 4, custom_id: 'role', placeholder: 'A role', disabled: true }] },
      { type: 1, id: 5, components: [{ type: 7, id: 6, custom_id: 'any', max_values: 2, default_values: [{ id: member.id, type: 'user' }, { id: guild.id, type: 'role' }] }] },
      { type: 1, id: 7, components: [{ type: 8, id: 8, custom_id: 'where', channel_types: [0, 2], default_values: [{ id: channel.id, type: 'channel' }] }] },
    ]);
  });

  it('takes components in a multipart body', async () => {
    const form = new FormData();
    form.append('payload_json', JSON.stringify({ content: 'with a file', components: [row(button('file-ok'))], attachments: [{ id: 0, filename: 'note.txt' }] }));
    form.append('files[0]', new Blob(['hello'], { type: 'text/plain' }), 'note.txt');
    const res = await fetch(`${t.api}/channels/${channel.id}/messages`, { method: 'POST', headers: { authorization: bot.auth }, body: form });
    const body = await res.json() as any;
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.attachments.length, 1);
    assert.deepEqual(body.components, [{ type: 1, id: 1, components: [{ type: 2, id: 2, style: 1, custom_id: 'file-ok', label: 'file-ok' }] }]);
  });
});

describe("Discord's component rules", () => {
  it('layout: at most 5 rows, a row of 1–5 buttons or one select, action rows at the top, no text inputs', async () => {
    await refuses('not a list', [], 'BASE_TYPE_INVALID');
    await refuses([1, 2, 3, 4, 5, 6].map((n) => row(button(`b${n}`))), [], 'BASE_TYPE_MAX_LENGTH');
    await refuses([row(...[1, 2, 3, 4, 5, 6].map((n) => button(`w${n}`)))], [0, 'components', 5], 'COMPONENT_LAYOUT_WIDTH_EXCEEDED');
    await refuses([row(button('first'), select('then'))], [0, 'components', 1], 'COMPONENT_LAYOUT_WIDTH_EXCEEDED');
    await refuses([row(select('one'), select('two'))], [0, 'components', 1], 'COMPONENT_LAYOUT_WIDTH_EXCEEDED');
    await refuses([row()], [0, 'components'], 'BASE_TYPE_BAD_LENGTH');
    await refuses([row({ type: 4, custom_id: 'text', style: 1, label: 'Text' })], [0, 'components', 0], 'UNION_TYPE_CHOICES');
    await refuses([button('loose')], [0], 'UNION_TYPE_CHOICES');
    await refuses(['row'], [0], 'MODEL_TYPE_CONVERT');
    await refuses([{ type: 1 }], [0, 'components'], 'BASE_TYPE_REQUIRED');
  });

  it('buttons: style, custom_id or url, label, emoji, premium sku_id', async () => {
    await refuses([row(button('s', { style: 7 }))], [0, 'components', 0, 'style'], 'BASE_TYPE_CHOICES');
    await refuses([row({ type: 2, style: 1, label: 'no id' })], [0, 'components', 0, 'custom_id'], 'BUTTON_COMPONENT_CUSTOM_ID_REQUIRED');
    await refuses([row(button('u', { url: 'https://example.test' }))], [0, 'components', 0, 'url'], 'BUTTON_COMPONENT_CUSTOM_ID_URL_MUTUALLY_EXCLUSIVE');
    await refuses([row({ type: 2, style: 5, label: 'no url' })], [0, 'components', 0, 'url'], 'BUTTON_COMPONENT_URL_REQUIRED');
    await refuses([row(link('https://example.test', { custom_id: 'both' }))], [0, 'components', 0, 'custom_id'], 'BUTTON_COMPONENT_CUSTOM_ID_URL_MUTUALLY_EXCLUSIVE');
    await refuses([row(link('ftp://example.test/file'))], [0, 'components', 0, 'url'], 'URL_TYPE_INVALID_SCHEME');
    await refuses([row(link('not a url'))], [0, 'components', 0, 'url'], 'URL_TYPE_INVALID_URL');
    await refuses([row(link(`https://example.test/${'a'.repeat(512)}`))], [0, 'components', 0, 'url'], 'BASE_TYPE_MAX_LENGTH');
    await refuses([row(button('l', { label: 'x'.repeat(81) }))], [0, 'components', 0, 'label'], 'BASE_TYPE_MAX_LENGTH');
    await refuses([row(button('c'.repeat(101)))], [0, 'components', 0, 'custom_id'], 'BASE_TYPE_MAX_LENGTH');
    await refuses([row(button('e', { emoji: {} }))], [0, 'components', 0, 'emoji'], 'BUTTON_COMPONENT_INVALID_EMOJI');
    await refuses([row(button('e2', { emoji: { id: 'nope' } }))], [0, 'components', 0, 'emoji', 'id'], 'NUMBER_TYPE_COERCE');
    await refuses([row(button('d', { disabled: 'yes' }))], [0, 'components', 0, 'disabled'], 'BASE_TYPE_INVALID');
    await refuses([row({ type: 2, style: 6 })], [0, 'components', 0, 'sku_id'], 'BUTTON_COMPONENT_SKU_ID_REQUIRED');
    await refuses([row({ type: 2, style: 6, sku_id: '123456789012345678', label: 'Buy' })], [0, 'components', 0, 'label'], 'BUTTON_COMPONENT_PREMIUM_FIELD_INVALID');
  });

  it('custom_ids (and ids) are unique within the message', async () => {
    await refuses([row(button('same')), row(button('other'), button('same'))], [1, 'components', 1, 'custom_id'], 'COMPONENT_CUSTOM_ID_DUPLICATED');
    await refuses([row(button('x')), row(select('x'))], [1, 'components', 0, 'custom_id'], 'COMPONENT_CUSTOM_ID_DUPLICATED');
    await refuses([row({ ...button('i1'), id: 9 }, { ...button('i2'), id: 9 })], [0, 'components', 1, 'id'], 'COMPONENT_ID_DUPLICATED');
  });

  it('string selects: 1–25 options with unique values, placeholder, min/max values', async () => {
    await refuses([row({ type: 3, custom_id: 'none' })], [0, 'components', 0, 'options'], 'BASE_TYPE_REQUIRED');
    await refuses([row(select('empty', { options: [] }))], [0, 'components', 0, 'options'], 'BASE_TYPE_BAD_LENGTH');
    const many = Array.from({ length: 26 }, (_, i) => ({ label: `o${i}`, value: `v${i}` }));
    await refuses([row(select('many', { options: many }))], [0, 'components', 0, 'options'], 'BASE_TYPE_BAD_LENGTH');
    await refuses([row({ type: 3, options: [{ label: 'a', value: 'a' }] })], [0, 'components', 0, 'custom_id'], 'BASE_TYPE_REQUIRED');
    await refuses([row(select('lbl', { options: [{ label: 'x'.repeat(101), value: 'a' }] }))], [0, 'components', 0, 'options', 0, 'label'], 'BASE_TYPE_MAX_LENGTH');
    await refuses([row(select('val', { options: [{ label: 'a' }] }))], [0, 'components', 0, 'options', 0, 'value'], 'BASE_TYPE_REQUIRED');
    await refuses([row(select('desc', { options: [{ label: 'a', value: 'a', description: 'd'.repeat(101) }] }))], [0, 'components', 0, 'options', 0, 'description'], 'BASE_TYPE_MAX_LENGTH');
    await refuses([row(select('dup', { options: [{ label: 'a', value: 'v' }, { label: 'b', value: 'v' }] }))], [0, 'components', 0, 'options', 1], 'SELECT_COMPONENT_OPTION_VALUE_DUPLICATED');
    await refuses([row(select('ph', { placeholder: 'p'.repeat(151) }))], [0, 'components', 0, 'placeholder'], 'BASE_TYPE_MAX_LENGTH');
    await refuses([row(select('min', { min_values: 26 }))], [0, 'components', 0, 'min_values'], 'NUMBER_TYPE_MAX');
    await refuses([row(select('max', { max_values: 0 }))], [0, 'components', 0, 'max_values'], 'NUMBER_TYPE_MIN');
    await refuses([row(select('max26', { max_values: 26 }))], [0, 'components', 0, 'max_values'], 'NUMBER_TYPE_MAX');
    await refuses([row(select('minmax', { min_values: 2, max_values: 1 }))], [0, 'components', 0, 'min_values'], 'NUMBER_TYPE_MAX');
    await refuses([row(select('over', { max_values: 3 }))], [0, 'components', 0, 'options'], 'BASE_TYPE_MIN_LENGTH');
    await refuses([row(select('defaults', { options: [{ label: 'a', value: 'a', default: true }, { label: 'b', value: 'b', default: true }] }))], [0, 'components', 0, 'options'], 'SELECT_COMPONENT_TOO_MANY_DEFAULT_VALUES');
  });

  it('auto-populated selects: default values of their kind, as many as min/max values allow; channel types', async () => {
    await refuses([row({ type: 5, custom_id: 'u', default_values: [{ id: guild.id, type: 'role' }] })], [0, 'components', 0, 'default_values', 0, 'type'], 'BASE_TYPE_CHOICES');
    await refuses([row({ type: 8, custom_id: 'c', default_values: [{ id: channel.id, type: 'channel' }, { id: channel.id, type: 'channel' }] })], [0, 'components', 0, 'default_values'], 'BASE_TYPE_BAD_LENGTH');
    await refuses([row({ type: 6, custom_id: 'r', default_values: [{ id: 'x', type: 'role' }] })], [0, 'components', 0, 'default_values', 0, 'id'], 'NUMBER_TYPE_COERCE');
    await refuses([row({ type: 8, custom_id: 'ct', channel_types: ['text'] })], [0, 'components', 0, 'channel_types', 0], 'BASE_TYPE_INVALID');
  });

  it('errors of other fields and of components come back together', async () => {
    const res = await post(bot, { content: 'x'.repeat(2001), components: [row({ type: 2, style: 1 })] });
    assertError(res, 400, 50035);
    assert.equal(errorAt(res.body, ['content'])![0]!.code, 'BASE_TYPE_MAX_LENGTH');
    assert.equal(errorAt(res.body, ['components', 0, 'components', 0, 'custom_id'])![0]!.code, 'BUTTON_COMPONENT_CUSTOM_ID_REQUIRED');
  });
});

describe('user accounts', () => {
  it('interactive components are ignored, as Discord does: alone they make an empty message (50006)', async () => {
    assertError(await post(member, { components: [row(button('mine'))] }), 400, 50006);
    assertError(await post(member, { components: [row(select('pick'))] }), 400, 50006);
    const res = await post(member, { content: 'selects?', components: [row(select('pick'))] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.components, []);
  });

  it('link buttons stay; invalid components are still refused', async () => {
    const res = await post(member, { content: 'read this', components: [row(button('gone'), link('https://example.test/read'))] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.components, [{ type: 1, id: 1, components: [{ type: 2, id: 3, style: 5, label: 'Docs', url: 'https://example.test/read' }] }]);
    const bad = await post(member, { content: 'x', components: [row(link('ftp://example.test'))] });
    assertError(bad, 400, 50035);
  });
});

describe('editing components', () => {
  it('PATCH replaces them, keeps them on a content edit, and removes them with [] or null', async () => {
    const sent = await post(bot, { content: 'v1', components: [row(button('one'))] });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const id = sent.body.id;

    const from = gateway.payloads.length;
    const replaced = await patch(bot, id, { components: [row(button('two', { style: 4 })), row(select('three'))] });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    const expected = [
      { type: 1, id: 1, components: [{ type: 2, id: 2, style: 4, custom_id: 'two', label: 'two' }] },
      { type: 1, id: 3, components: [{ type: 3, id: 4, custom_id: 'three', options: [{ label: 'Red', value: 'red' }, { label: 'Blue', value: 'blue' }] }] },
    ];
    assert.deepEqual(replaced.body.components, expected);
    assert.equal(replaced.body.content, 'v1');
    assert.notEqual(replaced.body.edited_timestamp, null);
    const update = await gateway.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === id, 5000, from);
    assert.deepEqual(update.d.components, expected);

    const contentOnly = await patch(bot, id, { content: 'v2' });
    assert.deepEqual(contentOnly.body.components, expected);

    const cleared = await patch(bot, id, { components: [] });
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
    assert.deepEqual(cleared.body.components, []);
    assert.deepEqual((await t.request('GET', `/channels/${channel.id}/messages/${id}`, { auth: owner })).body.components, []);

    await patch(bot, id, { components: [row(button('again'))] });
    const nulled = await patch(bot, id, { components: null });
    assert.deepEqual(nulled.body.components, []);
  });

  it('edit errors: invalid components (50035), someone else\'s message (50005), nothing left (50006)', async () => {
    const sent = await post(bot, { components: [row(button('only'))] });
    const id = sent.body.id;
    const bad = await patch(bot, id, { components: [row(button('dup'), button('dup'))] });
    assertError(bad, 400, 50035);
    assert.equal(errorAt(bad.body, ['components', 0, 'components', 1, 'custom_id'])![0]!.code, 'COMPONENT_CUSTOM_ID_DUPLICATED');
    assertError(await patch(owner, id, { components: [] }), 403, 50005);
    assertError(await patch(bot, id, { components: [] }), 400, 50006);
    assert.deepEqual((await t.request('GET', `/channels/${channel.id}/messages/${id}`, { auth: owner })).body.components[0].components[0].custom_id, 'only');
  });

  it('a user editing in components keeps only link buttons', async () => {
    const sent = await post(member, { content: 'mine' });
    const res = await patch(member, sent.body.id, { components: [row(button('no'), link('https://example.test/yes'))] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.components.map((r: any) => r.components.map((c: any) => c.style)), [[5]]);
  });
});

describe('webhooks', () => {
  const execute = (hook: any, body: unknown, query = '?wait=true') => t.request('POST', `/webhooks/${hook.id}/${hook.token}${query}`, { body });
  const createHook = async (auth: TestUser, name: string) => {
    const res = await t.request('POST', `/channels/${channel.id}/webhooks`, { auth, body: { name } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  it("a user's webhook: components ignored (unchecked), link buttons kept with with_components=true", async () => {
    const hook = await createHook(owner, 'Plain Hook');
    assert.equal(hook.application_id, null);
    const ignored = await execute(hook, { content: 'x', components: [row(button('a'), link())] });
    assert.equal(ignored.status, 200, JSON.stringify(ignored.body));
    assert.deepEqual(ignored.body.components, []);
    assert.equal((await execute(hook, { content: 'x', components: 'not checked' })).status, 200);

    const linked = await execute(hook, { content: 'x', components: [row(button('a'), link())] }, '?wait=true&with_components=true');
    assert.equal(linked.status, 200, JSON.stringify(linked.body));
    assert.deepEqual(linked.body.components, [{ type: 1, id: 1, components: [{ type: 2, id: 3, style: 5, label: 'Docs', url: 'https://example.test/docs' }] }]);
    assertError(await execute(hook, { content: 'x', components: [row(link('ftp://x.test'))] }, '?wait=true&with_components=true'), 400, 50035);
  });

  it("a bot's webhook is application-owned: every component, checked; its edits replace and remove them", async () => {
    const hook = await createHook(bot, 'Bot Hook');
    assert.equal(hook.application_id, bot.id);
    const sent = await execute(hook, { components: [row(button('hook-a'), link()), row(select('hook-s'))] });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(sent.body.application_id, bot.id);
    assert.deepEqual(sent.body.components.map((r: any) => r.components.map((c: any) => c.custom_id ?? c.url)), [['hook-a', 'https://example.test/docs'], ['hook-s']]);
    const bad = await execute(hook, { content: 'x', components: [row(button('d'), button('d'))] });
    assertError(bad, 400, 50035);

    const edited = await t.request('PATCH', `/webhooks/${hook.id}/${hook.token}/messages/${sent.body.id}`, { body: { content: 'now with text', components: [row(button('hook-b'))] } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.deepEqual(edited.body.components, [{ type: 1, id: 1, components: [{ type: 2, id: 2, style: 1, custom_id: 'hook-b', label: 'hook-b' }] }]);
    const removed = await t.request('PATCH', `/webhooks/${hook.id}/${hook.token}/messages/${sent.body.id}`, { body: { components: [] } });
    assert.deepEqual(removed.body.components, []);
  });
});
