/**
 * discord.js v14, unpatched, against the scheduled event and integration routes: guild.scheduledEvents.create /
 * fetch / edit (start, end) / delete and fetchSubscribers, the GuildScheduledEvent* client events and the cache
 * GUILD_CREATE fills; guild.fetchIntegrations; client.fetchVoiceRegions and the guild's regions route.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Client, Events, GatewayIntentBits, Routes, GuildScheduledEventEntityType, GuildScheduledEventPrivacyLevel, GuildScheduledEventStatus,
  type GuildScheduledEvent,
} from 'discord.js';
import { Permissions } from '../../src/protocol/permissions.ts';
import { loggedInClient } from './setup.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';

describe('discord.js v14 and scheduled events, integrations, voice regions', () => {
  let t: TestServer;
  let client: Client;
  let guildId: string;
  let owner: TestUser;
  let appId: string;
  let upcoming: string;

  before(async () => {
    t = await startTestServer();
    owner = await t.register();
    const guild = await t.createGuild(owner, 'djs events');
    guildId = guild.id;
    // An event before the bot connects: its GUILD_CREATE fills the cache with it.
    const made = await t.request('POST', `/guilds/${guildId}/scheduled-events`, {
      auth: owner,
      body: { name: 'Before login', privacy_level: 2, entity_type: 3, entity_metadata: { location: 'Hall' }, scheduled_start_time: new Date(Date.now() + 3_600_000).toISOString(), scheduled_end_time: new Date(Date.now() + 7_200_000).toISOString() },
    });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    upcoming = made.body.id;
    const app = await t.request('POST', '/applications', { auth: owner, body: { name: 'Events Bot' } });
    appId = app.body.id;
    const reset = await t.request('POST', `/applications/${appId}/bot/reset`, { auth: owner });
    const perms = Permissions.VIEW_CHANNEL | Permissions.CONNECT | Permissions.MANAGE_EVENTS | Permissions.MANAGE_GUILD;
    const auth = await t.request('POST', `/oauth2/authorize?client_id=${appId}&scope=bot&permissions=${perms}`, { auth: owner, body: { guild_id: guildId, permissions: perms.toString(), authorize: true } });
    assert.equal(auth.status, 200, JSON.stringify(auth.body));
    client = await loggedInClient(t, reset.body.token, [GatewayIntentBits.Guilds, GatewayIntentBits.GuildScheduledEvents]);
    await waitFor(() => client.guilds.cache.has(guildId), { what: 'the guild' });
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  it('GUILD_CREATE fills guild.scheduledEvents; create, fetch, start, end and delete through the managers', async () => {
    const guild = client.guilds.cache.get(guildId)!;
    assert.equal(guild.scheduledEvents.cache.get(upcoming)?.name, 'Before login');

    const created = new Promise<GuildScheduledEvent>((resolve) => client.once(Events.GuildScheduledEventCreate, resolve));
    const voice = guild.channels.cache.find((c) => c.type === 2)!;
    const event = await guild.scheduledEvents.create({
      name: 'Bot night', scheduledStartTime: Date.now() + 3_600_000, privacyLevel: GuildScheduledEventPrivacyLevel.GuildOnly,
      entityType: GuildScheduledEventEntityType.Voice, channel: voice.id, description: 'Made by discord.js',
    });
    assert.equal(event.channelId, voice.id);
    assert.equal(event.creatorId, appId);
    assert.equal(event.status, GuildScheduledEventStatus.Scheduled);
    assert.equal((await created).id, event.id);

    const fetched = await guild.scheduledEvents.fetch({ guildScheduledEvent: event.id, withUserCount: true, force: true });
    assert.equal(fetched.description, 'Made by discord.js');
    assert.equal(fetched.userCount, 0);
    assert.ok((await guild.scheduledEvents.fetch()).has(upcoming));

    const started = await event.setStatus(GuildScheduledEventStatus.Active);
    assert.equal(started.status, GuildScheduledEventStatus.Active);
    const ended = await started.setStatus(GuildScheduledEventStatus.Completed);
    assert.equal(ended.status, GuildScheduledEventStatus.Completed);
    await assert.rejects(ended.setName('again'), (err: any) => err.code === 180000);

    // Interest, as a user marks it: discord.js sees the subscriber.
    const member = await t.register();
    await t.join(owner, guildId, member);
    assert.equal((await t.request('PUT', `/guilds/${guildId}/scheduled-events/${upcoming}/users/@me`, { auth: member })).status, 204);
    const subscribers = await guild.scheduledEvents.cache.get(upcoming)!.fetchSubscribers();
    assert.deepEqual([...subscribers.keys()], [member.id]);

    const deleted = new Promise<{ id: string }>((resolve) => client.once(Events.GuildScheduledEventDelete, (e) => resolve(e)));
    await guild.scheduledEvents.delete(upcoming);
    assert.equal((await deleted).id, upcoming);
  });

  it('guild.fetchIntegrations lists the bot; voice regions answer one', async () => {
    const guild = client.guilds.cache.get(guildId)!;
    const integrations = await guild.fetchIntegrations();
    const mine = integrations.get(appId);
    assert.ok(mine, 'the bot is an integration');
    assert.equal(mine.type, 'discord');
    assert.equal(mine.application?.id, appId);
    const regions = await client.fetchVoiceRegions();
    assert.deepEqual([...regions.keys()], ['accord']);
    assert.equal(regions.get('accord')?.optimal, true);
    // discord.js v14 has no guild method for it: its REST client, on Discord's route.
    const guildRegions = (await client.rest.get(Routes.guildVoiceRegions(guildId))) as Array<{ id: string }>;
    assert.deepEqual(guildRegions.map((r) => r.id), ['accord']);
  });
});
