/**
 * discord.js v14, unpatched, and message components: a bot sends an ActionRowBuilder of ButtonBuilders and a
 * StringSelectMenuBuilder with channel.send, reads them back as discord.js's component classes from the sent
 * message, from a fetch and from messageCreate, edits them away with `components: []`, and gets Discord's
 * 50035 (as a DiscordAPIError) for a duplicated custom_id.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ActionRowBuilder, AttachmentBuilder, ButtonBuilder, ButtonComponent, ButtonStyle, Client, ComponentType, ContainerBuilder, ContainerComponent, DiscordAPIError, Events,
  FileBuilder, FileComponent, GatewayIntentBits, MediaGalleryBuilder, MediaGalleryComponent, MediaGalleryItemBuilder, MessageFlags, SectionBuilder, SectionComponent,
  SeparatorBuilder, SeparatorComponent, SeparatorSpacingSize, StringSelectMenuBuilder, StringSelectMenuComponent, TextDisplayBuilder, TextDisplayComponent,
  type ActionRow, type Interaction, type Message, type MessageActionRowComponent, type TextChannel,
} from 'discord.js';
import sharp from 'sharp';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { type BotWorld, botWorld, loggedInClient } from './setup.ts';

describe('discord.js v14 and message components', () => {
  let t: TestServer;
  let world: BotWorld;
  let client: Client;
  let channel: TextChannel;

  before(async () => {
    t = await startTestServer();
    world = await botWorld(t, 'Components');
    client = await loggedInClient(t, world.bot.token, [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent]);
    channel = (await client.channels.fetch(world.channel.id)) as TextChannel;
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  const buttonsRow = () =>
    new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId('confirm').setLabel('Confirm').setStyle(ButtonStyle.Success).setEmoji('✅'),
      new ButtonBuilder().setCustomId('cancel').setLabel('Cancel').setStyle(ButtonStyle.Danger).setDisabled(true),
      new ButtonBuilder().setLabel('Guide').setStyle(ButtonStyle.Link).setURL('https://example.test/guide'),
    );
  const selectRow = () =>
    new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(
      new StringSelectMenuBuilder()
        .setCustomId('flavour')
        .setPlaceholder('Pick a flavour')
        .setMinValues(1)
        .setMaxValues(2)
        .addOptions({ label: 'Vanilla', value: 'vanilla', description: 'plain', default: true }, { label: 'Chocolate', value: 'chocolate' }),
    );

  /** What the bot sent, as discord.js parses it. */
  function assertComponents(message: Message): void {
    assert.equal(message.components.length, 2);
    const [buttons, menu] = message.components as ActionRow<MessageActionRowComponent>[];
    assert.equal(buttons!.type, ComponentType.ActionRow);
    assert.equal(buttons!.id, 1);
    const [confirm, cancel, guide] = buttons!.components as ButtonComponent[];
    assert.ok(confirm instanceof ButtonComponent);
    assert.equal(confirm.customId, 'confirm');
    assert.equal(confirm.label, 'Confirm');
    assert.equal(confirm.style, ButtonStyle.Success);
    assert.equal(confirm.emoji?.name, '✅');
    assert.equal(confirm.disabled, false);
    assert.equal(cancel!.customId, 'cancel');
    assert.equal(cancel!.disabled, true);
    assert.equal(guide!.style, ButtonStyle.Link);
    assert.equal(guide!.url, 'https://example.test/guide');
    assert.equal(guide!.customId, null);

    const select = menu!.components[0] as StringSelectMenuComponent;
    assert.ok(select instanceof StringSelectMenuComponent);
    assert.equal(select.customId, 'flavour');
    assert.equal(select.placeholder, 'Pick a flavour');
    assert.equal(select.minValues, 1);
    assert.equal(select.maxValues, 2);
    assert.deepEqual(select.options.map((o) => [o.label, o.value, o.default ?? false]), [['Vanilla', 'vanilla', true], ['Chocolate', 'chocolate', false]]);
  }

  it('sends buttons and a string select and reads them back from message.components', async () => {
    const created = new Promise<Message>((resolve) => client.on(Events.MessageCreate, (m) => m.content === 'pick one' && resolve(m)));
    const sent = await channel.send({ content: 'pick one', components: [buttonsRow(), selectRow()] });
    assertComponents(sent);
    assertComponents(await created);
    assertComponents(await channel.messages.fetch({ message: sent.id, force: true }));

    const edited = await sent.edit({ components: [] });
    assert.equal(edited.components.length, 0);
    assert.equal(edited.content, 'pick one');
    assert.equal((await channel.messages.fetch({ message: sent.id, force: true })).components.length, 0);
  });

  it('Components V2: a ContainerBuilder layout sent with MessageFlags.IsComponentsV2 comes back as discord.js classes; its section button is clickable', async () => {
    const png = await sharp({ create: { width: 20, height: 10, channels: 3, background: '#30a050' } }).png().toBuffer();
    const container = new ContainerBuilder()
      .setAccentColor(0x57f287)
      .addTextDisplayComponents(new TextDisplayBuilder().setContent('## Build 42'))
      .addSectionComponents(new SectionBuilder()
        .addTextDisplayComponents(new TextDisplayBuilder().setContent('Ready to ship'))
        .setButtonAccessory(new ButtonBuilder().setCustomId('ship').setLabel('Ship').setStyle(ButtonStyle.Primary)))
      .addSeparatorComponents(new SeparatorBuilder().setDivider(true).setSpacing(SeparatorSpacingSize.Large))
      .addMediaGalleryComponents(new MediaGalleryBuilder().addItems(new MediaGalleryItemBuilder().setURL('attachment://chart.png').setDescription('the chart')))
      .addFileComponents(new FileBuilder().setURL('attachment://build.log'));
    const sent = await channel.send({
      components: [container], flags: MessageFlags.IsComponentsV2,
      files: [new AttachmentBuilder(png, { name: 'chart.png' }), new AttachmentBuilder(Buffer.from('all green\n'), { name: 'build.log' })],
    });
    assert.equal(sent.flags.has(MessageFlags.IsComponentsV2), true);
    assert.equal(sent.attachments.size, 0, 'both files are shown by components');
    const [top] = sent.components;
    assert.ok(top instanceof ContainerComponent);
    assert.equal(top.accentColor, 0x57f287);
    const [title, section, separator, gallery, file] = top.components;
    assert.ok(title instanceof TextDisplayComponent && title.content === '## Build 42');
    assert.ok(section instanceof SectionComponent);
    assert.equal((section.accessory as ButtonComponent).customId, 'ship');
    assert.ok(separator instanceof SeparatorComponent && separator.spacing === SeparatorSpacingSize.Large);
    assert.ok(gallery instanceof MediaGalleryComponent);
    assert.match(gallery.items[0]!.media.url, /\/attachments\/\d+\/\d+\/chart\.png\?/);
    assert.equal(gallery.items[0]!.description, 'the chart');
    assert.ok(file instanceof FileComponent);
    assert.equal(Buffer.from(await (await fetch(file.file.url)).arrayBuffer()).toString(), 'all green\n');

    // Read back; signed again for the fetch, so compared without the signatures (they change on the hour).
    const fetched = await channel.messages.fetch({ message: sent.id, force: true });
    const unsigned = (v: unknown) => JSON.stringify(v).replace(/\?ex=[0-9a-f]+&is=[0-9a-f]+&hm=[0-9a-f]+&/g, '');
    assert.equal(unsigned(fetched.components.map((c) => c.toJSON())), unsigned(sent.components.map((c) => c.toJSON())));

    const pressed = new Promise<Interaction>((resolve) => client.once(Events.InteractionCreate, resolve));
    const res = await t.request('POST', '/interactions', {
      auth: world.owner,
      body: { type: 3, application_id: world.appId, guild_id: world.guild.id, channel_id: world.channel.id, session_id: 'x', message_id: sent.id, data: { custom_id: 'ship', component_type: 2 } },
    });
    assert.equal(res.status, 204, JSON.stringify(res.body));
    const interaction = await pressed;
    assert.ok(interaction.isButton());
    assert.equal(interaction.customId, 'ship');
    await interaction.update({ components: [new ContainerBuilder().addTextDisplayComponents(new TextDisplayBuilder().setContent('Shipped'))] });
    const after = await channel.messages.fetch({ message: sent.id, force: true });
    assert.equal(((after.components[0] as ContainerComponent).components[0] as TextDisplayComponent).content, 'Shipped');
    assert.equal(after.flags.has(MessageFlags.IsComponentsV2), true);
  });

  it("a duplicated custom_id is refused with Discord's 50035", async () => {
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId('same').setLabel('A').setStyle(ButtonStyle.Primary),
      new ButtonBuilder().setCustomId('same').setLabel('B').setStyle(ButtonStyle.Secondary),
    );
    await assert.rejects(channel.send({ content: 'twins', components: [row] }), (err: unknown) => {
      assert.ok(err instanceof DiscordAPIError);
      assert.equal(err.code, 50035);
      assert.match(err.message, /COMPONENT_CUSTOM_ID_DUPLICATED/);
      return true;
    });
  });
});
