/**
 * Search Guild Messages through an unmodified @discordjs/rest client (raw routes: discord-api-types has no Routes
 * helper for search), as a discord.js bot calls it: the 202 "Index not yet available" body first, typed as
 * RESTGetAPIGuildMessagesSearchResult, then results; bad values as DiscordAPIError 50035.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DiscordAPIError, REST } from '@discordjs/rest';
import type { APIMessageSearchIndexNotReadyResponse, APIMessageSearchResult, RESTGetAPIGuildMessagesSearchResult } from 'discord-api-types/v10';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { botWorld, post, type BotWorld } from './setup.ts';

describe('@discordjs/rest: message search', () => {
  let t: TestServer;
  let w: BotWorld;
  let rest: REST;

  before(async () => {
    t = await startTestServer();
    w = await botWorld(t, 'Search');
    rest = new REST({ api: `${t.url}/api`, version: '10', retries: 1, timeout: 10_000 }).setToken(w.bot.token);
  });
  after(() => t.close());

  const isNotReady = (r: RESTGetAPIGuildMessagesSearchResult): r is APIMessageSearchIndexNotReadyResponse => 'code' in r && r.code === 110000;

  test('202 while indexing, then hits with the filters a bot sends', async () => {
    const mine = await post(t, w.owner, w.channel.id, 'release notes for version nine');
    await post(t, w.owner, w.channel.id, 'unrelated chatter');
    const first = (await rest.get(`/guilds/${w.guild.id}/messages/search`, { query: new URLSearchParams({ content: 'release' }) })) as RESTGetAPIGuildMessagesSearchResult;
    assert.ok(isNotReady(first), JSON.stringify(first));
    assert.equal(first.retry_after, 2);

    const result = await waitFor(async () => {
      const r = (await rest.get(`/guilds/${w.guild.id}/messages/search`, {
        query: new URLSearchParams([['content', 'release'], ['author_id', w.owner.id], ['channel_id', w.channel.id], ['limit', '10']]),
      })) as RESTGetAPIGuildMessagesSearchResult;
      return isNotReady(r) ? null : (r as APIMessageSearchResult);
    }, { timeoutMs: 15_000, what: 'search results' });
    assert.equal(result.total_results, 1);
    assert.equal(result.messages[0]![0]!.id, mine.id);
    assert.equal(result.messages[0]![0]!.content, 'release notes for version nine');

    const channelResult = (await rest.get(`/channels/${w.channel.id}/messages/search`, { query: new URLSearchParams({ content: 'chatter' }) })) as APIMessageSearchResult;
    assert.equal(channelResult.total_results, 1);
  });

  test('a bad limit is a DiscordAPIError 50035 naming the field', async () => {
    await assert.rejects(
      rest.get(`/guilds/${w.guild.id}/messages/search`, { query: new URLSearchParams({ limit: '100' }) }),
      (err: unknown) => err instanceof DiscordAPIError && err.code === 50035 && err.status === 400 && JSON.stringify(err.rawError).includes('limit'),
    );
  });
});
