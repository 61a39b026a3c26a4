/**
 * Issue #11, finding 7: a mention counts (READY's read_state mention_count) only for users who can read the
 * channel: guild members with VIEW_CHANNEL there (role and member overwrites included), or a DM's recipients.
 * Whoever else the content names stays in the message's `mentions`, as on Discord.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { GatewayClient } from './gateway-client.ts';
import { guildFixture, overwrite, send, textChannel } from './fixtures.messages.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

/** The user's mention count in a channel, as READY's read_state reports it (0 without an entry). */
async function mentionCount(user: TestUser, channelId: string): Promise<number> {
  const c = await GatewayClient.connect(t.url);
  try {
    const ready = await c.identify(user.token);
    const entry = ready.read_state.entries.find((e: any) => e.id === channelId);
    return entry?.mention_count ?? 0;
  } finally {
    await c.close();
  }
}

describe('mention counts reach only those who can see the channel', () => {
  test('a member denied VIEW_CHANNEL by a member overwrite, and a non-member, get no mention count', async () => {
    const f = await guildFixture(t);
    const hidden = await t.register();
    await t.join(f.owner, f.guild.id, hidden);
    await overwrite(t, f.owner, f.channel.id, hidden.id, 1, 0n, Permissions.VIEW_CHANNEL);

    const m = await send(t, f.owner, f.channel.id, `<@${f.member.id}> <@${hidden.id}> <@${f.stranger.id}>`);
    // The message still names all three, as Discord's does.
    assert.deepEqual(m.mentions.map((u: any) => u.id).sort(), [f.member.id, hidden.id, f.stranger.id].sort());

    assert.equal(await mentionCount(f.member, f.channel.id), 1);
    assert.equal(await mentionCount(hidden, f.channel.id), 0);
    assert.equal(await mentionCount(f.stranger, f.channel.id), 0);
  });

  test('a private channel: @everyone denied, a role allowed; mentions and replies count for the role holder only', async () => {
    const f = await guildFixture(t);
    const outsider = await t.register();
    await t.join(f.owner, f.guild.id, outsider);
    const role = await t.request('POST', `/guilds/${f.guild.id}/roles`, { auth: f.owner, body: { name: 'insiders' } });
    assert.equal(role.status, 200, JSON.stringify(role.body));
    assert.equal((await t.request('PUT', `/guilds/${f.guild.id}/members/${f.member.id}/roles/${role.body.id}`, { auth: f.owner })).status, 204);
    const secret = await textChannel(t, f.owner, f.guild.id, {
      name: 'secret',
      permission_overwrites: [
        { id: f.guild.id, type: 0, allow: '0', deny: Permissions.VIEW_CHANNEL.toString() },
        { id: role.body.id, type: 0, allow: Permissions.VIEW_CHANNEL.toString(), deny: '0' },
      ],
    });

    await send(t, f.owner, secret.id, `<@${f.member.id}> and <@${outsider.id}>`);
    const own = await send(t, f.member, secret.id, 'something to reply to');
    await send(t, f.owner, secret.id, { content: 'replying', message_reference: { message_id: own.id } });

    assert.equal(await mentionCount(f.member, secret.id), 2);
    assert.equal(await mentionCount(outsider, secret.id), 0);
  });

  test('a role mention counts for its holders and @everyone for every reader, never for the sender or a hidden member', async () => {
    const f = await guildFixture(t);
    const hidden = await t.register();
    const bystander = await t.register();
    for (const u of [hidden, bystander]) await t.join(f.owner, f.guild.id, u);
    const role = await t.request('POST', `/guilds/${f.guild.id}/roles`, { auth: f.owner, body: { name: 'pingable', mentionable: true } });
    for (const u of [f.member, hidden]) assert.equal((await t.request('PUT', `/guilds/${f.guild.id}/members/${u.id}/roles/${role.body.id}`, { auth: f.owner })).status, 204);
    const room = await textChannel(t, f.owner, f.guild.id, { name: 'room' });
    await overwrite(t, f.owner, room.id, hidden.id, 1, 0n, Permissions.VIEW_CHANNEL);

    await send(t, f.member, room.id, `<@&${role.body.id}> please look`);
    assert.equal(await mentionCount(f.member, room.id), 0, 'not the sender, though they hold the role');
    assert.equal(await mentionCount(hidden, room.id), 0, 'holds the role, cannot see the channel');
    assert.equal(await mentionCount(bystander, room.id), 0, 'does not hold the role');

    await send(t, f.owner, room.id, '@everyone meeting now');
    assert.deepEqual(
      [await mentionCount(f.member, room.id), await mentionCount(bystander, room.id), await mentionCount(hidden, room.id), await mentionCount(f.owner, room.id)],
      [1, 1, 0, 0],
    );
    // Without MENTION_EVERYONE the text is not a mention, and nobody counts it.
    await overwrite(t, f.owner, room.id, f.member.id, 1, 0n, Permissions.MENTION_EVERYONE);
    await send(t, f.member, room.id, '@everyone not really');
    assert.equal(await mentionCount(bystander, room.id), 1);
  });

  test('in a DM only its recipients count', async () => {
    const f = await guildFixture(t);
    const dm = await t.request('POST', '/users/@me/channels', { auth: f.owner, body: { recipient_id: f.member.id } });
    assert.equal(dm.status, 200, JSON.stringify(dm.body));
    const third = await t.register();
    await t.join(f.owner, f.guild.id, third);

    await send(t, f.owner, dm.body.id, `<@${f.member.id}> <@${third.id}>`);
    assert.equal(await mentionCount(f.member, dm.body.id), 1);
    assert.equal(await mentionCount(third, dm.body.id), 0);
  });
});
