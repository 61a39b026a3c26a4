/**
 * discord.js v14, unpatched, against server-wide 2FA: guild.mfaLevel follows GUILD_UPDATE, a bot's ban needs its
 * owner's 2FA while the level is Elevated (DiscordAPIError 60003 otherwise), and guild.setMFALevel on a guild the
 * bot owns needs the same.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, DiscordAPIError, GatewayIntentBits, GuildMFALevel, Routes } from 'discord.js';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { disableTwoFactor, enableTwoFactor } from '../helpers/two-factor.ts';
import { botWorld, loggedInClient, type BotWorld } from './setup.ts';

const is60003 = (err: unknown) => err instanceof DiscordAPIError && err.code === 60003 && err.status === 403;

describe('discord.js v14 and server-wide 2FA', () => {
  let t: TestServer;
  let client: Client;
  let world: BotWorld;
  let owner: TestUser & { secret?: string };

  before(async () => {
    t = await startTestServer();
    world = await botWorld(t, 'djs mfa', Permissions.VIEW_CHANNEL | Permissions.BAN_MEMBERS);
    owner = world.owner;
    client = await loggedInClient(t, world.bot.token, [GatewayIntentBits.Guilds]);
    await waitFor(() => client.guilds.cache.has(world.guild.id), { what: 'the guild' });
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  const setOwnMfa = async (on: boolean) => {
    owner = on ? await enableTwoFactor(t, owner) : await disableTwoFactor(t, owner as TestUser & { secret: string });
  };

  it("reads the level from GUILD_UPDATE; a ban needs the bot owner's 2FA while it is Elevated", async () => {
    const guild = client.guilds.cache.get(world.guild.id)!;
    assert.equal(guild.mfaLevel, GuildMFALevel.None);
    await setOwnMfa(true);
    const set = await t.request('POST', `/guilds/${guild.id}/mfa`, { auth: owner, body: { level: 1 } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    await waitFor(() => guild.mfaLevel === GuildMFALevel.Elevated, { what: 'mfaLevel from GUILD_UPDATE' });

    const first = await t.register();
    const banned = await guild.bans.create(first.id, { reason: 'with 2FA' });
    assert.equal(typeof banned === 'string' ? banned : banned?.id, first.id);

    await setOwnMfa(false);
    const second = await t.register();
    await assert.rejects(guild.bans.create(second.id), is60003);
    await assert.rejects(guild.bans.fetch({ cache: false }), is60003);
  });

  it('setMFALevel on a guild the bot owns needs its owner to have 2FA', async () => {
    const created = (await client.rest.post(Routes.guilds(), { body: { name: 'bot-owned' } })) as { id: string };
    await waitFor(() => client.guilds.cache.has(created.id), { what: 'the created guild' });
    const guild = client.guilds.cache.get(created.id)!;
    await assert.rejects(guild.setMFALevel(GuildMFALevel.Elevated), is60003);
    await setOwnMfa(true);
    await guild.setMFALevel(GuildMFALevel.Elevated, 'bots of this server need 2FA owners');
    await waitFor(() => guild.mfaLevel === GuildMFALevel.Elevated, { what: 'mfaLevel after setMFALevel' });
    const log = await guild.fetchAuditLogs({ type: 1 });
    const entry = log.entries.first()!;
    assert.equal(entry.reason, 'bots of this server need 2FA owners');
    assert.deepEqual(entry.changes, [{ key: 'mfa_level', old: 0, new: 1 }]);
  });
});
