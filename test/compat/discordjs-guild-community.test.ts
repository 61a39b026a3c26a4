/**
 * discord.js v14, unpatched, and the smaller guild routes: guild.bans.bulkCreate, guild.members.prune (dry and
 * real), fetch/editWelcomeScreen (enabled from the guild's features after GUILD_UPDATE), fetch/setWidgetSettings,
 * client.fetchGuildWidget and guild.fetchVanityData.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Events, GatewayIntentBits, type TextChannel } from 'discord.js';
import { Permissions } from '../../src/protocol/permissions.ts';
import { loggedInClient } from './setup.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

async function waitUntil(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('discord.js v14 and the guild community routes', () => {
  let t: TestServer;
  let client: Client;
  let guildId: string;
  let channelId: string;
  let owner: TestUser;

  const addMember = (user: TestUser, ageMs = 0) => t.store.members.add({
    guildId, userId: user.id, nick: null, avatar: null, roles: [], joinedAt: Date.now() - ageMs, deaf: false, mute: false, pending: false,
    communicationDisabledUntil: null, flags: 0,
  });

  before(async () => {
    t = await startTestServer();
    owner = await t.register();
    const guild = await t.createGuild(owner, 'djs community');
    guildId = guild.id;
    channelId = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0).id;
    const app = await t.request('POST', '/applications', { auth: owner, body: { name: 'Mod Bot' } });
    const reset = await t.request('POST', `/applications/${app.body.id}/bot/reset`, { auth: owner });
    const perms = Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES | Permissions.BAN_MEMBERS | Permissions.KICK_MEMBERS | Permissions.MANAGE_GUILD;
    const auth = await t.request('POST', `/oauth2/authorize?client_id=${app.body.id}&scope=bot&permissions=${perms}`, {
      auth: owner,
      body: { guild_id: guild.id, permissions: perms.toString(), authorize: true },
    });
    assert.equal(auth.status, 200, JSON.stringify(auth.body));
    client = await loggedInClient(t, reset.body.token, [GatewayIntentBits.Guilds, GatewayIntentBits.GuildModeration]);
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  it('guild.bans.bulkCreate bans several users and reports the failures', async () => {
    const guild = await client.guilds.fetch(guildId);
    const [a, b] = [await t.register(), await t.register()];
    await addMember(a);
    const bans: string[] = [];
    client.on(Events.GuildBanAdd, (ban) => bans.push(ban.user.id));
    const result = await guild.bans.bulkCreate([a.id, b.id, owner.id], { deleteMessageSeconds: 60, reason: 'raid' });
    assert.deepEqual([...result.bannedUsers].sort(), [a.id, b.id].sort());
    assert.deepEqual(result.failedUsers, [owner.id]);
    await waitUntil(() => bans.includes(a.id) && bans.includes(b.id), 'GUILD_BAN_ADD');
    await assert.rejects(guild.bans.bulkCreate([a.id]), (err: any) => err.code === 500000);
  });

  it('guild.members.prune: dry run counts, the real one removes', async () => {
    const guild = await client.guilds.fetch(guildId);
    const idle = [await t.register(), await t.register()];
    for (const u of idle) await addMember(u, 3 * 86_400_000);
    assert.equal(await guild.members.prune({ days: 2, dry: true }), 2);
    assert.equal(await guild.members.prune({ days: 2, reason: 'tidy' }), 2);
    assert.equal(await guild.members.prune({ days: 2, dry: true }), 0);
    for (const u of idle) assert.equal(await t.store.members.get(guildId, u.id), null);
    assert.equal(await guild.members.prune({ days: 2, count: false }), null);
  });

  it('guild.editWelcomeScreen / fetchWelcomeScreen', async () => {
    const guild = await client.guilds.fetch(guildId);
    const edited = await guild.editWelcomeScreen({ enabled: true, description: 'Hello there', welcomeChannels: [{ channel: channelId, description: 'Chat here', emoji: '💬' }] });
    assert.equal(edited.description, 'Hello there');
    assert.equal(edited.welcomeChannels.get(channelId)?.description, 'Chat here');
    await waitUntil(() => client.guilds.cache.get(guildId)!.features.includes('WELCOME_SCREEN_ENABLED' as any), 'GUILD_UPDATE with the feature');
    const fetched = await client.guilds.cache.get(guildId)!.fetchWelcomeScreen();
    assert.equal(fetched.enabled, true);
    assert.equal(fetched.welcomeChannels.size, 1);
    assert.equal(fetched.welcomeChannels.first()!.emoji.name, '💬');
    assert.equal((fetched.welcomeChannels.first()!.channel as TextChannel).id, channelId);
  });

  it('guild.setWidgetSettings / fetchWidgetSettings, client.fetchGuildWidget', async () => {
    const guild = await client.guilds.fetch(guildId);
    await assert.rejects(client.fetchGuildWidget(guildId), (err: any) => err.code === 50004);
    await guild.setWidgetSettings({ enabled: true, channel: channelId });
    const settings = await guild.fetchWidgetSettings();
    assert.equal(settings.enabled, true);
    assert.equal(settings.channel?.id, channelId);
    const widget = await client.fetchGuildWidget(guildId);
    assert.equal(widget.id, guildId);
    assert.equal(widget.name, 'djs community');
    assert.ok(widget.channels.size >= 1);
    assert.equal(typeof widget.presenceCount, 'number');
  });

  it('guild.fetchVanityData', async () => {
    const guild = await client.guilds.fetch(guildId);
    assert.deepEqual(await guild.fetchVanityData(), { code: null, uses: 0 });
    const code = `djs-${Date.now().toString(36)}`;
    assert.equal((await t.request('PATCH', `/guilds/${guildId}`, { auth: owner, body: { vanity_url_code: code } })).status, 200);
    const joiner = await t.register();
    assert.equal((await t.request('POST', `/invites/${code}`, { auth: joiner })).status, 200);
    const data = await guild.fetchVanityData();
    assert.deepEqual(data, { code, uses: 1 });
    assert.equal(guild.vanityURLCode, code);
    assert.equal(guild.vanityURLUses, 1);
  });
});
