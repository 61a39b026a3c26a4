/**
 * discord.js v14, unpatched, against community invites: `guild.invites.create` with `roles` (JSON) and with
 * `targetUsersFile` (a form with payload_json), the invite's `roles` from the response and from INVITE_CREATE's
 * `role_ids`, `fetchTargetUsers` (the CSV as a Buffer), `updateTargetUsers` and `fetchTargetUsersJobStatus`; the
 * users it names join with the role, anyone else gets 10006.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, GatewayIntentBits, type Invite } from 'discord.js';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { botWorld, loggedInClient, type BotWorld } from './setup.ts';

describe('discord.js v14 and community invites', () => {
  let t: TestServer;
  let client: Client;
  let world: BotWorld;

  before(async () => {
    t = await startTestServer();
    world = await botWorld(t, 'djs invites', Permissions.VIEW_CHANNEL | Permissions.CREATE_INSTANT_INVITE | Permissions.MANAGE_ROLES | Permissions.MANAGE_GUILD | Permissions.MANAGE_CHANNELS);
    client = await loggedInClient(t, world.bot.token, [GatewayIntentBits.Guilds, GatewayIntentBits.GuildInvites]);
    await waitFor(() => client.guilds.cache.has(world.guild.id), { what: 'the guild' });
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  const newRole = async (name: string) => {
    const res = await t.request('POST', `/guilds/${world.guild.id}/roles`, { auth: world.owner, body: { name } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await waitFor(() => client.guilds.cache.get(world.guild.id)!.roles.cache.has(res.body.id), { what: 'the role in the cache' });
    return res.body as { id: string };
  };

  it('creates an invite giving a role: invite.roles from the response and from INVITE_CREATE', async () => {
    const player = await newRole('Player');
    const guild = client.guilds.cache.get(world.guild.id)!;
    const seen: Invite[] = [];
    client.on('inviteCreate', (i) => seen.push(i));
    const invite = await guild.invites.create(world.channel.id, { roles: [player.id], unique: true });
    assert.deepEqual([...invite.roles!.keys()], [player.id]);
    assert.equal(invite.roles!.get(player.id)!.name, 'Player');
    await waitFor(() => seen.find((i) => i.code === invite.code), { what: 'inviteCreate' });
    assert.deepEqual([...seen.find((i) => i.code === invite.code)!.roles!.keys()], [player.id]);

    const joiner = await t.register();
    assert.equal((await t.request('POST', `/invites/${invite.code}`, { auth: joiner })).status, 200);
    const member = await guild.members.fetch({ user: joiner.id, force: true });
    assert.ok(member.roles.cache.has(player.id));
  });

  it('targets users from a list: the CSV back, replaced, its job status; only they join', async () => {
    const supporter = await newRole('Supporter');
    const guild = client.guilds.cache.get(world.guild.id)!;
    const [a, b, outsider] = [await t.register(), await t.register(), await t.register()];
    const invite = await guild.invites.create(world.channel.id, { roles: [supporter.id], targetUsersFile: [a.id], maxUses: 5 });
    assert.equal(invite.maxUses, 5);
    assert.equal((await invite.fetchTargetUsers()).toString('utf8'), `user_id\n${a.id}\n`);
    const job = await invite.fetchTargetUsersJobStatus();
    assert.equal(job.status, 2);
    assert.equal(job.totalUsers, 1);
    assert.equal(job.processedUsers, 1);
    assert.ok(job.createdAt instanceof Date);

    await guild.invites.updateTargetUsers(invite.code, [a.id, b.id]);
    assert.equal((await guild.invites.fetchTargetUsers(invite.code)).toString('utf8'), `user_id\n${a.id}\n${b.id}\n`);
    assert.equal((await guild.invites.fetchTargetUsersJobStatus(invite.code)).totalUsers, 2);

    const refused = await t.request('POST', `/invites/${invite.code}`, { auth: outsider });
    assert.equal(refused.status, 404);
    assert.equal(refused.body.code, 10006);
    assert.equal((await t.request('POST', `/invites/${invite.code}`, { auth: b })).status, 200);
    const member = await guild.members.fetch({ user: b.id, force: true });
    assert.ok(member.roles.cache.has(supporter.id));
    // The bot may see it (Manage Server): fetched by code, with its roles.
    const fetched = await client.fetchInvite(invite.code);
    assert.deepEqual([...fetched.roles!.keys()], [supporter.id]);
  });
});
