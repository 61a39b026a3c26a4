/**
 * discord.js v14, unpatched, answering interactions against Accord: the bot registers guild commands, the test
 * plays the user's client (POST /interactions, a user gateway session) and the bot answers with reply(),
 * deferReply() + editReply(), followUp(), an ephemeral reply, showModal() + awaitModalSubmit(), and a button
 * with awaitMessageComponent() + update(). Asserts what the user sees on their gateway session.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ActionRowBuilder, ButtonBuilder, ButtonStyle, Client, ComponentType, Events, GatewayIntentBits, MessageFlags, ModalBuilder, SlashCommandBuilder,
  TextInputBuilder, TextInputStyle, type ChatInputCommandInteraction, type Interaction,
} from 'discord.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { GatewayClient } from '../integration/gateway-client.ts';
import { botWorld, type BotWorld } from './setup.ts';

const COMMANDS = ['hello', 'slow', 'more', 'secret', 'form', 'button'].map((name) => new SlashCommandBuilder().setName(name).setDescription(`The ${name} command`).toJSON());

/** What the bot does for each command (errors are kept for the test to report). */
async function handle(interaction: ChatInputCommandInteraction): Promise<void> {
  switch (interaction.commandName) {
    case 'hello':
      await interaction.reply('Hello from discord.js');
      return;
    case 'slow':
      await interaction.deferReply();
      await interaction.editReply('Finished thinking');
      return;
    case 'more':
      await interaction.reply('First answer');
      await interaction.followUp('Second answer');
      return;
    case 'secret':
      await interaction.reply({ content: 'Only for you', flags: MessageFlags.Ephemeral });
      return;
    case 'form': {
      const modal = new ModalBuilder().setCustomId('feedback').setTitle('Feedback').addComponents(
        new ActionRowBuilder<TextInputBuilder>().addComponents(new TextInputBuilder().setCustomId('body').setLabel('Your feedback').setStyle(TextInputStyle.Short)),
      );
      await interaction.showModal(modal);
      const submit = await interaction.awaitModalSubmit({ time: 10_000, filter: (i) => i.customId === 'feedback' });
      await submit.reply(`Thanks for: ${submit.fields.getTextInputValue('body')}`);
      return;
    }
    case 'button': {
      const row = new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId('go').setLabel('Go').setStyle(ButtonStyle.Primary));
      const response = await interaction.reply({ content: 'Press Go', components: [row], withResponse: true });
      const click = await response.resource!.message!.awaitMessageComponent({ componentType: ComponentType.Button, time: 10_000 });
      await click.update({ content: `Pressed by ${click.user.id}`, components: [] });
      return;
    }
  }
}

describe('discord.js v14 interactions', () => {
  let t: TestServer;
  let w: BotWorld;
  let client: Client;
  let user: TestUser;
  let userGw: GatewayClient;
  const commandIds = new Map<string, { id: string; version: string }>();
  const failures: unknown[] = [];

  before(async () => {
    t = await startTestServer();
    w = await botWorld(t, 'Interactions');
    user = await t.register();
    await t.join(w.owner, w.guild.id, user);
    client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: `${t.url}/api` } });
    client.on(Events.InteractionCreate, (interaction: Interaction) => {
      if (interaction.isChatInputCommand()) handle(interaction).catch((err) => failures.push(err));
    });
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login(w.bot.token);
    await ready;
    const guild = await client.guilds.fetch(w.guild.id);
    const set = await guild.commands.set(COMMANDS);
    for (const c of set.values()) commandIds.set(c.name, { id: c.id, version: c.version });
    userGw = await GatewayClient.connect(t.url);
    await userGw.identify(user.token);
  });
  after(async () => {
    await client?.destroy();
    await userGw?.close();
    await t?.close();
  });

  let seq = 0;
  /** The user runs /name; returns the interaction id (from the user's INTERACTION_CREATE). */
  async function run(name: string): Promise<string> {
    const c = commandIds.get(name)!;
    const nonce = `djs${++seq}`;
    const res = await t.request('POST', '/interactions', {
      auth: user,
      body: { type: 2, application_id: w.appId, guild_id: w.guild.id, channel_id: w.channel.id, session_id: 'x', nonce, data: { id: c.id, name, type: 1, version: c.version } },
    });
    assert.equal(res.status, 204, JSON.stringify(res.body));
    return (await userGw.waitForDispatch('INTERACTION_CREATE', (d) => d.nonce === nonce)).d.id;
  }

  const byInteraction = (id: string) => (d: any) => d.interaction_metadata?.id === id;

  it('interaction.reply() posts a type 20 message the user sees', async () => {
    const id = await run('hello');
    const msg = await userGw.waitForDispatch('MESSAGE_CREATE', byInteraction(id), 10_000);
    assert.equal(msg.d.content, 'Hello from discord.js');
    assert.equal(msg.d.type, 20);
    assert.equal(msg.d.author.id, w.bot.id);
    assert.equal(msg.d.interaction.name, 'hello');
    assert.deepEqual(failures, []);
  });

  it('deferReply() shows a loading message that editReply() fills', async () => {
    const id = await run('slow');
    const loading = await userGw.waitForDispatch('MESSAGE_CREATE', byInteraction(id), 10_000);
    assert.equal(loading.d.flags & 128, 128);
    const filled = await userGw.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === loading.d.id && d.content === 'Finished thinking', 10_000);
    assert.equal(filled.d.flags & 128, 0);
    assert.deepEqual(failures, []);
  });

  it('followUp() adds a second message after the reply', async () => {
    const id = await run('more');
    const first = await userGw.waitForDispatch('MESSAGE_CREATE', (d) => byInteraction(id)(d) && d.content === 'First answer', 10_000);
    const second = await userGw.waitForDispatch('MESSAGE_CREATE', (d) => byInteraction(id)(d) && d.content === 'Second answer', 10_000);
    assert.equal(second.d.interaction_metadata.original_response_message_id, first.d.id);
    assert.deepEqual(failures, []);
  });

  it('an ephemeral reply reaches the user and is not in the channel history', async () => {
    const id = await run('secret');
    const msg = await userGw.waitForDispatch('MESSAGE_CREATE', byInteraction(id), 10_000);
    assert.equal(msg.d.content, 'Only for you');
    assert.equal(msg.d.flags & 64, 64);
    const history = await t.request('GET', `/channels/${w.channel.id}/messages?limit=50`, { auth: w.owner });
    assert.equal(history.body.some((m: any) => m.id === msg.d.id), false);
    assert.deepEqual(failures, []);
  });

  it('showModal() then awaitModalSubmit() gets what the user typed', async () => {
    const id = await run('form');
    const modal = await userGw.waitForDispatch('INTERACTION_MODAL_CREATE', (d) => d.id === id, 10_000);
    assert.equal(modal.d.title, 'Feedback');
    const nonce = 'modal-submit';
    const res = await t.request('POST', '/interactions', {
      auth: user,
      body: {
        type: 5, application_id: w.appId, guild_id: w.guild.id, channel_id: w.channel.id, session_id: 'x', nonce,
        data: { id: modal.d.id, custom_id: 'feedback', components: [{ type: 1, components: [{ type: 4, custom_id: 'body', value: 'Accord works' }] }] },
      },
    });
    assert.equal(res.status, 204, JSON.stringify(res.body));
    const submitId = (await userGw.waitForDispatch('INTERACTION_CREATE', (d) => d.nonce === nonce)).d.id;
    const reply = await userGw.waitForDispatch('MESSAGE_CREATE', byInteraction(submitId), 10_000);
    assert.equal(reply.d.content, 'Thanks for: Accord works');
    assert.deepEqual(failures, []);
  });

  it('a button with awaitMessageComponent() and update()', async () => {
    const id = await run('button');
    const msg = await userGw.waitForDispatch('MESSAGE_CREATE', byInteraction(id), 10_000);
    assert.equal(msg.d.components[0].components[0].custom_id, 'go');
    const res = await t.request('POST', '/interactions', {
      auth: user,
      body: { type: 3, application_id: w.appId, guild_id: w.guild.id, channel_id: w.channel.id, session_id: 'x', message_id: msg.d.id, data: { custom_id: 'go', component_type: 2 } },
    });
    assert.equal(res.status, 204, JSON.stringify(res.body));
    const updated = await userGw.waitForDispatch('MESSAGE_UPDATE', (d) => d.id === msg.d.id && d.content === `Pressed by ${user.id}`, 10_000);
    assert.deepEqual(updated.d.components, []);
    assert.deepEqual(failures, []);
  });
});
