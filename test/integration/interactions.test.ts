/**
 * Interactions over real HTTP and the gateway: a user invokes a slash command (POST /interactions), the bot's
 * session gets INTERACTION_CREATE with resolved data, and answers through the callback (message, deferred then
 * @original edit, follow-ups, ephemeral, modal and its submit, a button click and UPDATE_MESSAGE, auto-populated
 * selects with their resolved users, members, roles and channels); Discord's
 * refusals (unknown command, bad options, permissions and command permission overrides, answering twice, wrong
 * token).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { assertError, makeBot } from './fixtures.guilds.ts';
import { overwrite } from './fixtures.messages.ts';
import { GatewayClient } from './gateway-client.ts';
import { oggOpusBytes, waveformBase64 } from '../helpers/voice-message.ts';

let t: TestServer;
let owner: TestUser;
let member: TestUser;
let guild: any;
let channel: any;
let app: any;
let bot: TestUser;
let botGw: GatewayClient;
let memberGw: GatewayClient;
let ownerGw: GatewayClient;
const commands: Record<string, any> = {};

before(async () => {
  t = await startTestServer();
  owner = await t.register();
  member = await t.register();
  guild = await t.createGuild(owner, 'Interactions');
  await t.join(owner, guild.id, member);
  channel = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
  ({ app, bot } = await makeBot(t, owner, 'Interact Bot'));
  const auth = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, authorize: true } });
  assert.equal(auth.status, 200, JSON.stringify(auth.body));
  const defs = [
    {
      name: 'echo', description: 'Echoes', options: [
        { type: 3, name: 'text', description: 'What to say', required: true },
        { type: 3, name: 'mood', description: 'Mood', choices: [{ name: 'Happy', value: 'happy' }, { name: 'Sad', value: 'sad' }] },
        { type: 4, name: 'times', description: 'Times', min_value: 1, max_value: 3 },
        { type: 6, name: 'who', description: 'Someone' },
        { type: 8, name: 'role', description: 'A role' },
      ],
    },
    { name: 'admin', description: 'Managers only', default_member_permissions: Permissions.MANAGE_GUILD.toString() },
    { name: 'locked', description: 'Overridden' },
    { name: 'Poke', type: 2 },
    { name: 'search', description: 'Search', options: [{ type: 3, name: 'q', description: 'Query', required: true, autocomplete: true }] },
  ];
  for (const body of defs) {
    const res = await t.request('POST', `/applications/${app.id}/guilds/${guild.id}/commands`, { auth: bot, body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    commands[body.name] = res.body;
  }
  botGw = await GatewayClient.connect(t.url);
  await botGw.identify(bot.token);
  memberGw = await GatewayClient.connect(t.url);
  await memberGw.identify(member.token);
  ownerGw = await GatewayClient.connect(t.url);
  await ownerGw.identify(owner.token);
});

after(async () => {
  await botGw?.close();
  await memberGw?.close();
  await ownerGw?.close();
  await t?.close();
});

let nonceSeq = 0;

/** Invokes `command` as `user` and returns the 204 response. */
function invoke(user: TestUser, body: Record<string, unknown>) {
  return t.request('POST', '/interactions', { auth: user, body: { application_id: app.id, guild_id: guild.id, channel_id: channel.id, session_id: 'test', ...body } });
}

/** Invokes a slash command and returns the INTERACTION_CREATE the bot's session got. */
async function slash(user: TestUser, name: string, options?: unknown[]): Promise<any> {
  const nonce = `n${++nonceSeq}`;
  const c = commands[name];
  const res = await invoke(user, { type: 2, nonce, data: { id: c.id, name: c.name, type: c.type, version: c.version, ...(options ? { options } : {}) } });
  assert.equal(res.status, 204, JSON.stringify(res.body));
  // The invoking user's session learns the interaction's id under its nonce.
  const mine = await (user === member ? memberGw : ownerGw).waitForDispatch('INTERACTION_CREATE', (d) => d.nonce === nonce);
  return (await botGw.waitForDispatch('INTERACTION_CREATE', (d) => d.id === mine.d.id)).d;
}

function callback(i: { id: string; token: string }, body: unknown, query = '') {
  return t.request('POST', `/interactions/${i.id}/${i.token}/callback${query}`, { body });
}

describe('interactions', () => {
  it('delivers a slash command to the bot with its shape and resolved data; a reply is a type 20 message with interaction_metadata', async () => {
    const role = await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'pingable' } });
    const i = await slash(member, 'echo', [
      { type: 3, name: 'text', value: 'hello' }, { type: 4, name: 'times', value: 2 }, { type: 6, name: 'who', value: owner.id }, { type: 8, name: 'role', value: role.body.id },
    ]);
    assert.equal(i.type, 2);
    assert.equal(i.application_id, app.id);
    assert.equal(i.guild_id, guild.id);
    assert.equal(i.channel_id, channel.id);
    assert.equal(i.channel.id, channel.id);
    assert.equal(i.version, 1);
    assert.ok(i.token.length >= 64);
    assert.equal(i.member.user.id, member.id);
    assert.match(i.member.permissions, /^\d+$/);
    assert.match(i.app_permissions, /^\d+$/);
    assert.equal(i.locale, 'en-US');
    assert.deepEqual(i.entitlements, []);
    assert.deepEqual(i.authorizing_integration_owners, { 0: guild.id });
    assert.equal(i.context, 0);
    assert.equal(typeof i.attachment_size_limit, 'number');
    assert.equal(i.data.id, commands.echo.id);
    assert.equal(i.data.name, 'echo');
    assert.equal(i.data.options.length, 4);
    assert.equal(i.data.resolved.users[owner.id].id, owner.id);
    assert.ok(i.data.resolved.members[owner.id].permissions);
    assert.equal(i.data.resolved.members[owner.id].user, undefined);
    assert.equal(i.data.resolved.roles[role.body.id].name, 'pingable');

    const res = await callback(i, { type: 4, data: { content: 'hello back' } }, '?with_response=true');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.interaction.id, i.id);
    assert.equal(res.body.resource.type, 4);
    const created = await memberGw.waitForDispatch('MESSAGE_CREATE', (d) => d.id === res.body.resource.message.id);
    assert.equal(created.d.type, 20);
    assert.equal(created.d.content, 'hello back');
    assert.equal(created.d.author.id, bot.id);
    assert.equal(created.d.application_id, app.id);
    assert.equal(created.d.interaction_metadata.id, i.id);
    assert.equal(created.d.interaction_metadata.type, 2);
    assert.equal(created.d.interaction_metadata.user.id, member.id);
    assert.equal(created.d.interaction.name, 'echo');
    await memberGw.waitForDispatch('INTERACTION_SUCCESS', (d) => d.id === i.id);

    // A second response is refused.
    assertError(await callback(i, { type: 4, data: { content: 'again' } }), 400, 40060);
    // A wrong token knows no interaction.
    assertError(await callback({ id: i.id, token: 'x'.repeat(96) }, { type: 4, data: { content: 'no' } }), 404, 10062);
  });

  it('a deferred response may be filled with a poll, whose end is announced like any poll; a later edit may not add one', async () => {
    const i = await slash(member, 'echo', [{ type: 3, name: 'text', value: 'vote' }]);
    assert.equal((await callback(i, { type: 5 })).status, 204);
    const loading = await memberGw.waitForDispatch('MESSAGE_CREATE', (d) => d.interaction_metadata?.id === i.id);
    const poll = { question: { text: 'Lunch?' }, answers: [{ poll_media: { text: 'Pizza' } }, { poll_media: { text: 'Salad' } }], duration: 1 };
    const filled = await t.request('PATCH', `/webhooks/${app.id}/${i.token}/messages/@original`, { body: { poll } });
    assert.equal(filled.status, 200, JSON.stringify(filled.body));
    assert.equal(filled.body.poll.question.text, 'Lunch?');
    assert.deepEqual(filled.body.poll.answers.map((a: any) => a.poll_media.text), ['Pizza', 'Salad']);
    assert.equal(filled.body.flags & 128, 0, 'no longer loading');
    const update = await memberGw.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === loading.d.id && d.poll);
    assert.equal(update.d.poll.question.text, 'Lunch?');
    const endings = await t.store.pollVotes.dueEndings(Date.now() + 2 * 3_600_000, 1000);
    assert.ok(endings.some((e) => e.messageId === loading.d.id), 'its end is due in an hour, as a new poll\'s is');
    // Once filled, an edit adds no poll (Discord: only when editing a deferred response).
    const again = await t.request('PATCH', `/webhooks/${app.id}/${i.token}/messages/@original`, { body: { poll } });
    assertError(again, 400, 50035);
    assert.ok(again.body.errors.poll, JSON.stringify(again.body));

    // A deferred response filled with a Components V2 layout takes no poll (a layout "can only contain components"),
    // and the refusal writes nothing: the message is still loading.
    const j = await slash(member, 'echo', [{ type: 3, name: 'text', value: 'layout' }]);
    assert.equal((await callback(j, { type: 5 })).status, 204);
    const pending = await memberGw.waitForDispatch('MESSAGE_CREATE', (d) => d.interaction_metadata?.id === j.id);
    const layout = await t.request('PATCH', `/webhooks/${app.id}/${j.token}/messages/@original`, { body: { flags: 1 << 15, components: [{ type: 10, content: 'Lunch?' }], poll } });
    assertError(layout, 400, 50035);
    assert.ok(layout.body.errors.poll, JSON.stringify(layout.body));
    const still = await t.request('GET', `/webhooks/${app.id}/${j.token}/messages/@original`);
    assert.equal(still.status, 200, JSON.stringify(still.body));
    assert.equal(still.body.id, pending.d.id);
    assert.equal(still.body.flags & 128, 128, 'still loading');
    assert.equal(still.body.poll, undefined);
  });

  it('defers, fills @original with an edit, and follows up', async () => {
    const i = await slash(member, 'echo', [{ type: 3, name: 'text', value: 'slow' }]);
    assert.equal((await callback(i, { type: 5 })).status, 204);
    const loading = await memberGw.waitForDispatch('MESSAGE_CREATE', (d) => d.interaction_metadata?.id === i.id);
    assert.equal(loading.d.flags & 128, 128);
    const original = await t.request('GET', `/webhooks/${app.id}/${i.token}/messages/@original`);
    assert.equal(original.status, 200, JSON.stringify(original.body));
    assert.equal(original.body.id, loading.d.id);

    const edited = await t.request('PATCH', `/webhooks/${app.id}/${i.token}/messages/@original`, { body: { content: 'done thinking' } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.content, 'done thinking');
    assert.equal(edited.body.flags & 128, 0);
    const update = await memberGw.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === loading.d.id && d.content === 'done thinking');
    assert.equal(update.d.flags & 128, 0);

    const follow = await t.request('POST', `/webhooks/${app.id}/${i.token}`, { body: { content: 'one more thing' } });
    assert.equal(follow.status, 200, JSON.stringify(follow.body));
    assert.equal(follow.body.interaction_metadata.original_response_message_id, loading.d.id);
    await memberGw.waitForDispatch('MESSAGE_CREATE', (d) => d.id === follow.body.id);
    const got = await t.request('GET', `/webhooks/${app.id}/${i.token}/messages/${follow.body.id}`);
    assert.equal(got.body.content, 'one more thing');
    assert.equal((await t.request('DELETE', `/webhooks/${app.id}/${i.token}/messages/${follow.body.id}`)).status, 204);
    await memberGw.waitForDispatch('MESSAGE_DELETE', (d) => d.id === follow.body.id);
  });

  it('right after a deferral, a follow-up fills the loading message (ephemeral flag ignored); with_response answers Discord\'s shape', async () => {
    const i = await slash(member, 'echo', [{ type: 3, name: 'text', value: 'later' }]);
    const deferred = await callback(i, { type: 5 }, '?with_response=true');
    assert.equal(deferred.status, 200, JSON.stringify(deferred.body));
    const loadingId = deferred.body.interaction.response_message_id;
    assert.equal(deferred.body.interaction.response_message_loading, true);
    assert.equal(deferred.body.interaction.response_message_ephemeral, false);
    assert.equal('activity_instance_id' in deferred.body.interaction, false);
    assert.deepEqual(deferred.body.resource, { type: 5 }, 'no message for a deferral');

    const follow = await t.request('POST', `/webhooks/${app.id}/${i.token}`, { body: { content: 'finished', flags: 64 } });
    assert.equal(follow.status, 200, JSON.stringify(follow.body));
    assert.equal(follow.body.id, loadingId, 'the loading message, not a new one');
    assert.equal(follow.body.content, 'finished');
    assert.equal(follow.body.flags & (64 | 128), 0, 'filled, and not made ephemeral');
    await memberGw.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === loadingId && d.content === 'finished');
    // Once filled, follow-ups are new messages again.
    const next = await t.request('POST', `/webhooks/${app.id}/${i.token}`, { body: { content: 'and more' } });
    assert.notEqual(next.body.id, loadingId);

    const j = await slash(member, 'echo', [{ type: 3, name: 'text', value: 'quick' }]);
    const modal = await callback(j, { type: 9, data: { custom_id: 'm', title: 'Tell me', components: [{ type: 1, components: [{ type: 4, custom_id: 'x', label: 'X', style: 1 }] }] } }, '?with_response=true');
    assert.equal(modal.status, 200, JSON.stringify(modal.body));
    assert.deepEqual(Object.keys(modal.body.interaction).sort(), ['id', 'type'], 'no message: no response_message_* fields, no nulls');
    assert.deepEqual(modal.body.resource, { type: 9 });
  });

  it('a follow-up may be a voice message; with text beside it, or edited afterwards, it is refused with Discord\'s codes', async () => {
    const i = await slash(member, 'echo', [{ type: 3, name: 'text', value: 'say it' }]);
    assert.equal((await callback(i, { type: 5 })).status, 204);
    // Filled first: right after a deferral a follow-up would fill the loading message instead (test below).
    assert.equal((await t.request('PATCH', `/webhooks/${app.id}/${i.token}/messages/@original`, { body: { content: 'here it comes' } })).status, 200);
    const voiceBody = (payload: Record<string, unknown>) => {
      const form = new FormData();
      form.append('files[0]', new Blob([Uint8Array.from(oggOpusBytes())]), 'voice-message.ogg');
      form.append('payload_json', JSON.stringify({ flags: 1 << 13, attachments: [{ id: 0, duration_secs: 2, waveform: waveformBase64() }], ...payload }));
      return form;
    };
    const url = `${t.api}/webhooks/${app.id}/${i.token}`;
    const refused = await fetch(url, { method: 'POST', body: voiceBody({ content: 'and words' }) });
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as { code: number }).code, 50159);
    const sent = await fetch(url, { method: 'POST', body: voiceBody({}) });
    const follow = (await sent.json()) as any;
    assert.equal(sent.status, 200, JSON.stringify(follow));
    assert.equal(follow.flags & (1 << 13), 1 << 13);
    assert.equal(follow.attachments[0].duration_secs, 2);
    assertError(await t.request('PATCH', `/webhooks/${app.id}/${i.token}/messages/${follow.id}`, { body: { content: 'words now' } }), 400, 50162);
  });

  it('an ephemeral response reaches the invoker only and stays out of the channel history', async () => {
    const i = await slash(member, 'echo', [{ type: 3, name: 'text', value: 'secret' }]);
    const res = await callback(i, { type: 4, data: { content: 'only you', flags: 64 } }, '?with_response=true');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const eph = res.body.resource.message;
    assert.equal(eph.flags & 64, 64);
    assert.equal(res.body.interaction.response_message_ephemeral, true);
    await memberGw.waitForDispatch('MESSAGE_CREATE', (d) => d.id === eph.id);
    // A later public follow-up reaches the owner; the ephemeral one never was sent to them.
    const follow = await t.request('POST', `/webhooks/${app.id}/${i.token}`, { body: { content: 'public now' } });
    assert.equal(follow.status, 200, JSON.stringify(follow.body));
    await ownerGw.waitForDispatch('MESSAGE_CREATE', (d) => d.id === follow.body.id);
    assert.equal(ownerGw.dispatches('MESSAGE_CREATE').some((p) => p.d.id === eph.id), false);
    assert.equal(botGw.dispatches('MESSAGE_CREATE').some((p) => p.d.id === eph.id), false);
    for (const who of [owner, member]) {
      const history = await t.request('GET', `/channels/${channel.id}/messages?limit=50`, { auth: who });
      assert.equal(history.body.some((m: any) => m.id === eph.id), false);
    }
    // The application still reads and edits it through the interaction's webhook.
    const edit = await t.request('PATCH', `/webhooks/${app.id}/${i.token}/messages/${eph.id}`, { body: { content: 'only you, edited' } });
    assert.equal(edit.status, 200, JSON.stringify(edit.body));
    await memberGw.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === eph.id && d.content === 'only you, edited');
  });

  it('an ephemeral Components V2 response: its edits take no files and give outside pictures their proxy_url', async () => {
    const i = await slash(member, 'echo', [{ type: 3, name: 'text', value: 'layout' }]);
    const res = await callback(i, { type: 4, data: { flags: 64 | (1 << 15), components: [{ type: 10, content: 'just you' }] } }, '?with_response=true');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const eph = res.body.resource.message;
    assert.equal(eph.flags, 64 | (1 << 15));
    const url = `/webhooks/${app.id}/${i.token}/messages/${eph.id}`;
    const gallery = (mediaUrl: string) => ({ components: [{ type: 12, items: [{ media: { url: mediaUrl } }] }] });
    const edited = await t.request('PATCH', url, { body: gallery('https://example.test/chart.png') });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    const media = edited.body.components[0].items[0].media;
    assert.equal(media.url, 'https://example.test/chart.png');
    assert.match(media.proxy_url, /\/external\/[A-Za-z0-9_-]{43}\/https\/example\.test\/chart\.png$/);
    const withFile = await t.request('PATCH', url, { body: gallery('attachment://chart.png') });
    assertError(withFile, 400, 50035);
    assert.equal(withFile.body.errors.components[0].items[0].media.url._errors[0].code, 'UNFURLED_MEDIA_ITEM_ATTACHMENT_NOT_FOUND');
    const withContent = await t.request('PATCH', url, { body: { content: 'words' } });
    assertError(withContent, 400, 50035);
  });

  it('refuses unknown commands, outdated versions and invalid options', async () => {
    const c = commands.echo;
    assertError(await invoke(member, { type: 2, data: { id: '1234567890123', name: 'echo', type: 1 } }), 404, 10063);
    assertError(await invoke(member, { type: 2, data: { id: c.id, name: 'echo', type: 1, version: '1' } }), 400, 50035);
    const base = { id: c.id, name: 'echo', type: 1, version: c.version };
    assertError(await invoke(member, { type: 2, data: { ...base, options: [] } }), 400, 50035);
    assertError(await invoke(member, { type: 2, data: { ...base, options: [{ type: 3, name: 'text', value: 'x' }, { type: 3, name: 'mood', value: 'angry' }] } }), 400, 50035);
    assertError(await invoke(member, { type: 2, data: { ...base, options: [{ type: 3, name: 'text', value: 'x' }, { type: 4, name: 'times', value: 9 }] } }), 400, 50035);
    assertError(await invoke(member, { type: 2, data: { ...base, options: [{ type: 4, name: 'text', value: 3 }] } }), 400, 50035);
    assertError(await invoke(member, { type: 7, data: {} }), 400, 50035);
  });

  it('checks USE_APPLICATION_COMMANDS, default_member_permissions and command permission overrides', async () => {
    // default_member_permissions: MANAGE_GUILD — the member lacks it, the owner has it.
    const admin = commands.admin;
    const adminData = { id: admin.id, name: admin.name, type: 1, version: admin.version };
    assertError(await invoke(member, { type: 2, data: adminData }), 403, 50013);
    assert.equal((await invoke(owner, { type: 2, data: adminData })).status, 204);

    // An override denying the member this command.
    const locked = commands.locked;
    const lockedData = { id: locked.id, name: locked.name, type: 1, version: locked.version };
    assert.equal((await invoke(member, { type: 2, data: lockedData })).status, 204);
    await t.store.applicationCommands.setPermissions({ applicationId: app.id, guildId: guild.id, commandId: locked.id, permissions: [{ id: member.id, type: 2, permission: false }] });
    assertError(await invoke(member, { type: 2, data: lockedData }), 403, 50013);
    // A channel entry denying every channel refuses everyone else too, unless they are allowed by user id.
    await t.store.applicationCommands.setPermissions({ applicationId: app.id, guildId: guild.id, commandId: locked.id, permissions: [{ id: guild.id, type: 1, permission: false }] });
    assertError(await invoke(member, { type: 2, data: lockedData }), 403, 50013);
    await t.store.applicationCommands.setPermissions({ applicationId: app.id, guildId: guild.id, commandId: locked.id, permissions: [{ id: guild.id, type: 1, permission: false }, { id: member.id, type: 2, permission: true }] });
    assert.equal((await invoke(member, { type: 2, data: lockedData })).status, 204);

    // No USE_APPLICATION_COMMANDS in the channel.
    await overwrite(t, owner, channel.id, member.id, 1, 0n, Permissions.USE_APPLICATION_COMMANDS);
    try {
      const echo = commands.echo;
      assertError(await invoke(member, { type: 2, data: { id: echo.id, name: 'echo', type: 1, version: echo.version, options: [{ type: 3, name: 'text', value: 'x' }] } }), 403, 50013);
    } finally {
      await t.request('DELETE', `/channels/${channel.id}/permissions/${member.id}`, { auth: owner });
    }
  });

  it('a user command resolves its target', async () => {
    const poke = commands.Poke;
    const nonce = 'poke1';
    const res = await invoke(member, { type: 2, nonce, data: { id: poke.id, name: 'Poke', type: 2, version: poke.version, target_id: owner.id } });
    assert.equal(res.status, 204, JSON.stringify(res.body));
    const mine = await memberGw.waitForDispatch('INTERACTION_CREATE', (d) => d.nonce === nonce);
    const i = (await botGw.waitForDispatch('INTERACTION_CREATE', (d) => d.id === mine.d.id)).d;
    assert.equal(i.data.target_id, owner.id);
    assert.equal(i.data.resolved.users[owner.id].id, owner.id);
    const reply = await callback(i, { type: 4, data: { content: 'poked' } }, '?with_response=true');
    assert.equal(reply.body.resource.message.type, 23);
  });

  it('a button click reaches the bot as a component interaction; UPDATE_MESSAGE edits the message', async () => {
    const i = await slash(member, 'echo', [{ type: 3, name: 'text', value: 'buttons' }]);
    const res = await callback(i, {
      type: 4, data: { content: 'press it', components: [{ type: 1, components: [{ type: 2, style: 1, label: 'Press', custom_id: 'press' }] }] },
    }, '?with_response=true');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const message = res.body.resource.message;

    assertError(await invoke(member, { type: 3, message_id: message.id, data: { custom_id: 'nope', component_type: 2 } }), 400, 50035);
    const nonce = 'click1';
    assert.equal((await invoke(member, { type: 3, nonce, message_id: message.id, data: { custom_id: 'press', component_type: 2 } })).status, 204);
    const mine = await memberGw.waitForDispatch('INTERACTION_CREATE', (d) => d.nonce === nonce);
    const click = (await botGw.waitForDispatch('INTERACTION_CREATE', (d) => d.id === mine.d.id)).d;
    assert.equal(click.type, 3);
    assert.deepEqual(click.data, { custom_id: 'press', component_type: 2 });
    assert.equal(click.message.id, message.id);

    assert.equal((await callback(click, { type: 7, data: { content: 'pressed', components: [] } })).status, 204);
    const update = await memberGw.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === message.id && d.content === 'pressed');
    assert.deepEqual(update.d.components, []);
  });

  it('user, role, mentionable and channel selects send their values with resolved data; bad values refused', async () => {
    const role = (await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'Pickable' } })).body;
    const voice = (await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'talk', type: 2 } })).body;
    const i = await slash(member, 'echo', [{ type: 3, name: 'text', value: 'selects' }]);
    const res = await callback(i, {
      type: 4, data: {
        content: 'pick', components: [
          { type: 1, components: [{ type: 5, custom_id: 'who' }] },
          { type: 1, components: [{ type: 6, custom_id: 'role' }] },
          { type: 1, components: [{ type: 7, custom_id: 'any', max_values: 2 }] },
          { type: 1, components: [{ type: 8, custom_id: 'where', channel_types: [0] }] },
        ],
      },
    }, '?with_response=true');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const message = res.body.resource.message;
    let seq = 0;
    const pick = async (custom_id: string, component_type: number, values: string[]) => {
      const nonce = `select${++seq}`;
      const r = await invoke(member, { type: 3, nonce, message_id: message.id, data: { custom_id, component_type, values } });
      assert.equal(r.status, 204, JSON.stringify(r.body));
      const mine = await memberGw.waitForDispatch('INTERACTION_CREATE', (d) => d.nonce === nonce);
      return (await botGw.waitForDispatch('INTERACTION_CREATE', (d) => d.id === mine.d.id)).d;
    };

    const user = await pick('who', 5, [owner.id]);
    assert.deepEqual(user.data.values, [owner.id]);
    assert.equal(user.data.resolved.users[owner.id].id, owner.id);
    assert.ok(user.data.resolved.members[owner.id].joined_at);
    assert.equal(user.data.resolved.members[owner.id].user, undefined, 'members in resolved carry no user');
    assert.equal(typeof user.data.resolved.members[owner.id].permissions, 'string');

    const roles = await pick('role', 6, [role.id]);
    assert.deepEqual(roles.data.resolved, { roles: { [role.id]: roles.data.resolved.roles[role.id] } });
    assert.equal(roles.data.resolved.roles[role.id].name, 'Pickable');

    const any = await pick('any', 7, [member.id, role.id]);
    assert.deepEqual(any.data.values, [member.id, role.id]);
    assert.ok(any.data.resolved.users[member.id] && any.data.resolved.members[member.id] && any.data.resolved.roles[role.id]);

    const where = await pick('where', 8, [channel.id]);
    assert.equal(where.data.resolved.channels[channel.id].name, channel.name);
    assert.equal(where.data.resolved.channels[channel.id].type, 0);

    const refused = async (custom_id: string, component_type: number, values: string[]) => {
      const r = await invoke(member, { type: 3, message_id: message.id, data: { custom_id, component_type, values } });
      assertError(r, 400, 50035);
      assert.equal(r.body.errors.data.values._errors[0].code, 'COMPONENT_INVALID');
    };
    await refused('who', 5, [role.id]); // a role in a user select
    await refused('role', 6, [owner.id]); // a user in a role select
    await refused('who', 5, ['123456789012345678']); // no such user
    await refused('who', 5, ['nope']); // not a snowflake
    await refused('where', 8, [voice.id]); // not of the select's channel_types
    await refused('who', 5, [owner.id, member.id]); // over max_values (1)
    await refused('who', 5, []); // under min_values (1)
    await refused('any', 7, [member.id, member.id]); // twice
  });

  it('shows a modal and takes its submit once', async () => {
    const i = await slash(member, 'echo', [{ type: 3, name: 'text', value: 'form' }]);
    const modal = { custom_id: 'feedback', title: 'Feedback', components: [{ type: 1, components: [{ type: 4, custom_id: 'body', label: 'Say', style: 1 }] }] };
    assert.equal((await callback(i, { type: 9, data: modal })).status, 204);
    const shown = await memberGw.waitForDispatch('INTERACTION_MODAL_CREATE', (d) => d.id === i.id);
    assert.equal(shown.d.custom_id, 'feedback');
    assert.equal(shown.d.title, 'Feedback');

    const submit = { custom_id: 'feedback', components: [{ type: 1, components: [{ type: 4, custom_id: 'body', value: 'great' }] }] };
    assertError(await invoke(owner, { type: 5, data: submit }), 400, 50035);
    const nonce = 'modal1';
    assert.equal((await invoke(member, { type: 5, nonce, data: submit })).status, 204);
    const mine = await memberGw.waitForDispatch('INTERACTION_CREATE', (d) => d.nonce === nonce);
    const got = (await botGw.waitForDispatch('INTERACTION_CREATE', (d) => d.id === mine.d.id)).d;
    assert.equal(got.type, 5);
    assert.equal(got.data.custom_id, 'feedback');
    assert.equal(got.data.components[0].components[0].value, 'great');
    const reply = await callback(got, { type: 4, data: { content: 'thanks' } }, '?with_response=true');
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.resource.message.interaction_metadata.triggering_interaction_metadata.id, i.id);
    // Submitted once: the same modal again is unknown.
    assertError(await invoke(member, { type: 5, data: submit }), 400, 50035);
  });

  it('an autocomplete invocation takes choices (type 8) and nothing else', async () => {
    const c = commands.search;
    const nonce = 'ac1';
    const res = await invoke(member, { type: 4, nonce, data: { id: c.id, name: 'search', type: 1, version: c.version, options: [{ type: 3, name: 'q', value: 'ap', focused: true }] } });
    assert.equal(res.status, 204, JSON.stringify(res.body));
    const mine = await memberGw.waitForDispatch('INTERACTION_CREATE', (d) => d.nonce === nonce);
    const i = (await botGw.waitForDispatch('INTERACTION_CREATE', (d) => d.id === mine.d.id)).d;
    assert.equal(i.type, 4);
    assert.equal(i.data.options[0].focused, true);
    assertError(await callback(i, { type: 4, data: { content: 'no' } }), 400, 50035);
    assert.equal((await callback(i, { type: 8, data: { choices: [{ name: 'apple', value: 'apple' }] } })).status, 204);
    const shown = await memberGw.waitForDispatch('APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE', (d) => d.nonce === nonce);
    assert.deepEqual(shown.d.choices, [{ name: 'apple', value: 'apple' }]);
    // A command invocation cannot answer with choices.
    const cmd = await slash(member, 'echo', [{ type: 3, name: 'text', value: 'x' }]);
    assertError(await callback(cmd, { type: 8, data: { choices: [] } }), 400, 50035);
    assert.equal((await callback(cmd, { type: 4, data: { content: 'ok' } })).status, 204);
  });

  it('an interaction left unanswered fails: the user is told, a late callback gets 10062', async () => {
    const i = await slash(member, 'echo', [{ type: 3, name: 'text', value: 'ignored' }]);
    await memberGw.waitForDispatch('INTERACTION_FAILURE', (d) => d.id === i.id, 10_000);
    assertError(await callback(i, { type: 4, data: { content: 'too late' } }), 404, 10062);
    assertError(await t.request('POST', `/webhooks/${app.id}/${i.token}`, { body: { content: 'follow' } }), 404, 10015);
  });

  it('a button on an ephemeral reply works for its user only', async () => {
    const i = await slash(member, 'echo', [{ type: 3, name: 'text', value: 'private buttons' }]);
    const res = await callback(i, {
      type: 4, data: { content: 'just you', flags: 64, components: [{ type: 1, components: [{ type: 2, style: 2, label: 'Hide', custom_id: 'hide' }] }] },
    }, '?with_response=true');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const eph = res.body.resource.message;
    // Nobody else can click it: to them the message does not exist.
    assertError(await invoke(owner, { type: 3, message_id: eph.id, data: { custom_id: 'hide', component_type: 2 } }), 404, 10008);
    const nonce = 'ephclick';
    assert.equal((await invoke(member, { type: 3, nonce, message_id: eph.id, data: { custom_id: 'hide', component_type: 2 } })).status, 204);
    const mine = await memberGw.waitForDispatch('INTERACTION_CREATE', (d) => d.nonce === nonce);
    const click = (await botGw.waitForDispatch('INTERACTION_CREATE', (d) => d.id === mine.d.id)).d;
    assert.equal(click.message.id, eph.id);
    assert.equal(click.message.flags & 64, 64);
    assert.equal((await callback(click, { type: 7, data: { content: 'hidden', components: [] } })).status, 204);
    await memberGw.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === eph.id && d.content === 'hidden');
    assert.equal(ownerGw.dispatches('MESSAGE_UPDATE').some((p) => p.d.id === eph.id), false);
  });
});
