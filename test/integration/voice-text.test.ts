/**
 * Text chat in voice channels, as Discord has it: messages, history, pins, slowmode and webhooks in a voice
 * channel (type 2), with the same permission checks as a text channel; threads are not started there.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { assertError, guildWithMember } from './fixtures.guilds.ts';

const SEND_MESSAGES = 1n << 11n;

describe('text in voice channels', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  it('messages, history, pins and MESSAGE_CREATE in a voice channel; the channel shows its last message and slowmode', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const voice = (await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'Lounge', type: 2 } })).body;
    assert.equal(voice.rate_limit_per_user, 0);
    const from = t.events.length;
    const sent = await t.request('POST', `/channels/${voice.id}/messages`, { auth: member, body: { content: 'can you hear me?' } });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(sent.body.channel_id, voice.id);
    const ev = await t.waitForEvent('MESSAGE_CREATE', (e) => e.d.id === sent.body.id, from);
    assert.equal(ev.channelId, voice.id);
    const history = await t.request('GET', `/channels/${voice.id}/messages`, { auth: owner });
    assert.deepEqual(history.body.map((m: any) => m.content), ['can you hear me?']);
    assert.equal((await t.request('GET', `/channels/${voice.id}`, { auth: owner })).body.last_message_id, sent.body.id);
    assert.equal((await t.request('PUT', `/channels/${voice.id}/messages/pins/${sent.body.id}`, { auth: owner })).status, 204);
    const pins = await t.request('GET', `/channels/${voice.id}/messages/pins`, { auth: member });
    assert.deepEqual(pins.body.items.map((p: any) => p.message.id), [sent.body.id]);
    assert.equal((await t.request('POST', `/channels/${voice.id}/typing`, { auth: member })).status, 204);
    // Threads are not started in a voice channel.
    assertError(await t.request('POST', `/channels/${voice.id}/messages/${sent.body.id}/threads`, { auth: owner, body: { name: 'nope' } }), 400, 50024);
  });

  it('slowmode and permissions apply as in a text channel', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const voice = (await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'Stage Door', type: 2 } })).body;
    const slowed = await t.request('PATCH', `/channels/${voice.id}`, { auth: owner, body: { rate_limit_per_user: 30 } });
    assert.equal(slowed.status, 200, JSON.stringify(slowed.body));
    assert.equal(slowed.body.rate_limit_per_user, 30);
    assert.equal((await t.request('POST', `/channels/${voice.id}/messages`, { auth: member, body: { content: 'one' } })).status, 200);
    assertError(await t.request('POST', `/channels/${voice.id}/messages`, { auth: member, body: { content: 'two' } }), 429, 20016);
    await t.request('PUT', `/channels/${voice.id}/permissions/${guild.id}`, { auth: owner, body: { type: 0, allow: '0', deny: SEND_MESSAGES.toString() } });
    assertError(await t.request('POST', `/channels/${voice.id}/messages`, { auth: member, body: { content: 'three' } }), 403, 50013);
  });

  it('a webhook posts in a voice channel', async () => {
    const { owner, guild } = await guildWithMember(t);
    const voice = (await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'Radio', type: 2 } })).body;
    const hook = await t.request('POST', `/channels/${voice.id}/webhooks`, { auth: owner, body: { name: 'Now Playing' } });
    assert.equal(hook.status, 200, JSON.stringify(hook.body));
    const posted = await t.request('POST', `/webhooks/${hook.body.id}/${hook.body.token}?wait=true`, { body: { content: '♪ track 1' } });
    assert.equal(posted.status, 200, JSON.stringify(posted.body));
    assert.equal(posted.body.channel_id, voice.id);
    assert.equal(posted.body.webhook_id, hook.body.id);
  });
});
