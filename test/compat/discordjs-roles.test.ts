/**
 * discord.js v14, unpatched, and role styling: a bot with MANAGE_ROLES creates a gradient role with a unicode
 * emoji (guild.roles.create({ colors, unicodeEmoji })), reads role.colors back, makes it holographic with
 * Constants.HolographicStyle, and sees GUILD_ROLE_UPDATE update its cache; and sets up the guild's onboarding with a
 * question whose options grant roles (guild.editOnboarding, guild.fetchOnboarding).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Constants, GatewayIntentBits, GuildOnboardingMode, type Role } from 'discord.js';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { botWorld, loggedInClient } from './setup.ts';

describe('discord.js v14 and role colors', () => {
  let t: TestServer;
  let client: Client;
  let guildId: string;

  before(async () => {
    t = await startTestServer();
    const world = await botWorld(t, 'djs roles', Permissions.VIEW_CHANNEL | Permissions.MANAGE_ROLES | Permissions.MANAGE_GUILD);
    guildId = world.guild.id;
    client = await loggedInClient(t, world.bot.token, [GatewayIntentBits.Guilds]);
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  it('guild.roles.create with a gradient and an emoji; role.setColors to the holographic style', async () => {
    const guild = await client.guilds.fetch(guildId);
    const role: Role = await guild.roles.create({ name: 'Sunset', colors: { primaryColor: 0xff7a00, secondaryColor: 0x8a2be2 }, unicodeEmoji: '🌅' });
    assert.deepEqual(role.colors, { primaryColor: 0xff7a00, secondaryColor: 0x8a2be2, tertiaryColor: null });
    assert.equal(role.unicodeEmoji, '🌅');
    const stored = await t.store.roles.get(guildId, role.id);
    assert.equal(stored?.secondaryColor, 0x8a2be2);

    const holo = await role.setColors({
      primaryColor: Constants.HolographicStyle.Primary,
      secondaryColor: Constants.HolographicStyle.Secondary,
      tertiaryColor: Constants.HolographicStyle.Tertiary,
    });
    assert.deepEqual(holo.colors, { primaryColor: 11127295, secondaryColor: 16759788, tertiaryColor: 16761760 });
    // The cache follows GUILD_ROLE_UPDATE.
    await waitFor(() => guild.roles.cache.get(role.id)?.colors.tertiaryColor === 16761760, { what: 'the cached role updated' });
  });

  it('guild.editOnboarding with a question granting roles; guild.fetchOnboarding reads it back', async () => {
    const guild = await client.guilds.fetch(guildId);
    const role = await guild.roles.create({ name: 'Newcomer' });
    const edited = await guild.editOnboarding({
      enabled: true,
      mode: GuildOnboardingMode.OnboardingDefault,
      prompts: [{ title: 'Why are you here?', singleSelect: true, options: [{ title: 'To learn', roles: [role.id], emoji: '📚' }] }],
    });
    assert.equal(edited.enabled, true);
    const prompt = edited.prompts.first()!;
    assert.equal(prompt.title, 'Why are you here?');
    assert.equal(prompt.singleSelect, true);
    const option = prompt.options.first()!;
    assert.equal(option.title, 'To learn');
    assert.deepEqual([...option.roles.keys()], [role.id]);
    const fetched = await guild.fetchOnboarding();
    assert.deepEqual([...fetched.prompts.keys()], [prompt.id]);
  });
});

