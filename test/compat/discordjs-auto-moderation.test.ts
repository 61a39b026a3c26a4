/**
 * discord.js v14, unpatched, against auto moderation: guild.autoModerationRules.create / fetch / edit / delete, the
 * AutoModerationRule* client events, and AutoModerationActionExecution when a member's message is blocked (with
 * the rule found in the cache, and content because the bot has MESSAGE_CONTENT); a refused create surfaces as a
 * DiscordAPIError with Discord's code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AutoModerationActionType, AutoModerationRuleEventType, AutoModerationRuleTriggerType, Client, DiscordAPIError, Events, GatewayIntentBits,
  type AutoModerationActionExecution, type AutoModerationRule,
} from 'discord.js';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { botWorld } from './setup.ts';
import { waitFor } from '../helpers/services.ts';

describe('discord.js v14 and auto moderation', () => {
  let t: TestServer;
  let client: Client;
  let guildId: string;
  let owner: TestUser;
  let member: TestUser;
  let general: any;
  let modLog: any;
  let token: string;

  before(async () => {
    t = await startTestServer();
    const world = await botWorld(t, 'djs automod', Permissions.VIEW_CHANNEL | Permissions.MANAGE_GUILD | Permissions.MODERATE_MEMBERS);
    owner = world.owner;
    guildId = world.guild.id;
    general = world.channel;
    token = world.bot.token;
    member = await t.register();
    await t.join(owner, guildId, member);
    modLog = (await t.request('POST', `/guilds/${guildId}/channels`, { auth: owner, body: { name: 'mod-log', type: 0 } })).body;
    client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.AutoModerationConfiguration, GatewayIntentBits.AutoModerationExecution, GatewayIntentBits.MessageContent],
      rest: { api: `${t.url}/api`, cdn: t.url },
    });
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login(token);
    await ready;
    await waitFor(() => client.guilds.cache.has(guildId), { what: 'the guild' });
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  it('creates, fetches, edits and deletes a rule through guild.autoModerationRules, with the client events', async () => {
    const guild = client.guilds.cache.get(guildId)!;
    const created = new Promise<AutoModerationRule>((resolve) => client.once(Events.AutoModerationRuleCreate, resolve));
    const rule = await guild.autoModerationRules.create({
      name: 'No bad words',
      eventType: AutoModerationRuleEventType.MessageSend,
      triggerType: AutoModerationRuleTriggerType.Keyword,
      triggerMetadata: { keywordFilter: ['bad*'], regexPatterns: ['w[o0]rst'], allowList: ['badminton'] },
      actions: [
        { type: AutoModerationActionType.BlockMessage, metadata: { customMessage: 'Be kind' } },
        { type: AutoModerationActionType.SendAlertMessage, metadata: { channel: modLog.id } },
        { type: AutoModerationActionType.Timeout, metadata: { durationSeconds: 60 } },
      ],
      enabled: true,
      exemptChannels: [modLog.id],
    });
    assert.equal(rule.name, 'No bad words');
    assert.equal(rule.creatorId, client.user!.id);
    assert.equal(rule.triggerType, AutoModerationRuleTriggerType.Keyword);
    assert.deepEqual([...rule.triggerMetadata.keywordFilter], ['bad*']);
    assert.deepEqual([...rule.triggerMetadata.allowList], ['badminton']);
    assert.deepEqual(rule.actions.map((a) => a.type), [AutoModerationActionType.BlockMessage, AutoModerationActionType.SendAlertMessage, AutoModerationActionType.Timeout]);
    assert.equal(rule.actions[0]!.metadata.customMessage, 'Be kind');
    assert.equal(rule.actions[1]!.metadata.channelId, modLog.id);
    assert.equal(rule.actions[2]!.metadata.durationSeconds, 60);
    assert.deepEqual([...rule.exemptChannels.keys()], [modLog.id]);
    assert.equal((await created).id, rule.id);

    const fetched = await guild.autoModerationRules.fetch({ cache: false });
    assert.deepEqual([...fetched.keys()], [rule.id]);
    assert.equal((await guild.autoModerationRules.fetch({ autoModerationRule: rule.id, force: true })).name, 'No bad words');

    const updated = new Promise<[AutoModerationRule | null, AutoModerationRule]>((resolve) => client.once(Events.AutoModerationRuleUpdate, (a, b) => resolve([a, b])));
    const renamed = await rule.setName('Be nice');
    assert.equal(renamed.name, 'Be nice');
    // The REST answer already renamed the cached rule, so the event's old and new both say so (discord.js patches first).
    const [, after] = await updated;
    assert.equal(after.name, 'Be nice');
    assert.equal(after.id, rule.id);

    // A member's message with the word: blocked, and the bot hears of each action.
    const executions: AutoModerationActionExecution[] = [];
    client.on(Events.AutoModerationActionExecution, (e) => executions.push(e));
    const refused = await t.request('POST', `/channels/${general.id}/messages`, { auth: member, body: { content: 'that was BADLY done' } });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, 200000);
    await waitFor(() => executions.length >= 3 || undefined, { what: 'three executions' });
    const block = executions.find((e) => e.action.type === AutoModerationActionType.BlockMessage)!;
    assert.equal(block.autoModerationRule?.id, rule.id, 'the rule comes from the cache');
    assert.equal(block.ruleTriggerType, AutoModerationRuleTriggerType.Keyword);
    assert.equal(block.userId, member.id);
    assert.equal(block.channelId, general.id);
    assert.equal(block.messageId, null);
    assert.equal(block.content, 'that was BADLY done');
    assert.equal(block.matchedKeyword, 'bad*');
    assert.equal(block.matchedContent, 'BADLY');
    const alert = executions.find((e) => e.action.type === AutoModerationActionType.SendAlertMessage)!;
    assert.ok(alert.alertSystemMessageId);
    const timeout = executions.find((e) => e.action.type === AutoModerationActionType.Timeout)!;
    assert.equal(timeout.action.metadata.durationSeconds, 60);
    const timedOut = await guild.members.fetch({ user: member.id, force: true });
    assert.ok(timedOut.isCommunicationDisabled());

    const deleted = new Promise<AutoModerationRule>((resolve) => client.once(Events.AutoModerationRuleDelete, resolve));
    await rule.delete();
    assert.equal((await deleted).id, rule.id);
    assert.equal((await guild.autoModerationRules.fetch({ cache: false })).size, 0);
  });

  it('a refused create rejects with DiscordAPIError 50035 naming the field', async () => {
    const guild = client.guilds.cache.get(guildId)!;
    await assert.rejects(
      guild.autoModerationRules.create({
        name: 'Mentions', eventType: AutoModerationRuleEventType.MessageSend, triggerType: AutoModerationRuleTriggerType.MentionSpam,
        triggerMetadata: {}, actions: [{ type: AutoModerationActionType.BlockMessage }],
      }),
      (err: unknown) => err instanceof DiscordAPIError && err.code === 50035 && /mention_total_limit/.test(JSON.stringify(err.rawError)),
    );
  });
});
