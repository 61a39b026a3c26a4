/**
 * MESSAGE_CONTENT over REST: a bot whose application does not have the intent enabled reads history, single
 * messages and pins with content, embeds, attachments, components and polls emptied, as Discord documents
 * ("across Discord's APIs"), except its own messages, messages that mention it, and DMs; each message object of a
 * reply is judged on its own. Enabling the intent (the application's flags) shows everything.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { guildWithMember, makeBot } from './fixtures.guilds.ts';

const GATEWAY_MESSAGE_CONTENT = 1 << 18;
const GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19;

describe('MESSAGE_CONTENT on REST reads', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  it('a bot without the intent reads others\' messages emptied; its own, mentions and the enabled intent show content', async () => {
    const { owner, guild } = await guildWithMember(t);
    const { app, bot } = await makeBot(t, owner, 'Quiet Bot');
    const perms = ((1n << 10n) | (1n << 11n) | (1n << 16n)).toString();
    const added = await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot&permissions=${perms}`, { auth: owner, body: { guild_id: guild.id, permissions: perms, authorize: true } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const channel = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
    const send = async (who: any, body: Record<string, unknown>) => {
      const res = await t.request('POST', `/channels/${channel.id}/messages`, { auth: who, body });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };
    const secret = await send(owner, { content: 'the secret plan', embeds: [{ title: 'plans' }] });
    const mention = await send(owner, { content: `<@${bot.id}> what do you think?` });
    const own = await send(bot, { content: 'beep' });
    // A reply that mentions the bot, to a message that does not: the reply keeps its text, the answered one not.
    const reply = await send(owner, { content: `<@${bot.id}> see above`, message_reference: { message_id: secret.id } });
    await t.request('PUT', `/channels/${channel.id}/messages/pins/${secret.id}`, { auth: owner });

    const asBot = async () => new Map<string, any>((await t.request('GET', `/channels/${channel.id}/messages`, { auth: bot })).body.map((m: any) => [m.id, m]));
    const seen = await asBot();
    assert.equal(seen.get(secret.id).content, '');
    assert.deepEqual(seen.get(secret.id).embeds, []);
    assert.deepEqual([seen.get(secret.id).attachments, seen.get(secret.id).components], [[], []]);
    assert.equal(seen.get(mention.id).content, mention.content);
    assert.equal(seen.get(own.id).content, 'beep');
    assert.equal(seen.get(reply.id).content, reply.content);
    assert.equal(seen.get(reply.id).referenced_message.content, '');
    // The metadata stays: who wrote it, when, and what it mentions.
    assert.equal(seen.get(secret.id).author.id, owner.id);
    assert.equal((await t.request('GET', `/channels/${channel.id}/messages/${secret.id}`, { auth: bot })).body.content, '');
    const pins = (await t.request('GET', `/channels/${channel.id}/messages/pins`, { auth: bot })).body;
    assert.equal(pins.items[0].message.content, '');
    // A person reads everything.
    assert.equal((await t.request('GET', `/channels/${channel.id}/messages/${secret.id}`, { auth: owner })).body.content, 'the secret plan');

    // A DM keeps its content.
    const dm = await t.request('POST', '/users/@me/channels', { auth: bot, body: { recipient_id: owner.id } });
    assert.equal(dm.status, 200, JSON.stringify(dm.body));
    const privateNote = await t.request('POST', `/channels/${dm.body.id}/messages`, { auth: owner, body: { content: 'just between us' } });
    assert.equal(privateNote.status, 200, JSON.stringify(privateNote.body));
    assert.equal((await t.request('GET', `/channels/${dm.body.id}/messages`, { auth: bot })).body[0].content, 'just between us');

    // The intent enabled for the application (either flag): the bot reads content.
    for (const flag of [GATEWAY_MESSAGE_CONTENT_LIMITED, GATEWAY_MESSAGE_CONTENT]) {
      assert.equal((await t.request('PATCH', `/applications/${app.id}`, { auth: owner, body: { flags: flag } })).status, 200);
      const now = await asBot();
      assert.equal(now.get(secret.id).content, 'the secret plan');
      assert.equal(now.get(secret.id).embeds[0].title, 'plans');
      assert.equal(now.get(reply.id).referenced_message.content, 'the secret plan');
    }
  });
});
