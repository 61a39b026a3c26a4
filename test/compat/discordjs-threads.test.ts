/**
 * discord.js v14, unpatched, with threads and forum channels: message.startThread, thread.send, thread.members.add,
 * channel.threads.fetchArchived(), guild.channels.create({ type: GuildForum, availableTags }) and
 * forum.threads.create({ name, message, appliedTags }), a post's message with files included.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChannelType, Client, Events, GatewayIntentBits, type ForumChannel, type TextChannel, type ThreadChannel } from 'discord.js';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { botWorld } from './setup.ts';

describe('discord.js v14 and threads', () => {
  let t: TestServer;
  let client: Client;

  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  it('startThread, thread.send, members.add, fetchArchived, forum channels and posts', async () => {
    const world = await botWorld(t, 'djs threads');
    const friend = await t.register();
    await t.join(world.owner, world.guild.id, friend);
    // The bot may manage threads and channels.
    const perms = Permissions.MANAGE_CHANNELS | Permissions.MANAGE_THREADS | Permissions.CREATE_PUBLIC_THREADS | Permissions.CREATE_PRIVATE_THREADS | Permissions.SEND_MESSAGES_IN_THREADS;
    const role = await t.request('POST', `/guilds/${world.guild.id}/roles`, { auth: world.owner, body: { name: 'threads', permissions: perms.toString() } });
    assert.equal(role.status, 200, JSON.stringify(role.body));
    assert.equal((await t.request('PUT', `/guilds/${world.guild.id}/members/${world.bot.id}/roles/${role.body.id}`, { auth: world.owner })).status, 204);

    client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent, GatewayIntentBits.GuildMembers],
      rest: { api: `${t.url}/api` },
    });
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login(world.bot.token);
    await ready;

    const channel = (await client.channels.fetch(world.channel.id)) as TextChannel;
    const root = await channel.send('let us discuss');
    const created = new Promise<ThreadChannel>((resolve) => client.on(Events.ThreadCreate, (th) => resolve(th)));
    const thread = await root.startThread({ name: 'Discussion', autoArchiveDuration: 1440 });
    assert.equal(thread.id, root.id);
    assert.equal(thread.name, 'Discussion');
    assert.equal(thread.type, ChannelType.PublicThread);
    assert.equal(thread.parentId, channel.id);
    assert.equal(thread.autoArchiveDuration, 1440);
    assert.equal(thread.archived, false);
    assert.equal((await created).id, thread.id);
    assert.equal(channel.threads.cache.get(thread.id)?.id, thread.id);

    const sent = await thread.send('first reply');
    assert.equal(sent.channelId, thread.id);
    assert.equal(sent.content, 'first reply');

    // A user's reply in the thread reaches the bot as a message of the thread.
    const heard = new Promise<string>((resolve) => client.on(Events.MessageCreate, (m) => { if (m.channelId === thread.id && m.author.id === friend.id) resolve(m.content); }));
    const res = await t.request('POST', `/channels/${thread.id}/messages`, { auth: friend, body: { content: 'hello thread' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(await heard, 'hello thread');

    const other = await t.register();
    await t.join(world.owner, world.guild.id, other);
    await thread.members.add(other.id);
    const members = await thread.members.fetch();
    assert.ok(members.has(other.id));
    assert.ok(members.has(friend.id));

    await thread.setArchived(true);
    assert.equal(thread.archived, true);
    const archived = await channel.threads.fetchArchived();
    assert.ok(archived.threads.has(thread.id));
    assert.equal(archived.hasMore, false);
    const active = await channel.guild.channels.fetchActiveThreads();
    assert.ok(!active.threads.has(thread.id));

    const forum = (await channel.guild.channels.create({
      name: 'help', type: ChannelType.GuildForum, availableTags: [{ name: 'question' }, { name: 'solved', moderated: true }],
    })) as ForumChannel;
    assert.equal(forum.type, ChannelType.GuildForum);
    assert.deepEqual(forum.availableTags.map((tag) => tag.name), ['question', 'solved']);
    const question = forum.availableTags.find((tag) => tag.name === 'question')!;
    const post = await forum.threads.create({ name: 'How do I start?', message: { content: 'I am lost' }, appliedTags: [question.id] });
    assert.equal(post.parentId, forum.id);
    assert.deepEqual(post.appliedTags, [question.id]);
    const starter = await post.fetchStarterMessage();
    assert.equal(starter?.content, 'I am lost');

    // A post with a file, as discord.js sends it (files[n] beside payload_json).
    const withFile = await forum.threads.create({
      name: 'Here is my log', message: { content: 'see attached', files: [{ attachment: Buffer.from('line one\nline two\n'), name: 'log.txt' }] }, appliedTags: [question.id],
    });
    const first = await withFile.fetchStarterMessage();
    assert.equal(first?.content, 'see attached');
    const file = first?.attachments.first();
    assert.equal(file?.name, 'log.txt');
    assert.equal(await (await fetch(file!.url)).text(), 'line one\nline two\n');
  });
});
