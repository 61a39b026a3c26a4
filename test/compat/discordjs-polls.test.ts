/**
 * discord.js v14, unpatched, and polls: a bot sends a poll with channel.send({ poll }), a user votes through REST
 * (PUT …/polls/{id}/answers/@me, as Discord's client does), the bot gets messagePollVoteAdd / messagePollVoteRemove,
 * fetches the voters of the answer and ends the poll with message.poll.end().
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Events, GatewayIntentBits, type PartialPollAnswer, type PollAnswer, type TextChannel } from 'discord.js';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { botWorld } from './setup.ts';

describe('discord.js v14 and polls', () => {
  let t: TestServer;
  let client: Client;

  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  it('channel.send({ poll }), a vote via REST → messagePollVoteAdd, voters, message.poll.end()', async () => {
    const world = await botWorld(t, 'djs polls');
    const voter = await t.register();
    await t.join(world.owner, world.guild.id, voter);

    client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent, GatewayIntentBits.GuildMessagePolls],
      rest: { api: `${t.url}/api` },
    });
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login(world.bot.token);
    await ready;

    const channel = (await client.channels.fetch(world.channel.id)) as TextChannel;
    const sent = await channel.send({
      content: 'lunch?',
      poll: { question: { text: 'Where to eat?' }, answers: [{ text: 'Pizza', emoji: '🍕' }, { text: 'Sushi' }], duration: 4, allowMultiselect: false },
    });
    assert.ok(sent.poll);
    assert.equal(sent.poll!.question.text, 'Where to eat?');
    assert.deepEqual([...sent.poll!.answers.values()].map((a) => a.text), ['Pizza', 'Sushi']);
    assert.equal(sent.poll!.answers.get(1)!.emoji?.name, '🍕');
    assert.equal(sent.poll!.allowMultiselect, false);
    assert.equal(sent.poll!.resultsFinalized, false);
    assert.ok(Math.abs(sent.poll!.expiresTimestamp! - (Date.now() + 4 * 3_600_000)) < 60_000);

    const voted = new Promise<[PollAnswer | PartialPollAnswer, string]>((resolve) => client.on(Events.MessagePollVoteAdd, (answer, userId) => resolve([answer, userId])));
    const res = await t.request('PUT', `/channels/${world.channel.id}/polls/${sent.id}/answers/@me`, { auth: voter, body: { answer_ids: [2] } });
    assert.equal(res.status, 204, JSON.stringify(res.body));
    const [answer, userId] = await voted;
    assert.equal(userId, voter.id);
    assert.equal(answer.id, 2);
    assert.equal(answer.text, 'Sushi');
    assert.equal(answer.poll.message.id, sent.id);
    assert.equal(answer.voteCount, 1);

    const voters = await answer.voters.fetch();
    assert.deepEqual([...voters.keys()], [voter.id]);

    const removed = new Promise<[PollAnswer | PartialPollAnswer, string]>((resolve) => client.on(Events.MessagePollVoteRemove, (a, u) => resolve([a, u])));
    assert.equal((await t.request('PUT', `/channels/${world.channel.id}/polls/${sent.id}/answers/@me`, { auth: voter, body: { answer_ids: [] } })).status, 204);
    const [gone, goneUser] = await removed;
    assert.equal(gone.id, 2);
    assert.equal(goneUser, voter.id);

    const ended = await sent.poll!.end();
    assert.equal(ended.id, sent.id);
    assert.equal(ended.poll!.resultsFinalized, true);
    assert.ok(ended.poll!.expiresTimestamp! <= Date.now() + 1000);
    // discord.js itself refuses to end an ended poll; the server says so too (520001).
    await assert.rejects(ended.poll!.end(), (err: any) => err.code === 'PollAlreadyExpired');
    const again = await t.request('POST', `/channels/${world.channel.id}/polls/${sent.id}/expire`, { auth: world.bot });
    assert.equal(again.status, 400);
    assert.equal(again.body.code, 520001);
  });
});
