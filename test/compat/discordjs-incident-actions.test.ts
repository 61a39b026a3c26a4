/**
 * discord.js v14, unpatched, against incident actions: guild.setIncidentActions pauses invites and DMs and resumes
 * them (null), guild.incidentsData follows from the answer and from GUILD_UPDATE, and a pause beyond 24 hours is a
 * DiscordAPIError 50035.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, DiscordAPIError, GatewayIntentBits } from 'discord.js';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { botWorld, loggedInClient } from './setup.ts';
import { waitFor } from '../helpers/services.ts';

const HOUR = 3_600_000;

describe('discord.js v14 and incident actions', () => {
  let t: TestServer;
  let client: Client;
  let guildId: string;

  before(async () => {
    t = await startTestServer();
    const world = await botWorld(t, 'djs incidents', Permissions.VIEW_CHANNEL | Permissions.MANAGE_GUILD);
    guildId = world.guild.id;
    client = await loggedInClient(t, world.bot.token, [GatewayIntentBits.Guilds]);
    await waitFor(() => client.guilds.cache.has(guildId), { what: 'the guild' });
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  it('pauses invites and DMs, reads them back, and resumes them', async () => {
    const guild = client.guilds.cache.get(guildId)!;
    assert.equal(guild.incidentsData, null);
    const invitesUntil = new Date(Math.floor((Date.now() + HOUR) / 1000) * 1000);
    const dmsUntil = new Date(Math.floor((Date.now() + 2 * HOUR) / 1000) * 1000);
    const set = await guild.setIncidentActions({ invitesDisabledUntil: invitesUntil, dmsDisabledUntil: dmsUntil });
    assert.deepEqual(set, { invitesDisabledUntil: invitesUntil, dmsDisabledUntil: dmsUntil, dmSpamDetectedAt: null, raidDetectedAt: null });
    assert.deepEqual(guild.incidentsData, set);
    // Fetched afresh, the guild carries the same.
    const fetched = await client.guilds.fetch({ guild: guildId, force: true });
    assert.equal(fetched.incidentsData?.invitesDisabledUntil?.getTime(), invitesUntil.getTime());

    await assert.rejects(
      guild.setIncidentActions({ invitesDisabledUntil: new Date(Date.now() + 30 * HOUR) }),
      (err: unknown) => err instanceof DiscordAPIError && err.code === 50035,
    );

    const resumed = await guild.setIncidentActions({ invitesDisabledUntil: null, dmsDisabledUntil: null });
    assert.deepEqual(resumed, { invitesDisabledUntil: null, dmsDisabledUntil: null, dmSpamDetectedAt: null, raidDetectedAt: null });
    // GUILD_UPDATE brings the gateway's copy along.
    await waitFor(() => client.guilds.cache.get(guildId)!.incidentsData === null, { what: 'incidents data cleared by GUILD_UPDATE' });
  });
});
