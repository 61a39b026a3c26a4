/**
 * discord.js v14, unpatched, with what issue #14 added: a global command registered with integration_types and
 * contexts, an ATTACHMENT option read with `options.getAttachment()` (the file fetched from its URL), and a
 * user-installed command run in a guild the bot is not in — discord.js sees `context` and
 * `authorizingIntegrationOwners` and answers with reply() though it has no cache of that guild.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ApplicationIntegrationType, Client, Events, GatewayIntentBits, InteractionContextType, SlashCommandBuilder, type ChatInputCommandInteraction, type Interaction,
} from 'discord.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { GatewayClient } from '../integration/gateway-client.ts';
import { botWorld, type BotWorld } from './setup.ts';

const COMMANDS = [
  new SlashCommandBuilder().setName('inspect').setDescription('Describes a file').addAttachmentOption((o) => o.setName('file').setDescription('The file').setRequired(true)).toJSON(),
  new SlashCommandBuilder().setName('where').setDescription('Says where it runs')
    .setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall)
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel).toJSON(),
];

async function handle(interaction: ChatInputCommandInteraction): Promise<void> {
  if (interaction.commandName === 'inspect') {
    const file = interaction.options.getAttachment('file', true);
    const bytes = Buffer.from(await (await fetch(file.url)).arrayBuffer());
    await interaction.reply(`${file.name} ${file.size} ${file.contentType} ${bytes.toString('utf8')}`);
  } else if (interaction.commandName === 'where') {
    const owners = interaction.authorizingIntegrationOwners;
    await interaction.reply(`context ${interaction.context} user-owner ${owners[ApplicationIntegrationType.UserInstall] ?? '-'} cached ${interaction.inCachedGuild()}`);
  }
}

describe('discord.js v14: attachments and user installs', () => {
  let t: TestServer;
  let w: BotWorld;
  let client: Client;
  let user: TestUser;
  let userGw: GatewayClient;
  let elsewhere: any;
  let elsewhereChannel: any;
  const commands = new Map<string, { id: string; version: string }>();
  const failures: unknown[] = [];

  before(async () => {
    t = await startTestServer();
    w = await botWorld(t, 'UserApps');
    user = await t.register();
    await t.join(w.owner, w.guild.id, user);
    // A guild of the user's own that the bot never joins.
    elsewhere = await t.createGuild(user, 'Bot-free');
    elsewhereChannel = (await t.request('GET', `/guilds/${elsewhere.id}/channels`, { auth: user })).body.find((c: any) => c.type === 0);
    client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: `${t.url}/api` } });
    client.on(Events.InteractionCreate, (interaction: Interaction) => {
      if (interaction.isChatInputCommand()) handle(interaction).catch((err) => failures.push(err));
    });
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login(w.bot.token);
    await ready;
    const set = await client.application!.commands.set(COMMANDS);
    for (const c of set.values()) commands.set(c.name, { id: c.id, version: c.version });
    const where = set.find((c) => c.name === 'where')!;
    assert.deepEqual(where.integrationTypes, [0, 1]);
    assert.deepEqual(where.contexts, [0, 1, 2]);
    userGw = await GatewayClient.connect(t.url);
    await userGw.identify(user.token);
  });
  after(async () => {
    await client?.destroy();
    await userGw?.close();
    await t?.close();
  });

  let seq = 0;
  async function run(name: string, guildId: string, channelId: string, extra: { options?: unknown[]; attachments?: unknown[] } = {}, files: Array<{ name: string; bytes: Buffer }> = []): Promise<string> {
    const c = commands.get(name)!;
    const nonce = `ua${++seq}`;
    const payload = { type: 2, application_id: w.appId, guild_id: guildId, channel_id: channelId, session_id: 'x', nonce, data: { id: c.id, name, type: 1, version: c.version, ...extra } };
    const form = new FormData();
    files.forEach((f, i) => form.append(`files[${i}]`, new Blob([Uint8Array.from(f.bytes)]), f.name));
    form.append('payload_json', JSON.stringify(payload));
    const res = await fetch(`${t.api}/interactions`, { method: 'POST', headers: { authorization: user.auth }, body: form });
    assert.equal(res.status, 204, await res.text());
    return (await userGw.waitForDispatch('INTERACTION_CREATE', (d) => d.nonce === nonce)).d.id;
  }

  it('options.getAttachment() gives the uploaded file, fetchable at its URL', async () => {
    const id = await run('inspect', w.guild.id, w.channel.id, { attachments: [{ id: '0', filename: 'hello.txt' }], options: [{ type: 11, name: 'file', value: '0' }] }, [{ name: 'hello.txt', bytes: Buffer.from('hi there') }]);
    const msg = await userGw.waitForDispatch('MESSAGE_CREATE', (d) => d.interaction_metadata?.id === id, 10_000);
    assert.equal(msg.d.content, 'hello.txt 8 text/plain; charset=utf-8 hi there');
    assert.deepEqual(failures, []);
  });

  it('a user-installed command answers in a guild the bot is not in', async () => {
    const path = `/oauth2/authorize?client_id=${w.appId}&integration_type=1&scope=applications.commands`;
    assert.equal((await t.request('POST', path, { auth: user, body: { authorize: true } })).status, 200);
    const id = await run('where', elsewhere.id, elsewhereChannel.id);
    const msg = await userGw.waitForDispatch('MESSAGE_CREATE', (d) => d.interaction_metadata?.id === id, 10_000);
    assert.equal(msg.d.content, `context 0 user-owner ${user.id} cached false`);
    assert.equal(msg.d.author.id, w.bot.id);
    assert.deepEqual(failures, []);
  });
});
