/**
 * Follow-ups sent at the same instant right after a deferral: Discord fills the loading response with the first
 * ("will function as Edit Original Interaction Response") and the others are follow-up messages of their own. The
 * fill is claimed in the store (InteractionStore.claimFill), so it holds on PostgreSQL and across api nodes as on
 * SQLite. A later PATCH of @original that filled it first leaves every follow-up a message of its own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { freshPostgresStore, serviceSkip } from '../helpers/services.ts';
import { makeBot } from './fixtures.guilds.ts';
import { GatewayClient } from './gateway-client.ts';

const postgresSkip = await serviceSkip('postgres');

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`concurrent follow-ups after a deferral (${backend})`, { skip: backend === 'postgres' ? postgresSkip : false }, () => {
    let t: TestServer;
    let fresh: Awaited<ReturnType<typeof freshPostgresStore>> | undefined;
    let member: TestUser;
    let guild: any;
    let channel: any;
    let app: any;
    let command: any;
    let botGw: GatewayClient;
    let memberGw: GatewayClient;
    let seq = 0;

    before(async () => {
      if (backend === 'postgres') {
        fresh = await freshPostgresStore();
        await fresh.store.migrate();
      }
      t = await startTestServer({}, fresh ? { store: fresh.store } : {});
      const owner = await t.register();
      member = await t.register();
      guild = await t.createGuild(owner, 'Race');
      await t.join(owner, guild.id, member);
      channel = (await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
      let bot: TestUser;
      ({ app, bot } = await makeBot(t, owner, 'Race Bot'));
      assert.equal((await t.request('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { auth: owner, body: { guild_id: guild.id, authorize: true } })).status, 200);
      command = (await t.request('POST', `/applications/${app.id}/guilds/${guild.id}/commands`, { auth: bot, body: { name: 'slow', description: 'Takes a while' } })).body;
      // Loaded (every GUILD_CREATE in) before the first invocation: on a busy machine PostgreSQL's first reads are slow.
      botGw = await GatewayClient.connect(t.url);
      await botGw.identifyAndLoad(bot.token);
      memberGw = await GatewayClient.connect(t.url);
      await memberGw.identifyAndLoad(member.token);
    });
    after(async () => {
      await botGw?.close();
      await memberGw?.close();
      await t?.close();
      await fresh?.drop();
    });

    /** The member runs /slow and the bot defers it: the interaction and its loading message. */
    async function deferred() {
      const nonce = `race-${++seq}`;
      const res = await t.request('POST', '/interactions', { auth: member, body: { type: 2, application_id: app.id, guild_id: guild.id, channel_id: channel.id, session_id: 's', nonce, data: { id: command.id, name: 'slow', type: 1, version: command.version } } });
      assert.equal(res.status, 204, JSON.stringify(res.body));
      const mine = await memberGw.waitForDispatch('INTERACTION_CREATE', (d) => d.nonce === nonce, 15_000);
      const i = (await botGw.waitForDispatch('INTERACTION_CREATE', (d) => d.id === mine.d.id, 15_000)).d;
      assert.equal((await t.request('POST', `/interactions/${i.id}/${i.token}/callback`, { body: { type: 5 } })).status, 204);
      const loading = await memberGw.waitForDispatch('MESSAGE_CREATE', (d) => d.interaction_metadata?.id === i.id, 15_000);
      return { i, loading: loading.d };
    }

    it('four at once: one fills the loading response, three are messages of their own', async () => {
      const { i, loading } = await deferred();
      const answers = await Promise.all([1, 2, 3, 4].map((n) => t.request('POST', `/webhooks/${app.id}/${i.token}`, { body: { content: `part ${n}` } })));
      for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
      const ids = answers.map((a) => a.body.id);
      assert.equal(ids.filter((id) => id === loading.id).length, 1, `exactly one filled the response: ${JSON.stringify(ids)}`);
      assert.equal(new Set(ids).size, 4, 'the others are new messages');
      const original = (await t.request('GET', `/webhooks/${app.id}/${i.token}/messages/@original`)).body;
      assert.equal(original.flags & 128, 0, 'no longer loading');
      const filledWith = answers.find((a) => a.body.id === loading.id)!.body.content;
      assert.equal(original.content, filledWith);
      const history = (await t.request('GET', `/channels/${channel.id}/messages?limit=10`, { auth: member })).body.map((m: any) => m.content).sort();
      assert.deepEqual(history.filter((c: string) => c.startsWith('part ')), ['part 1', 'part 2', 'part 3', 'part 4']);
    });

    it('once @original was edited, a follow-up is a message of its own', async () => {
      const { i, loading } = await deferred();
      assert.equal((await t.request('PATCH', `/webhooks/${app.id}/${i.token}/messages/@original`, { body: { content: 'done thinking' } })).status, 200);
      const follow = await t.request('POST', `/webhooks/${app.id}/${i.token}`, { body: { content: 'and one more thing' } });
      assert.equal(follow.status, 200, JSON.stringify(follow.body));
      assert.notEqual(follow.body.id, loading.id);
      assert.equal((await t.request('GET', `/webhooks/${app.id}/${i.token}/messages/@original`)).body.content, 'done thinking');
    });
  });
}
