/**
 * discord.js v14, unpatched, and the guild audit log: a bot with KICK_MEMBERS, BAN_MEMBERS and VIEW_AUDIT_LOG
 * kicks with guild.members.kick(user, reason) and bans with guild.bans.create(user, { reason }) (discord.js sends
 * the reason as X-Audit-Log-Reason), then guild.fetchAuditLogs({ type }) gives back the entries with executor,
 * target and reason; with the GuildModeration intent the bot also gets GuildAuditLogEntryCreate.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuditLogEvent, Client, Events, GatewayIntentBits, type GuildAuditLogsEntry } from 'discord.js';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('discord.js v14 and the audit log', () => {
  let t: TestServer;
  let client: Client;
  let guildId: string;
  let owner: TestUser;
  let botId: string;
  const created: GuildAuditLogsEntry[] = [];

  before(async () => {
    t = await startTestServer();
    owner = await t.register();
    const guild = await t.createGuild(owner, 'djs audit');
    guildId = guild.id;
    const app = await t.request('POST', '/applications', { auth: owner, body: { name: 'Mod Bot' } });
    const reset = await t.request('POST', `/applications/${app.body.id}/bot/reset`, { auth: owner });
    botId = app.body.id;
    const perms = Permissions.VIEW_CHANNEL | Permissions.KICK_MEMBERS | Permissions.BAN_MEMBERS | Permissions.VIEW_AUDIT_LOG;
    const auth = await t.request('POST', `/oauth2/authorize?client_id=${app.body.id}&scope=bot&permissions=${perms}`, {
      auth: owner,
      body: { guild_id: guild.id, permissions: perms.toString(), authorize: true },
    });
    assert.equal(auth.status, 200, JSON.stringify(auth.body));

    client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildModeration], rest: { api: `${t.url}/api` } });
    client.on(Events.GuildAuditLogEntryCreate, (entry) => created.push(entry));
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login(reset.body.token);
    await ready;
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  it('guild.members.kick and guild.bans.create with reasons, then fetchAuditLogs by type', async () => {
    const kicked = await t.register();
    const banned = await t.register();
    await t.join(owner, guildId, kicked);
    await t.join(owner, guildId, banned);
    const guild = await client.guilds.fetch(guildId);

    await guild.members.kick(kicked.id, 'rude words');
    await guild.bans.create(banned.id, { reason: 'spam & scams', deleteMessageSeconds: 60 });

    const bans = await guild.fetchAuditLogs({ type: AuditLogEvent.MemberBanAdd });
    assert.equal(bans.entries.size, 1);
    const ban = bans.entries.first()!;
    assert.equal(ban.action, AuditLogEvent.MemberBanAdd);
    assert.equal(ban.reason, 'spam & scams');
    assert.equal(ban.executorId, botId);
    assert.equal(ban.executor?.id, botId);
    assert.equal(ban.targetId, banned.id);
    assert.equal((ban.target as { id: string } | null)?.id, banned.id);
    assert.equal((ban.target as { username?: string } | null)?.username, banned.username);

    const kicks = await guild.fetchAuditLogs({ type: AuditLogEvent.MemberKick, limit: 5 });
    const kick = kicks.entries.first()!;
    assert.equal(kick.reason, 'rude words');
    assert.equal(kick.targetId, kicked.id);
    assert.equal(kick.executorId, botId);

    const byBot = await guild.fetchAuditLogs({ user: botId });
    assert.deepEqual([...byBot.entries.values()].map((e) => e.action), [AuditLogEvent.MemberBanAdd, AuditLogEvent.MemberKick]);

    // The GuildModeration intent brings the entries over the gateway too.
    const deadline = Date.now() + 5000;
    while (created.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const live = created.find((e) => e.action === AuditLogEvent.MemberBanAdd);
    assert.ok(live, `got ${created.map((e) => e.action)}`);
    assert.equal(live.reason, 'spam & scams');
    assert.equal(live.targetId, banned.id);
  });
});
