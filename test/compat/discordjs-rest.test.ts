/**
 * Drives Accord with an unmodified @discordjs/rest client and discord-api-types' Routes: what a discord.js bot
 * and a user client do against the REST API, including waiting out a real rate limit.
 *
 * User tokens: Discord's user clients send them bare, which @discordjs/rest cannot do with its `authPrefix`
 * ('Bot' | 'Bearer'). Accord accepts `Bearer <user token>` as a user token, so the user's client uses
 * authPrefix 'Bearer'; one call also shows the bare form through `auth: false` and an explicit header.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DiscordAPIError, REST, type RateLimitData } from '@discordjs/rest';
import { MessageType, Routes, type APIChannel, type APIGuild, type APIMessage, type APIUser } from 'discord-api-types/v10';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

const restFor = (t: TestServer, token: string, authPrefix: 'Bot' | 'Bearer') =>
  new REST({ api: `${t.url}/api`, version: '10', authPrefix, retries: 1, timeout: 10_000 }).setToken(token);

describe('@discordjs/rest: a bot and a user', () => {
  let t: TestServer;
  let user: TestUser;
  let userRest: REST;
  let botRest: REST;
  let botId: string;
  let guild: APIGuild;
  let channelId: string;

  before(async () => {
    t = await startTestServer();
    user = await t.register();
    userRest = restFor(t, user.token, 'Bearer');
  });
  after(() => t.close());

  test('a user creates a guild, an application and its bot, and adds the bot with /oauth2/authorize', async () => {
    guild = (await userRest.post(Routes.guilds(), { body: { name: 'Compat Guild' } })) as APIGuild;
    assert.equal(guild.name, 'Compat Guild');
    const channels = (await userRest.get(Routes.guildChannels(guild.id))) as APIChannel[];
    channelId = channels.find((c) => c.type === 0)!.id;

    const app = (await userRest.post('/applications', { body: { name: 'Compat Bot' } })) as { id: string; bot: APIUser };
    botId = app.bot.id;
    const { token } = (await userRest.post(`/applications/${app.id}/bot/reset`)) as { token: string };
    const perms = Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES | Permissions.READ_MESSAGE_HISTORY | Permissions.ADD_REACTIONS | Permissions.MANAGE_MESSAGES;
    await userRest.post(Routes.oauth2Authorization(), {
      query: new URLSearchParams({ client_id: app.id, scope: 'bot', permissions: perms.toString() }),
      body: { guild_id: guild.id, permissions: perms.toString(), authorize: true },
    });
    botRest = restFor(t, token, 'Bot');
    // Routes.user() without an argument: Routes.user('@me') percent-encodes it to /users/%40me (see the report).
    const me = (await botRest.get(Routes.user())) as APIUser;
    assert.equal(me.id, botId);
    assert.equal(me.bot, true);
    const botChannels = (await botRest.get(Routes.guildChannels(guild.id))) as APIChannel[];
    assert.ok(botChannels.some((c) => c.id === channelId));

    // The bare user token, as Discord's own clients send it.
    const bare = (await userRest.get(Routes.user(), { auth: false, headers: { Authorization: user.token } })) as APIUser;
    assert.equal(bare.id, user.id);
  });

  test('they exchange messages, reply, edit and react', async () => {
    const hello = (await userRest.post(Routes.channelMessages(channelId), { body: { content: `hello <@${botId}>`, nonce: 'compat-1', enforce_nonce: true } })) as APIMessage;
    assert.equal(hello.author.id, user.id);
    assert.deepEqual(hello.mentions.map((u) => u.id), [botId]);

    const reply = (await botRest.post(Routes.channelMessages(channelId), {
      body: { content: 'hi there', message_reference: { message_id: hello.id }, allowed_mentions: { replied_user: true } },
    })) as APIMessage;
    assert.equal(reply.type, 19);
    assert.equal(reply.referenced_message?.id, hello.id);
    assert.deepEqual(reply.mentions.map((u) => u.id), [user.id]);

    const edited = (await botRest.patch(Routes.channelMessage(channelId, reply.id), { body: { content: 'hi there (edited)' } })) as APIMessage;
    assert.equal(edited.content, 'hi there (edited)');
    assert.ok(edited.edited_timestamp);

    await botRest.put(Routes.channelMessageOwnReaction(channelId, hello.id, encodeURIComponent('👍')));
    await userRest.put(Routes.channelMessageOwnReaction(channelId, hello.id, encodeURIComponent('👍')));
    const seen = (await userRest.get(Routes.channelMessage(channelId, hello.id))) as APIMessage;
    assert.equal(seen.reactions?.[0]?.count, 2);
    assert.equal(seen.reactions?.[0]?.me, true);
    const reactors = (await botRest.get(Routes.channelMessageReaction(channelId, hello.id, encodeURIComponent('👍')))) as APIUser[];
    assert.deepEqual(reactors.map((u) => u.id).sort(), [botId, user.id].sort());
    await userRest.delete(Routes.channelMessageUserReaction(channelId, hello.id, encodeURIComponent('👍'), '@me'));
    const after = (await userRest.get(Routes.channelMessage(channelId, hello.id))) as APIMessage;
    assert.equal(after.reactions?.[0]?.count, 1);
    assert.equal(after.reactions?.[0]?.me, false);

    await assert.rejects(botRest.patch(Routes.channelMessage(channelId, hello.id), { body: { content: 'not mine' } }), (err: unknown) => {
      assert.ok(err instanceof DiscordAPIError);
      assert.equal(err.status, 403);
      assert.equal(err.code, 50005);
      return true;
    });
    await assert.rejects(botRest.get(Routes.channelMessage(channelId, '123456789012345678')), (err: unknown) => err instanceof DiscordAPIError && err.code === 10008 && err.status === 404);

    await botRest.delete(Routes.channelMessage(channelId, hello.id));
    const history = (await userRest.get(Routes.channelMessages(channelId))) as APIMessage[];
    // The reply, then the bot's join message from when it was added (Discord's USER_JOIN, by the bot, no content).
    assert.deepEqual(history.map((m) => [m.type, m.author.id, m.content]), [[MessageType.Reply, botId, 'hi there (edited)'], [MessageType.UserJoin, botId, '']]);
    assert.equal(history[0]!.id, reply.id);
    assert.equal(history[0]!.referenced_message, null);
  });

  test('250 messages are paged back with before, in order, each once', async () => {
    const channel = (await userRest.post(Routes.guildChannels(guild.id), { body: { name: 'history', type: 0 } })) as APIChannel;
    const sent: string[] = [];
    for (let i = 0; i < 250; i++) sent.push(((await botRest.post(Routes.channelMessages(channel.id), { body: { content: `#${i}` } })) as APIMessage).id);
    const seen: string[] = [];
    let beforeId: string | undefined;
    for (;;) {
      const query = new URLSearchParams({ limit: '100', ...(beforeId ? { before: beforeId } : {}) });
      const page = (await userRest.get(Routes.channelMessages(channel.id), { query })) as APIMessage[];
      if (page.length === 0) break;
      seen.push(...page.map((m) => m.id));
      beforeId = page.at(-1)!.id;
    }
    assert.deepEqual(seen, sent.reverse());
  });
});

describe('@discordjs/rest: real rate limits', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ rateLimitScale: 1 });
  });
  after(() => t.close());

  test('a burst over the message-create limit waits instead of failing, and stores every message once', async () => {
    const user = await t.register();
    const rest = restFor(t, user.token, 'Bearer');
    const guild = (await rest.post(Routes.guilds(), { body: { name: 'Limits' } })) as APIGuild;
    const channels = (await rest.get(Routes.guildChannels(guild.id))) as APIChannel[];
    const channelId = channels.find((c) => c.type === 0)!.id;

    const limited: RateLimitData[] = [];
    rest.on('rateLimited', (info) => limited.push(info));
    const count = 14; // the create bucket allows 10 per 5 s
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) => rest.post(Routes.channelMessages(channelId), { body: { content: `burst ${i}` } }) as Promise<APIMessage>),
    );
    assert.equal(results.length, count);
    assert.ok(limited.length > 0, 'the client saw the limit');
    assert.ok(limited.every((l) => l.retryAfter > 0 && l.retryAfter <= 6000));

    const stored = (await rest.get(Routes.channelMessages(channelId), { query: new URLSearchParams({ limit: '100' }) })) as APIMessage[];
    const contents = stored.map((m) => m.content).sort();
    assert.deepEqual(contents, Array.from({ length: count }, (_, i) => `burst ${i}`).sort());
  });
});
