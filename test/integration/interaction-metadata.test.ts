/**
 * `interaction_metadata` (and the legacy `interaction`) on the messages an interaction makes, kept with the
 * message for good: a channel's history, a read of one message and a later MESSAGE_UPDATE show them in Discord's
 * shape, also once the interaction itself is long gone (its 15 minutes swept from the store). Per kind: a slash
 * command's reply, a deferred reply, a follow-up (original_response_message_id), a user command (target_user), a
 * message command (target_message_id), a button (interacted_message_id) and a modal submit
 * (triggering_interaction_metadata).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { makeBot } from './fixtures.guilds.ts';
import { GatewayClient } from './gateway-client.ts';

let t: TestServer;
let owner: TestUser;
let member: TestUser;
let guild: any;
let channel: any;
let app: any;
let bot: TestUser;
let botGw: GatewayClient;
let memberGw: GatewayClient;
const commands: Record<string, any> = {};

before(async () => {
  t = await startTestServer();
  owner = await t.register();
  member = await t.register();
  guild = await t.createGuild(owner, 'Metadata');
  await t.join(owner, guild.id, member);
  channel = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
  ({ app, bot } = await makeBot(t, owner, 'Metadata Bot'));
  const auth = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, authorize: true } });
  assert.equal(auth.status, 200, JSON.stringify(auth.body));
  for (const body of [{ name: 'ping', description: 'Ping' }, { name: 'Poke', type: 2 }, { name: 'Quote', type: 3 }]) {
    const res = await t.request('POST', `/applications/${app.id}/guilds/${guild.id}/commands`, { auth: bot, body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    commands[body.name] = res.body;
  }
  botGw = await GatewayClient.connect(t.url);
  await botGw.identify(bot.token);
  memberGw = await GatewayClient.connect(t.url);
  await memberGw.identify(member.token);
});

after(async () => {
  await botGw?.close();
  await memberGw?.close();
  await t?.close();
});

let seq = 0;

/** Invokes as the member and returns the INTERACTION_CREATE the bot got. */
async function invoke(body: Record<string, unknown>): Promise<any> {
  const nonce = `meta${++seq}`;
  const res = await t.request('POST', '/interactions', { auth: member, body: { application_id: app.id, guild_id: guild.id, channel_id: channel.id, session_id: 's', nonce, ...body } });
  assert.equal(res.status, 204, JSON.stringify(res.body));
  const mine = await memberGw.waitForDispatch('INTERACTION_CREATE', (d) => d.nonce === nonce);
  return (await botGw.waitForDispatch('INTERACTION_CREATE', (d) => d.id === mine.d.id)).d;
}

const command = (name: string, extra: Record<string, unknown> = {}) =>
  invoke({ type: 2, data: { id: commands[name].id, name, type: commands[name].type, version: commands[name].version, ...extra } });

async function reply(i: any, data: Record<string, unknown>): Promise<any> {
  const res = await t.request('POST', `/interactions/${i.id}/${i.token}/callback?with_response=true`, { body: { type: 4, data } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.resource.message;
}

/** The message as history shows it, and as GET of the one message does (they must agree). */
async function fromHistory(id: string): Promise<any> {
  const list = await t.request('GET', `/channels/${channel.id}/messages?limit=100`, { auth: owner });
  assert.equal(list.status, 200);
  const inList = list.body.find((m: any) => m.id === id);
  assert.ok(inList, `message ${id} in history`);
  const one = await t.request('GET', `/channels/${channel.id}/messages/${id}`, { auth: owner });
  assert.equal(one.status, 200, JSON.stringify(one.body));
  assert.deepEqual(one.body.interaction_metadata, inList.interaction_metadata);
  assert.deepEqual(one.body.interaction, inList.interaction);
  return inList;
}

const userShape = (u: any) => ({ id: u.id, username: u.username });

describe('interaction_metadata in history', () => {
  it('a slash command reply keeps Discord’s interaction_metadata and interaction, also after the interaction is swept', async () => {
    const i = await command('ping');
    const sent = await reply(i, { content: 'pong' });
    // Every interaction of the store is swept (as after its 15 minutes): the message still says what it answers.
    await t.store.interactions.deleteOlderThan(Date.now() + 60_000);
    const m = await fromHistory(sent.id);
    assert.deepEqual(m.interaction_metadata, sent.interaction_metadata);
    const meta = m.interaction_metadata;
    assert.equal(meta.id, i.id);
    assert.equal(meta.type, 2);
    assert.equal(meta.name, 'ping');
    assert.deepEqual({ id: meta.user.id, username: meta.user.username }, userShape(member));
    assert.deepEqual(meta.authorizing_integration_owners, { 0: guild.id });
    assert.equal(meta.original_response_message_id, undefined);
    assert.equal(meta.target_user, undefined);
    assert.equal(m.interaction.id, i.id);
    assert.equal(m.interaction.type, 2);
    assert.equal(m.interaction.name, 'ping');
    assert.equal(m.interaction.user.id, member.id);

    // A later change of the stored message (the owner pins it): its MESSAGE_UPDATE, rendered from the store, carries both.
    const pin = await t.request('PUT', `/channels/${channel.id}/messages/pins/${sent.id}`, { auth: owner });
    assert.equal(pin.status, 204, JSON.stringify(pin.body));
    const update = await memberGw.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === sent.id && d.pinned === true);
    assert.deepEqual(update.d.interaction_metadata, meta);
    assert.equal(update.d.interaction.name, 'ping');
  });

  it('a deferred reply and its follow-up: original_response_message_id on the follow-up, both in history', async () => {
    const i = await command('ping');
    assert.equal((await t.request('POST', `/interactions/${i.id}/${i.token}/callback`, { body: { type: 5 } })).status, 204);
    const edited = await t.request('PATCH', `/webhooks/${app.id}/${i.token}/messages/@original`, { body: { content: 'late pong' } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    const follow = await t.request('POST', `/webhooks/${app.id}/${i.token}`, { body: { content: 'and another' } });
    assert.equal(follow.status, 200, JSON.stringify(follow.body));
    const original = await fromHistory(edited.body.id);
    assert.equal(original.interaction_metadata.id, i.id);
    assert.equal(original.interaction_metadata.original_response_message_id, undefined);
    const f = await fromHistory(follow.body.id);
    assert.equal(f.interaction_metadata.id, i.id);
    assert.equal(f.interaction_metadata.original_response_message_id, edited.body.id);
    assert.equal(f.type, 0);
  });

  it('user and message commands name their target; a button names its message; a modal submit names what showed it', async () => {
    const poke = await command('Poke', { target_id: owner.id });
    const poked = await fromHistory((await reply(poke, { content: 'poked' })).id);
    assert.equal(poked.interaction_metadata.target_user.id, owner.id);
    assert.equal(poked.interaction_metadata.name, 'Poke');
    assert.equal(poked.interaction_metadata.target_message_id, undefined);

    const target = await t.request('POST', `/channels/${channel.id}/messages`, { auth: owner, body: { content: 'quote me' } });
    const quote = await command('Quote', { target_id: target.body.id });
    const quoted = await fromHistory((await reply(quote, { content: 'quoted', components: [{ type: 1, components: [{ type: 2, style: 1, label: 'Go', custom_id: 'go' }] }] })).id);
    assert.equal(quoted.interaction_metadata.target_message_id, target.body.id);
    assert.equal(quoted.interaction_metadata.target_user, undefined);

    const click = await invoke({ type: 3, message_id: quoted.id, data: { custom_id: 'go', component_type: 2 } });
    const modal = { custom_id: 'why', title: 'Why', components: [{ type: 1, components: [{ type: 4, custom_id: 'r', label: 'Reason', style: 1 }] }] };
    assert.equal((await t.request('POST', `/interactions/${click.id}/${click.token}/callback`, { body: { type: 9, data: modal } })).status, 204);
    const submit = await invoke({ type: 5, data: { custom_id: 'why', components: [{ type: 1, components: [{ type: 4, custom_id: 'r', value: 'because' }] }] } });
    const answered = await fromHistory((await reply(submit, { content: 'noted' })).id);
    const meta = answered.interaction_metadata;
    assert.equal(meta.id, submit.id);
    assert.equal(meta.type, 5);
    assert.equal(meta.name, undefined);
    assert.equal(meta.triggering_interaction_metadata.id, click.id);
    assert.equal(meta.triggering_interaction_metadata.type, 3);
    assert.equal(meta.triggering_interaction_metadata.interacted_message_id, quoted.id);

    const clickAgain = await invoke({ type: 3, message_id: quoted.id, data: { custom_id: 'go', component_type: 2 } });
    const clicked = await fromHistory((await reply(clickAgain, { content: 'went' })).id);
    assert.equal(clicked.interaction_metadata.type, 3);
    assert.equal(clicked.interaction_metadata.interacted_message_id, quoted.id);
    assert.equal(clicked.interaction.name, 'go');
  });

  it('plain messages carry neither field', async () => {
    const plain = await t.request('POST', `/channels/${channel.id}/messages`, { auth: owner, body: { content: 'just me' } });
    const m = await fromHistory(plain.body.id);
    assert.equal('interaction_metadata' in m, false);
    assert.equal('interaction' in m, false);
  });
});
