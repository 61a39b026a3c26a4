/**
 * Temporary membership (api/temporary-members.ts): a member who joined through a `temporary` invite is removed
 * with GUILD_MEMBER_REMOVE once they have no live gateway session, unless they hold a role; connected (invisible
 * too) they stay; a role granted makes them permanent; when the presence role does not answer, nobody is removed.
 * Real gateway sessions over WebSocket, a short sweep interval and resume grace.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { metric, startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { GatewayClient } from './gateway-client.ts';
import { member as fixtureMember, user as fixtureUser } from '../contract/store.fixtures.ts';

const SWEEP_MS = 100;

async function temporaryInvite(t: TestServer, owner: TestUser, guildId: string, temporary = true): Promise<string> {
  const channels = (await t.request('GET', `/guilds/${guildId}/channels`, { auth: owner })).body;
  const text = channels.find((c: any) => c.type === 0);
  const invite = await t.request('POST', `/channels/${text.id}/invites`, { auth: owner, body: { temporary, unique: true } });
  assert.equal(invite.status, 200, JSON.stringify(invite.body));
  assert.equal(invite.body.temporary, temporary);
  return invite.body.code;
}

const isMember = async (t: TestServer, guildId: string, userId: string) => Boolean(await t.store.members.get(guildId, userId));

describe('temporary invites', () => {
  let t: TestServer;
  const sockets: GatewayClient[] = [];
  const online = async (user: TestUser, presence?: Record<string, unknown>) => {
    const gw = await GatewayClient.connect(t.server.url);
    sockets.push(gw);
    await gw.identify(user.token, presence ? { presence } : {});
    return gw;
  };
  before(async () => {
    t = await startTestServer({ temporaryMemberSweepMs: SWEEP_MS, resumeGraceMs: 200, presenceWarmupMs: 0 });
  });
  after(async () => {
    for (const s of sockets) await s.close();
    await t.close();
  });

  it('a temporary member stays while connected, invisible too, and is removed with GUILD_MEMBER_REMOVE once disconnected', async () => {
    const owner = await t.register();
    const guild = await t.createGuild(owner, 'Temporary');
    const code = await temporaryInvite(t, owner, guild.id);
    const [visitor, lurker, never] = [await t.register(), await t.register(), await t.register()];
    const visitorGw = await online(visitor);
    const lurkerGw = await online(lurker, { status: 'invisible', since: null, activities: [], afk: false });
    for (const u of [visitor, lurker, never]) {
      const joined = await t.request('POST', `/invites/${code}`, { auth: u });
      assert.equal(joined.status, 200, JSON.stringify(joined.body));
    }
    // Someone who joined without ever connecting goes at a sweep a full interval after joining: proof sweeps ran.
    const from = t.events.length;
    await waitFor(async () => !(await isMember(t, guild.id, never.id)), { what: 'the never-connected member removed' });
    const removal = await t.waitForEvent('GUILD_MEMBER_REMOVE', (e) => e.d.user.id === never.id, from);
    assert.equal(removal.d.guild_id, guild.id);
    // Several sweeps later the connected ones are still members.
    const removed = await metric(t, 'temporary_members_removed_total');
    assert.ok(removed >= 1, 'the counter saw the removal');
    await new Promise((r) => setTimeout(r, SWEEP_MS * 5));
    assert.ok(await isMember(t, guild.id, visitor.id), 'connected: stays');
    assert.ok(await isMember(t, guild.id, lurker.id), 'connected invisible: stays');
    assert.equal(await metric(t, 'temporary_members_removed_total'), removed);

    // The visitor's socket drops: once the resume grace ends, the membership goes.
    const gone = t.events.length;
    await visitorGw.close();
    await waitFor(async () => !(await isMember(t, guild.id, visitor.id)), { what: 'the disconnected member removed' });
    await t.waitForEvent('GUILD_MEMBER_REMOVE', (e) => e.d.user.id === visitor.id, gone);
    assert.ok(await isMember(t, guild.id, lurker.id));
    await lurkerGw.close();
    await waitFor(async () => !(await isMember(t, guild.id, lurker.id)), { what: 'the invisible member removed once disconnected' });
    // The owner and members of a plain invite are never touched.
    assert.ok(await isMember(t, guild.id, owner.id));
  });

  it('a role makes the membership permanent, even once the role is taken away again; plain invites make plain members', async () => {
    const owner = await t.register();
    const guild = await t.createGuild(owner, 'Keep');
    const code = await temporaryInvite(t, owner, guild.id);
    const plainCode = await temporaryInvite(t, owner, guild.id, false);
    const [kept, plain] = [await t.register(), await t.register()];
    const keptGw = await online(kept);
    assert.equal((await t.request('POST', `/invites/${code}`, { auth: kept })).status, 200);
    assert.equal((await t.request('POST', `/invites/${plainCode}`, { auth: plain })).status, 200);
    assert.equal((await t.store.members.get(guild.id, kept.id))?.temporary, true);
    assert.equal((await t.store.members.get(guild.id, plain.id))?.temporary, undefined);
    const role = (await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'regular' } })).body;
    assert.equal((await t.request('PUT', `/guilds/${guild.id}/members/${kept.id}/roles/${role.id}`, { auth: owner })).status, 204);
    assert.equal((await t.store.members.get(guild.id, kept.id))?.temporary, undefined, 'permanent now');
    assert.equal((await t.request('DELETE', `/guilds/${guild.id}/members/${kept.id}/roles/${role.id}`, { auth: owner })).status, 204);
    await keptGw.close();
    const removed = await metric(t, 'temporary_members_removed_total');
    await new Promise((r) => setTimeout(r, 200 + SWEEP_MS * 6));
    assert.ok(await isMember(t, guild.id, kept.id), 'kept after the role was taken away');
    assert.ok(await isMember(t, guild.id, plain.id), 'a plain member never connected and stays');
    assert.equal(await metric(t, 'temporary_members_removed_total'), removed);
  });

  it('sweeps page past the first 500 memberships (within a sweep or from where the last stopped): members holding a role do not shield those after them', async () => {
    const owner = await t.register();
    const guild = await t.createGuild(owner, 'Crowded');
    const role = (await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'regular' } })).body;
    // 520 temporary members with a role, listed first (user ids ascend), then one without: only a second page reaches it.
    for (let i = 0; i < 520; i++) {
      const u = await t.store.users.create(fixtureUser());
      await t.store.members.add(fixtureMember(guild.id, u.id, { roles: [role.id], temporary: true }));
    }
    const last = await t.store.users.create(fixtureUser());
    await t.store.members.add(fixtureMember(guild.id, last.id, { temporary: true }));
    await waitFor(async () => !(await isMember(t, guild.id, last.id)), { what: 'the member past the first page removed', timeoutMs: 5000 });
    assert.equal(await t.store.members.count(guild.id), 521, 'the role holders stay');
  });
});

describe('temporary invites with the presence role down', () => {
  it('nobody is removed while the presence role cannot be asked', async () => {
    const t = await startTestServer({ roles: ['api', 'sessions', 'guild'], temporaryMemberSweepMs: SWEEP_MS, roleTimeoutMs: 100 });
    try {
      const owner = await t.register();
      const guild = await t.createGuild(owner, 'No presence');
      const code = await temporaryInvite(t, owner, guild.id);
      const visitor = await t.register();
      assert.equal((await t.request('POST', `/invites/${code}`, { auth: visitor })).status, 200);
      await waitFor(async () => (await metric(t, 'temporary_member_sweeps_unchecked_total')) >= 3, { what: 'sweeps that could not ask presence' });
      assert.ok(await isMember(t, guild.id, visitor.id));
      assert.equal(await metric(t, 'temporary_members_removed_total'), 0);
    } finally {
      await t.close();
    }
  });
});

describe('temporary invites while presence warms up', () => {
  it('nobody is removed until a starting presence node has heard of every session', async () => {
    const t = await startTestServer({ temporaryMemberSweepMs: SWEEP_MS, presenceWarmupMs: 1500 });
    try {
      const owner = await t.register();
      const guild = await t.createGuild(owner, 'Warming up');
      const code = await temporaryInvite(t, owner, guild.id);
      const visitor = await t.register();
      assert.equal((await t.request('POST', `/invites/${code}`, { auth: visitor })).status, 200);
      // Several sweeps run meanwhile; the presence node does not yet say who is connected, so all stay.
      await new Promise((r) => setTimeout(r, SWEEP_MS * 6));
      assert.ok(await isMember(t, guild.id, visitor.id), 'kept while presence warms up');
      await waitFor(async () => !(await isMember(t, guild.id, visitor.id)), { what: 'removed once warm', timeoutMs: 10_000 });
    } finally {
      await t.close();
    }
  });
});

