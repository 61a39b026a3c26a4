/**
 * discord.js v14, unpatched, against guild templates: guild.createTemplate, guild.fetchTemplates,
 * client.fetchGuildTemplate, template.edit / sync / createGuild (which waits for the new guild's GUILD_CREATE) /
 * delete, the template's fields (unSynced, serializedGuild, creator), and Discord's refusals as DiscordAPIError.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, DiscordAPIError, GatewayIntentBits } from 'discord.js';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { botWorld, loggedInClient } from './setup.ts';
import { waitFor } from '../helpers/services.ts';

describe('discord.js v14 and guild templates', () => {
  let t: TestServer;
  let client: Client;
  let guildId: string;
  let token: string;

  before(async () => {
    t = await startTestServer();
    const world = await botWorld(t, 'djs templates', Permissions.VIEW_CHANNEL | Permissions.MANAGE_GUILD | Permissions.MANAGE_CHANNELS);
    guildId = world.guild.id;
    await t.request('POST', `/guilds/${guildId}/roles`, { auth: world.owner, body: { name: 'Crew' } });
    token = world.bot.token;
    client = await loggedInClient(t, token, [GatewayIntentBits.Guilds]);
    await waitFor(() => client.guilds.cache.has(guildId), { what: 'the guild' });
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  it('creates, fetches, edits, syncs, uses and deletes a template', async () => {
    const guild = client.guilds.cache.get(guildId)!;
    const template = await guild.createTemplate('Starter kit', 'Roles and channels');
    assert.match(template.code, /^[A-Za-z0-9]{12}$/);
    assert.deepEqual([template.name, template.description, template.usageCount, template.guildId, template.creatorId], ['Starter kit', 'Roles and channels', 0, guildId, client.user!.id]);
    assert.equal(template.creator.id, client.user!.id);
    assert.equal(template.unSynced, false);
    assert.equal(template.serializedGuild.name, 'djs templates guild');
    assert.ok(template.serializedGuild.roles?.some((r) => r.name === 'Crew'));
    assert.ok(template.createdAt instanceof Date && template.createdTimestamp > 0);
    assert.equal(template.guild?.id, guildId);

    await assert.rejects(guild.createTemplate('Another'), (err: unknown) => err instanceof DiscordAPIError && err.code === 30031);
    assert.deepEqual([...(await guild.fetchTemplates()).keys()], [template.code]);
    const fetched = await client.fetchGuildTemplate(template.code);
    assert.equal(fetched.name, 'Starter kit');
    await assert.rejects(client.fetchGuildTemplate('unknowncode1'), (err: unknown) => err instanceof DiscordAPIError && err.code === 10057);

    const edited = await template.edit({ name: 'Starter kit v2' });
    assert.equal(edited.name, 'Starter kit v2');
    await guild.channels.create({ name: 'added-later' });
    assert.equal((await client.fetchGuildTemplate(template.code)).unSynced, true);
    const synced = await template.sync();
    assert.equal(synced.unSynced, false);
    assert.ok(synced.serializedGuild.channels?.some((c) => c.name === 'added-later'));

    // createGuild resolves once the new guild's GUILD_CREATE has arrived.
    const made = await template.createGuild('Made by a bot');
    assert.equal(made.name, 'Made by a bot');
    assert.equal(made.ownerId, client.user!.id);
    assert.ok(made.channels.cache.some((c) => c.name === 'added-later'));
    assert.ok(made.roles.cache.some((r) => r.name === 'Crew'));
    assert.equal((await client.fetchGuildTemplate(template.code)).usageCount, 1);

    const deleted = await template.delete();
    assert.equal(deleted.code, template.code);
    assert.equal((await guild.fetchTemplates()).size, 0);
  });
});
