/**
 * discord.js v14, unpatched, registering application commands against Accord: a SlashCommandBuilder command with
 * subcommands, a subcommand group, choices, ranges and localizations through client.application.commands.set,
 * a context menu; guild commands through guild.commands create / fetch / edit / delete; and command permissions
 * through client.application.commands.permissions with the owner's token as the Bearer token Discord requires,
 * with the gateway's applicationCommandPermissionsUpdate.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ApplicationCommandOptionType, ApplicationCommandPermissionType, ApplicationCommandType, ChannelType, Client, ContextMenuCommandBuilder,
  Events, GatewayIntentBits, PermissionFlagsBits, SlashCommandBuilder, type ApplicationCommandPermissionsUpdateData, type Guild,
} from 'discord.js';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { type BotWorld, botWorld, loggedInClient } from './setup.ts';

function settingsCommand() {
  return new SlashCommandBuilder()
    .setName('settings')
    .setDescription('Show or change settings')
    .setNameLocalizations({ fr: 'parametres', de: 'einstellungen' })
    .setDescriptionLocalizations({ fr: 'Afficher ou changer les réglages' })
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((sub) => sub.setName('show').setDescription('Show the settings'))
    .addSubcommandGroup((group) =>
      group
        .setName('set')
        .setDescription('Change a setting')
        .addSubcommand((sub) =>
          sub
            .setName('color')
            .setDescription('Pick a colour')
            .setDescriptionLocalizations({ 'en-GB': 'Pick a colour!' })
            .addStringOption((o) =>
              o
                .setName('value')
                .setDescription('The colour')
                .setRequired(true)
                .addChoices({ name: 'Red', value: 'red', name_localizations: { fr: 'Rouge' } }, { name: 'Blue', value: 'blue' }),
            )
            .addIntegerOption((o) => o.setName('shade').setDescription('How dark').setMinValue(0).setMaxValue(10)),
        )
        .addSubcommand((sub) =>
          sub
            .setName('channel')
            .setDescription('Where to post')
            .addChannelOption((o) => o.setName('where').setDescription('The channel').addChannelTypes(ChannelType.GuildText).setRequired(true))
            .addStringOption((o) => o.setName('note').setDescription('A note').setMinLength(2).setMaxLength(50)),
        ),
    );
}

describe('discord.js v14 application commands', () => {
  let t: TestServer;
  let w: BotWorld;
  let client: Client;
  let guild: Guild;

  before(async () => {
    t = await startTestServer();
    w = await botWorld(t, 'Commands');
    client = await loggedInClient(t, w.bot.token, [GatewayIntentBits.Guilds]);
    guild = await client.guilds.fetch(w.guild.id);
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  it('client.application.commands.set registers a SlashCommandBuilder tree and a context menu; set again keeps the ids', async () => {
    assert.equal(client.application!.id, w.appId);
    const menu = new ContextMenuCommandBuilder().setName('Inspect User').setType(ApplicationCommandType.User);
    const set = await client.application!.commands.set([settingsCommand().toJSON(), menu.toJSON()]);
    assert.equal(set.size, 2);
    const settings = set.find((c) => c.name === 'settings')!;
    assert.equal(settings.type, ApplicationCommandType.ChatInput);
    assert.equal(settings.applicationId, w.appId);
    assert.deepEqual(settings.nameLocalizations, { de: 'einstellungen', fr: 'parametres' });
    assert.equal(settings.descriptionLocalizations?.fr, 'Afficher ou changer les réglages');
    assert.equal(settings.defaultMemberPermissions?.has(PermissionFlagsBits.ManageGuild), true);
    assert.deepEqual(settings.options.map((o) => [o.type, o.name]), [[ApplicationCommandOptionType.Subcommand, 'show'], [ApplicationCommandOptionType.SubcommandGroup, 'set']]);
    const group = settings.options[1] as any;
    const color = group.options.find((o: any) => o.name === 'color');
    assert.equal(color.descriptionLocalizations['en-GB'], 'Pick a colour!');
    const value = color.options[0];
    assert.equal(value.required, true);
    assert.deepEqual(value.choices.map((c: any) => [c.name, c.value]), [['Red', 'red'], ['Blue', 'blue']]);
    assert.deepEqual(value.choices[0].nameLocalizations, { fr: 'Rouge' });
    assert.equal(color.options[1].minValue, 0);
    assert.equal(color.options[1].maxValue, 10);
    const channel = group.options.find((o: any) => o.name === 'channel');
    assert.deepEqual(channel.options[0].channelTypes, [ChannelType.GuildText]);
    assert.equal(channel.options[1].minLength, 2);
    assert.equal(channel.options[1].maxLength, 50);
    const inspect = set.find((c) => c.name === 'Inspect User')!;
    assert.equal(inspect.type, ApplicationCommandType.User);
    assert.equal(inspect.description, '');

    // What discord.js holds equals what it sent, with Discord's defaults filled in (the builder leaves nsfw,
    // contexts and integration_types unset, and equals() compares them as sent).
    const sent = { ...settingsCommand().toJSON(), nsfw: false, contexts: [0, 1, 2], integration_types: [0] };
    assert.equal(settings.equals(sent as any, true), true);

    const again = await client.application!.commands.set([settingsCommand().toJSON(), menu.toJSON()]);
    assert.equal(again.find((c) => c.name === 'settings')!.id, settings.id);
    assert.equal(again.find((c) => c.name === 'settings')!.version, settings.version);
    const fetched = await client.application!.commands.fetch({ withLocalizations: true });
    assert.deepEqual([...fetched.keys()].sort(), [settings.id, inspect.id].sort());
    assert.deepEqual(fetched.get(settings.id)!.nameLocalizations, { de: 'einstellungen', fr: 'parametres' });
  });

  it('guild.commands: create, fetch, edit, delete', async () => {
    const created = await guild.commands.create({
      name: 'roll',
      description: 'Roll a die',
      options: [{ type: ApplicationCommandOptionType.Integer, name: 'sides', description: 'How many sides', minValue: 2, maxValue: 100, required: true }],
    });
    assert.equal(created.guildId, guild.id);
    assert.equal(created.options[0]!.name, 'sides');
    const list = await guild.commands.fetch();
    assert.deepEqual([...list.keys()], [created.id]);
    const one = await guild.commands.fetch(created.id, { force: true });
    assert.equal(one.description, 'Roll a die');
    const edited = await created.edit({ description: 'Roll some dice', nameLocalizations: { de: 'wuerfeln' } });
    assert.equal(edited.id, created.id);
    assert.equal(edited.description, 'Roll some dice');
    assert.deepEqual(edited.nameLocalizations, { de: 'wuerfeln' });
    assert.equal(edited.options[0]!.name, 'sides', 'options not given are kept');
    await edited.delete();
    assert.equal((await guild.commands.fetch()).size, 0);
    // A guild command list set through the manager.
    const set = await client.application!.commands.set([{ name: 'local', description: 'Only here' }], guild.id);
    assert.equal(set.first()!.guildId, guild.id);
  });

  it('client.application.commands.permissions: set with a Bearer token, fetch, has, add, remove; the bot hears the update', async () => {
    const settings = (await client.application!.commands.fetch()).find((c) => c.name === 'settings')!;
    const bot = client.application!.commands.permissions;
    // discord.js sends the token as Bearer: a bot token there is no user's token at all (401, as on Discord).
    await assert.rejects(bot.set({ guild: guild.id, command: settings.id, permissions: [], token: w.bot.token }), (err: any) => err.status === 401);

    const updated = new Promise<ApplicationCommandPermissionsUpdateData>((resolve) => client.once(Events.ApplicationCommandPermissionsUpdate, resolve));
    const everyone = { id: guild.id, type: ApplicationCommandPermissionType.Role, permission: false };
    const set = await bot.set({ guild: guild.id, command: settings.id, token: w.owner.token, permissions: [everyone] });
    assert.deepEqual(set, [everyone]);
    const event = await updated;
    assert.equal(event.id, settings.id);
    assert.equal(event.applicationId, w.appId);
    assert.equal(event.guildId, guild.id);
    assert.deepEqual(event.permissions, [everyone]);

    assert.deepEqual(await bot.fetch({ guild: guild.id, command: settings.id }), [everyone]);
    assert.equal(await bot.has({ guild: guild.id, command: settings.id, permissionId: guild.id, permissionType: ApplicationCommandPermissionType.Role }), true);
    const ownerAllowed = { id: w.owner.id, type: ApplicationCommandPermissionType.User, permission: true };
    const byId = (list: Array<{ id: string }>) => [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
    const added = await bot.add({ guild: guild.id, command: settings.id, token: w.owner.token, permissions: [ownerAllowed] });
    assert.deepEqual(byId(added), byId([everyone, ownerAllowed]));
    const removed = await bot.remove({ guild: guild.id, command: settings.id, token: w.owner.token, users: [w.owner.id] });
    assert.deepEqual(removed, [everyone]);
    // Guild-wide defaults live under the application's id, which discord.js takes to be its bot user's (as on Discord).
    await bot.set({ guild: guild.id, command: client.user!.id, token: w.owner.token, permissions: [ownerAllowed] });
    const all = await bot.fetch({ guild: guild.id });
    assert.deepEqual([...all.keys()].sort(), [settings.id, w.appId].sort());
    // A command without permissions: add() starts from nothing (10066 on its fetch).
    const inspect = (await client.application!.commands.fetch()).find((c) => c.name === 'Inspect User')!;
    assert.equal(await bot.has({ guild: guild.id, command: inspect.id, permissionId: guild.id, permissionType: ApplicationCommandPermissionType.Role }), false);
    assert.deepEqual(await bot.add({ guild: guild.id, command: inspect.id, token: w.owner.token, permissions: [everyone] }), [everyone]);
  });
});
