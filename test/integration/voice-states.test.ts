/**
 * Voice states (src/api/routes/voice-states.ts): nobody is ever connected to voice in Accord, so a member's voice
 * state is 10065 Unknown Voice State; someone not in the guild is 10007; the PATCHes check their body, channel and
 * permissions as Discord does before that same 10065.
 */
import { after, before, describe, it } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { assertError, giveRole, guildWithMember } from './fixtures.guilds.ts';

describe('voice states', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  it('reads: 10065 for a member, 10007 for a stranger, 50001 outside the guild', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const stranger = await t.register();
    assertError(await t.request('GET', `/guilds/${guild.id}/voice-states/@me`, { auth: member }), 404, 10065);
    assertError(await t.request('GET', `/guilds/${guild.id}/voice-states/${owner.id}`, { auth: member }), 404, 10065);
    assertError(await t.request('GET', `/guilds/${guild.id}/voice-states/${stranger.id}`, { auth: member }), 404, 10007);
    assertError(await t.request('GET', `/guilds/${guild.id}/voice-states/not-an-id`, { auth: member }), 400, 50035);
    assertError(await t.request('GET', `/guilds/${guild.id}/voice-states/@me`, { auth: stranger }), 403, 50001);
    assertError(await t.request('GET', '/guilds/123456789012345678/voice-states/@me', { auth: member }), 404, 10004);
  });

  it('changes: the body, a stage channel and the permissions are checked, then 10065', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const stage = (await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'Stage', type: 13 } })).body;
    const text = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
    const patch = (who: any, target: string, body: unknown) => t.request('PATCH', `/guilds/${guild.id}/voice-states/${target}`, { auth: who, body });

    assertError(await patch(member, '@me', { suppress: 'no' }), 400, 50035);
    assertError(await patch(member, '@me', { request_to_speak_timestamp: 'soon' }), 400, 50035);
    assertError(await patch(member, '@me', { channel_id: text.id }), 400, 50024);
    assertError(await patch(member, '@me', { channel_id: '123456789012345678' }), 404, 10003);
    // Raising a hand needs Request to Speak (which @everyone holds); unsuppressing oneself needs Mute Members.
    assertError(await patch(member, '@me', { channel_id: stage.id, request_to_speak_timestamp: new Date().toISOString() }), 404, 10065);
    assertError(await patch(member, '@me', { channel_id: stage.id, suppress: false }), 403, 50013);
    assertError(await patch(member, '@me', { channel_id: stage.id, suppress: true }), 404, 10065);
    // Someone else: channel_id is required, and Mute Members.
    assertError(await patch(member, owner.id, { suppress: true }), 400, 50035);
    assertError(await patch(member, owner.id, { channel_id: stage.id, suppress: true }), 403, 50013);
    await giveRole(t, owner, guild.id, member, Permissions.MUTE_MEMBERS);
    assertError(await patch(member, owner.id, { channel_id: stage.id, suppress: true }), 404, 10065);
    assertError(await patch(member, '@me', { channel_id: stage.id, suppress: false }), 404, 10065);
  });
});
