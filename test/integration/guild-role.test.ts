/**
 * The guild role over the bus, against a real Accord process (SQLite, in-memory bus): data is made through the
 * REST API and snapshots / member lists are asked for exactly as the sessions role asks (bus.request). One test builds
 * GuildSnapshots itself over the same store and presence role, with a member cache that keeps nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GUILD_LIMITS, GuildSnapshots } from '../../src/guild/snapshot.ts';
import { GuildStateCache } from '../../src/guild/state-cache.ts';
import { RoleClient } from '../../src/contracts/role-client.ts';
import { silentLogger } from '../../src/lib/log.ts';
import type { MemberStore, Store } from '../../src/store/types.ts';
import { GuildSubjects, type GuildMembersReply, type GuildMembersRequest, type GuildSnapshotReply, type GuildSnapshotRequest } from '../../src/contracts/guild.ts';
import { PresenceSubjects, type PresenceSessionUpdate } from '../../src/contracts/presence.ts';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { withOverrides } from '../helpers/overrides.ts';

describe('guild role', () => {
  let t: TestServer;
  let owner: TestUser, alice: TestUser, albert: TestUser, bob: TestUser, stranger: TestUser;
  let guild: any;

  const snapshot = (over: Partial<GuildSnapshotRequest> = {}) =>
    t.bus.request<GuildSnapshotReply>(GuildSubjects.snapshot, { guildId: guild.id, userId: owner.id, largeThreshold: 250, presences: true, bot: true, ...over } satisfies GuildSnapshotRequest, { timeoutMs: 3000 });
  const members = (over: Partial<GuildMembersRequest>) =>
    t.bus.request<GuildMembersReply>(GuildSubjects.members, { guildId: guild.id, limit: 0, presences: false, ...over } satisfies GuildMembersRequest, { timeoutMs: 3000 });
  const online = (user: TestUser, over: Partial<PresenceSessionUpdate> = {}) =>
    t.bus.publish(PresenceSubjects.update, {
      nodeId: 'test-node', sessionId: `s-${user.id}`, userId: user.id, guildIds: [guild.id], status: 'online', activities: [], platform: 'desktop', since: null, afk: false, ...over,
    } satisfies PresenceSessionUpdate);

  before(async () => {
    // The sessions role is not needed: this test speaks the bus contract the sessions role uses.
    t = await startTestServer({ roles: ['api', 'guild', 'presence'] });
    owner = await t.register('owner');
    alice = await t.register('alice');
    albert = await t.register('Albert');
    bob = await t.register('bob');
    stranger = await t.register('stranger');
    guild = await t.createGuild(owner, 'Guild Role Test');
    for (const u of [alice, albert, bob]) await t.join(owner, guild.id, u);
  });

  after(async () => {
    await t?.close();
  });

  it('answers a GUILD_CREATE payload with roles, channels, members, counts and the permission state', async () => {
    const reply = await snapshot({ userId: alice.id });
    const g = reply.guild as any;
    assert.ok(g);
    assert.equal(g.id, guild.id);
    assert.equal(g.name, 'Guild Role Test');
    assert.equal(g.owner_id, owner.id);
    assert.equal(g.unavailable, false);
    assert.equal(g.large, false);
    assert.equal(g.member_count, 4);
    assert.ok(g.roles.some((r: any) => r.id === guild.id && r.name === '@everyone'));
    assert.ok(g.channels.length >= 1);
    for (const c of g.channels) {
      assert.equal(c.guild_id, guild.id);
      assert.ok(Array.isArray(c.permission_overwrites));
    }
    assert.deepEqual(g.members.map((m: any) => m.user.id).sort(), [owner.id, alice.id, albert.id, bob.id].sort());
    const mine = g.members.find((m: any) => m.user.id === alice.id);
    assert.equal(g.joined_at, mine.joined_at);
    assert.equal(mine.user.username, 'alice');
    assert.equal(mine.user.email, undefined, 'members carry public users');
    for (const key of ['threads', 'presences', 'voice_states', 'stage_instances', 'guild_scheduled_events', 'soundboard_sounds', 'emojis', 'stickers']) {
      assert.deepEqual(g[key], [], key);
    }
    assert.equal(reply.state?.guildId, guild.id);
    assert.equal(reply.state?.ownerId, owner.id);
    assert.ok(reply.state?.roles.some((r) => r.id === guild.id));
    assert.deepEqual(reply.state?.channels.map((c) => c.id), g.channels.map((c: any) => c.id));
  });

  it('piecesOnly (the sessions role): the same pieces, member and state, with the guild as { id } only, about half the bytes', async () => {
    const full = await snapshot();
    const lean = await snapshot({ piecesOnly: true });
    const joined = (r: GuildSnapshotReply) => r.guildPieces!.map((p) => (typeof p === 'string' ? p : p.text)).join('');
    assert.deepEqual(lean.guild, { id: guild.id });
    assert.equal(joined(lean), joined(full));
    assert.deepEqual(JSON.parse(joined(lean)), full.guild);
    assert.deepEqual(lean.member, full.member);
    assert.deepEqual(lean.state, full.state);
    // What NATS carries: the payload once, as pieces, instead of once more as an object.
    const bytes = (r: GuildSnapshotReply) => Buffer.byteLength(JSON.stringify(r));
    assert.ok(bytes(lean) < bytes(full) * 0.6, `${bytes(lean)} against ${bytes(full)} bytes`);
    assert.equal((await snapshot({ piecesOnly: true, userId: stranger.id })).guild, null, 'a non-member still gets null');
  });

  it('answers null for a non-member and for an unknown guild', async () => {
    assert.deepEqual(await snapshot({ userId: stranger.id }), { guild: null });
    assert.deepEqual(await snapshot({ guildId: '1234567890123' }), { guild: null });
  });

  it('follows CHANNEL_CREATE (with overwrites) and CHANNEL_DELETE from the REST API', async () => {
    await snapshot(); // the guild is cached now
    const created = await t.request('POST', `/guilds/${guild.id}/channels`, {
      auth: owner,
      body: { name: 'secret', type: 0, permission_overwrites: [{ id: guild.id, type: 0, allow: '0', deny: Permissions.VIEW_CHANNEL.toString() }] },
    });
    assert.equal(created.status, 201);
    const channelId = created.body.id;
    const g = ((await waitFor(async () => {
      const r = await snapshot();
      return (r.guild as any).channels.some((c: any) => c.id === channelId) && r;
    }, { what: 'channel in snapshot' })) as GuildSnapshotReply).guild as any;
    const channel = g.channels.find((c: any) => c.id === channelId);
    assert.deepEqual(channel.permission_overwrites, [{ id: guild.id, type: 0, allow: '0', deny: Permissions.VIEW_CHANNEL.toString() }]);
    const state = (await snapshot()).state!;
    assert.deepEqual(state.channels.find((c) => c.id === channelId)?.overwrites, [{ id: guild.id, type: 0, allow: '0', deny: Permissions.VIEW_CHANNEL.toString() }]);

    assert.equal((await t.request('DELETE', `/channels/${channelId}`, { auth: owner })).status, 200);
    await waitFor(async () => !((await snapshot()).guild as any).channels.some((c: any) => c.id === channelId), { what: 'channel gone' });
  });

  it('keeps channel last_message_id current from MESSAGE_CREATE (unread markers after a reconnect)', async () => {
    await snapshot(); // the guild is cached now
    const channel = guild.system_channel_id as string;
    const sent = await t.request('POST', `/channels/${channel}/messages`, { auth: owner, body: { content: 'unread?' } });
    assert.equal(sent.status, 200);
    await waitFor(async () => {
      const g = (await snapshot()).guild as any;
      return g.channels.find((c: any) => c.id === channel)?.last_message_id === sent.body.id;
    }, { what: 'last_message_id in the snapshot' });
  });

  it('follows GUILD_ROLE_CREATE / GUILD_ROLE_UPDATE / GUILD_ROLE_DELETE', async () => {
    await snapshot();
    const role = await t.request('POST', `/guilds/${guild.id}/roles`, { auth: owner, body: { name: 'mods', permissions: '8' } });
    assert.equal(role.status, 200);
    await waitFor(async () => ((await snapshot()).guild as any).roles.some((r: any) => r.id === role.body.id), { what: 'role created' });
    const patched = await t.request('PATCH', `/guilds/${guild.id}/roles/${role.body.id}`, { auth: owner, body: { name: 'moderators', permissions: '0' } });
    assert.equal(patched.status, 200);
    const r: any = await waitFor(async () => {
      const s = await snapshot();
      const found = (s.guild as any).roles.find((x: any) => x.id === role.body.id);
      return found?.name === 'moderators' && { found, state: s.state! };
    }, { what: 'role renamed' });
    assert.equal(r.found.permissions, '0');
    assert.equal(r.state.roles.find((x: any) => x.id === role.body.id)?.permissions, '0');
    assert.ok([200, 204].includes((await t.request('DELETE', `/guilds/${guild.id}/roles/${role.body.id}`, { auth: owner })).status));
    await waitFor(async () => !((await snapshot()).guild as any).roles.some((x: any) => x.id === role.body.id), { what: 'role deleted' });
  });

  it('follows GUILD_UPDATE and member joins and leaves (member_count)', async () => {
    await snapshot();
    assert.equal((await t.request('PATCH', `/guilds/${guild.id}`, { auth: owner, body: { name: 'Renamed' } })).status, 200);
    await waitFor(async () => ((await snapshot()).guild as any).name === 'Renamed', { what: 'guild renamed' });
    const carol = await t.register('carol');
    await t.join(owner, guild.id, carol);
    const g = ((await waitFor(async () => {
      const s = await snapshot();
      return (s.guild as any).member_count === 5 && s;
    }, { what: 'member_count 5' })) as GuildSnapshotReply).guild as any;
    assert.ok(g.members.some((m: any) => m.user.id === carol.id));
    // The new member's own snapshot (what sessions fetch on GUILD_MEMBER_ADD).
    assert.equal(((await snapshot({ userId: carol.id })).guild as any).member_count, 5);
    assert.equal((await t.request('DELETE', `/users/@me/guilds/${guild.id}`, { auth: carol })).status, 204);
    await waitFor(async () => ((await snapshot()).guild as any).member_count === 4, { what: 'member_count 4' });
    assert.deepEqual(await snapshot({ userId: carol.id }), { guild: null });
  });

  it('a large guild lists only online members and the requester, with their presences', async () => {
    online(bob, { status: 'dnd', activities: [{ name: 'Chess', type: 0 }] });
    await waitFor(async () => {
      const s = await snapshot({ largeThreshold: 2 });
      return (s.guild as any).presences.length === 1;
    }, { what: 'bob online' });
    const g = (await snapshot({ largeThreshold: 2, userId: alice.id })).guild as any;
    assert.equal(g.large, true);
    assert.equal(g.member_count, 4);
    assert.deepEqual(g.members.map((m: any) => m.user.id).sort(), [alice.id, bob.id].sort());
    assert.deepEqual(g.presences, [{ user: { id: bob.id }, status: 'dnd', activities: [{ name: 'Chess', type: 0 }], client_status: { desktop: 'dnd' }, guild_id: guild.id }]);
    // A user session's large guild is lazy: its own member and presence only (the others come from op 8, and
    // their presences from op 37 subscriptions).
    const lazy = (await snapshot({ largeThreshold: 2, userId: alice.id, bot: false })).guild as any;
    assert.equal(lazy.large, true);
    assert.equal(lazy.member_count, 4);
    assert.deepEqual(lazy.members.map((m: any) => m.user.id), [alice.id]);
    assert.deepEqual(lazy.presences, [], 'alice is offline');
    const bobs = (await snapshot({ largeThreshold: 2, userId: bob.id, bot: false })).guild as any;
    assert.deepEqual(bobs.members.map((m: any) => m.user.id), [bob.id]);
    assert.deepEqual(bobs.presences.map((p: any) => [p.user.id, p.status]), [[bob.id, 'dnd']]);
    // Not large: everyone, and presences of those online.
    const small = (await snapshot()).guild as any;
    assert.equal(small.members.length, 4);
    assert.deepEqual(small.presences.map((p: any) => p.user.id), [bob.id]);
  });

  it("a bot's snapshot lists only the bot without presences (the GUILD_PRESENCES intent); every session's, in a guild of over 75,000 members", async () => {
    // Bob online as the test before left him (the tests after this one count on it).
    online(bob, { status: 'dnd', activities: [{ name: 'Chess', type: 0 }] });
    await waitFor(async () => ((await snapshot()).guild as any).presences.length === 1, { what: 'bob online' });
    const bare = await snapshot({ bot: true, presences: false, userId: alice.id });
    const g = bare.guild as any;
    assert.deepEqual(g.members.map((m: any) => m.user.id), [alice.id]);
    assert.deepEqual(g.presences, []);
    assert.equal(g.member_count, 4);
    assert.deepEqual(JSON.parse(bare.guildPieces!.map((p) => (typeof p === 'string' ? p : p.text)).join('')), g, 'the pieces make up the payload');
    // With the intent: every member of a guild under large_threshold, and the presences of those online.
    const full = (await snapshot({ bot: true, presences: true, userId: alice.id })).guild as any;
    assert.equal(full.members.length, 4);
    assert.deepEqual(full.presences.map((p: any) => p.user.id), [bob.id]);
    // A user's snapshot of a guild under its threshold is not limited (sessions ask user snapshots always with
    // presences; this is the bare case).
    assert.equal(((await snapshot({ presences: false, userId: alice.id, bot: false })).guild as any).members.length, 4);

    // The same guild counted at 75,001 members: a bot with the intent gets itself and its own presence only.
    const store = withOverrides<Store>(t.store, {
      members: withOverrides<MemberStore>(t.store.members, { count: async (guildId: string) => (guildId === guild.id ? GUILD_LIMITS.snapshotMembersListedMax + 1 : t.store.members.count(guildId)) }),
    });
    const snapshots = new GuildSnapshots(store, new GuildStateCache(store, 16, silentLogger), new RoleClient({ bus: t.bus, role: 'presence', timeoutMs: 1000 }), silentLogger);
    const huge = (await snapshots.snapshot({ guildId: guild.id, userId: bob.id, largeThreshold: 250, presences: true, bot: true })).guild as any;
    assert.equal(huge.member_count, GUILD_LIMITS.snapshotMembersListedMax + 1);
    assert.deepEqual(huge.members.map((m: any) => m.user.id), [bob.id]);
    assert.deepEqual(huge.presences.map((p: any) => [p.user.id, p.status]), [[bob.id, 'dnd']]);
    // A user's session too (op 8's prose: "plus the member for you").
    const userView = (await snapshots.snapshot({ guildId: guild.id, userId: alice.id, largeThreshold: 250, presences: true })).guild as any;
    assert.deepEqual(userView.members.map((m: any) => m.user.id), [alice.id]);
    assert.deepEqual(userView.presences, []);
  });

  it("a large guild's member list is the same list for every caller: online order, the caller in place, an offline caller last", async () => {
    // Every caller getting one list is what lets snapshots share their member and presence runs (snapshot-pieces.ts).
    online(alice);
    online(albert);
    await waitFor(async () => ((await snapshot({ largeThreshold: 2 })).guild as any).presences.length === 3, { what: 'alice, albert and bob online' });
    const lists = [];
    for (const u of [alice, albert, bob]) {
      const reply = await snapshot({ largeThreshold: 2, userId: u.id });
      const g = reply.guild as any;
      assert.deepEqual(JSON.parse(reply.guildPieces!.map((p) => (typeof p === 'string' ? p : p.text)).join('')), g, 'the pieces make up the payload');
      assert.ok(g.members.some((m: any) => m.user.id === u.id), 'the caller is listed');
      assert.equal(reply.member?.user && (reply.member.user as any).id, u.id);
      lists.push({ members: g.members.map((m: any) => m.user.id), presences: g.presences.map((p: any) => p.user.id) });
    }
    assert.deepEqual(lists[1], lists[0]);
    assert.deepEqual(lists[2], lists[0]);
    assert.deepEqual([...lists[0].members].sort(), [alice.id, albert.id, bob.id].sort());
    assert.deepEqual(lists[0].presences, lists[0].members, 'presences in the same order');
    // The owner is offline: the online members as everyone sees them, then the owner.
    const own = (await snapshot({ largeThreshold: 2 })).guild as any;
    assert.deepEqual(own.members.map((m: any) => m.user.id), [...lists[0].members, owner.id]);
    for (const u of [alice, albert]) t.bus.publish(PresenceSubjects.gone, { nodeId: 'test-node', sessionId: `s-${u.id}`, userId: u.id });
    await waitFor(async () => ((await snapshot({ largeThreshold: 2 })).guild as any).presences.length === 1, { what: 'only bob online again' });
  });

  it(`a caller online beyond the first ${GUILD_LIMITS.snapshotOnlineMembersMax} of a large guild is still listed, with their presence`, async () => {
    // A member never online before, so the presence role lists them after everyone already online in the guild.
    const dora = await t.register('dora');
    await t.join(owner, guild.id, dora);
    // Users the presence role lists as online in the guild ahead of dora; they are not members, so they fill the
    // online cap without being listed themselves.
    const ahead = Array.from({ length: GUILD_LIMITS.snapshotOnlineMembersMax }, (_, i) => String(900000000000000000n + BigInt(i)));
    const session = (userId: string) => ({ nodeId: 'test-node', sessionId: `s-${userId}`, userId });
    for (const userId of ahead) {
      t.bus.publish(PresenceSubjects.update, { ...session(userId), guildIds: [guild.id], status: 'online', activities: [], platform: 'desktop', since: null, afk: false } satisfies PresenceSessionUpdate);
    }
    online(dora, { status: 'idle' });
    try {
      await waitFor(async () => ((await snapshot({ largeThreshold: 2, userId: dora.id })).guild as any).presences.some((p: any) => p.user.id === dora.id), { what: 'dora listed online', timeoutMs: 15_000 });
      const g = (await snapshot({ largeThreshold: 2, userId: dora.id })).guild as any;
      assert.ok(g.members.some((m: any) => m.user.id === dora.id), 'the caller is listed');
      assert.equal(g.presences.find((p: any) => p.user.id === dora.id)?.status, 'idle');
      // Another member sees the online members within the cap: dora is past it.
      const other = (await snapshot({ largeThreshold: 2, userId: alice.id })).guild as any;
      assert.equal(other.members.some((m: any) => m.user.id === dora.id), false);
      assert.equal(other.presences.some((p: any) => p.user.id === dora.id), false);
    } finally {
      for (const userId of [...ahead, dora.id]) t.bus.publish(PresenceSubjects.gone, session(userId));
      assert.equal((await t.request('DELETE', `/users/@me/guilds/${guild.id}`, { auth: dora })).status, 204);
    }
    await waitFor(async () => ((await snapshot()).guild as any).member_count === 4, { what: 'dora gone' });
  });

  /**
   * GuildSnapshots of its own over the server's store and presence role, with a member cache that keeps nothing
   * (memberJsonMax 0). `asked`: the user ids its store was asked for with members.getMany; `afterRead(userId, fn)`:
   * runs `fn` once, right after the snapshot's store read of that user's membership.
   */
  const refusingSnapshots = () => {
    const real = t.store.members;
    const asked: string[] = [];
    let after: { userId: string; fn: () => Promise<void> } | null = null;
    const members = withOverrides<MemberStore>(real, {
      async get(guildId, userId) {
        const m = await real.get(guildId, userId);
        const hook = after;
        if (hook && userId === hook.userId) {
          after = null;
          await hook.fn();
        }
        return m;
      },
      async getMany(guildId, userIds) {
        asked.push(...userIds);
        return real.getMany(guildId, userIds);
      },
    });
    const store = withOverrides<Store>(t.store, { members });
    const cache = new GuildStateCache(store, 16, silentLogger, 0);
    const snapshots = new GuildSnapshots(store, cache, new RoleClient({ bus: t.bus, role: 'presence', timeoutMs: 1000 }), silentLogger);
    return {
      cache,
      asked,
      ask: (userId: string) => snapshots.snapshot({ guildId: guild.id, userId, largeThreshold: 2, presences: true, bot: true }),
      afterRead: (userId: string, fn: () => Promise<void>) => (after = { userId, fn }),
      hookPending: () => after !== null,
    };
  };
  const idsOf = (g: any): string[] => g.members.map((m: any) => m.user.id);
  const joinedPieces = (r: GuildSnapshotReply) => JSON.parse(r.guildPieces!.map((p) => (typeof p === 'string' ? p : p.text)).join(''));
  const aliceAndAlbertOnline = async () => {
    online(alice);
    online(albert);
    await waitFor(async () => ((await snapshot({ largeThreshold: 2 })).guild as any).presences.length === 3, { what: 'alice, albert and bob online' });
  };
  const aliceAndAlbertGone = async () => {
    for (const u of [alice, albert]) t.bus.publish(PresenceSubjects.gone, { nodeId: 'test-node', sessionId: `s-${u.id}`, userId: u.id });
    await waitFor(async () => ((await snapshot({ largeThreshold: 2 })).guild as any).presences.length === 1, { what: 'only bob online again' });
  };

  it("a large guild's snapshot lists the caller's own member when the member cache keeps nothing: the object built for them, not read again", async () => {
    // GuildSnapshots builds the caller's member object first, then the list of online members; when the cache did not
    // keep that object (full: here a cache with room for none), the list takes the object already built
    // (memberObjects' `mine`) instead of reading the caller from the store a second time.
    await aliceAndAlbertOnline();
    const s = refusingSnapshots();
    try {
      // An online caller (in their place in the list) and an offline one (last), twice each: nothing is ever cached.
      for (const caller of [alice, owner, alice, owner]) {
        const expected = await snapshot({ largeThreshold: 2, userId: caller.id }); // the guild role's own answer
        s.asked.length = 0;
        const reply = await s.ask(caller.id);
        const g = reply.guild as any;
        assert.equal(g.large, true);
        assert.deepEqual(idsOf(g), idsOf(expected.guild), `${caller.username}: the list the guild role gives, the caller in it`);
        const own = g.members.find((m: any) => m.user.id === caller.id);
        assert.ok(own, `${caller.username} is listed`);
        assert.equal(own, reply.member, "the caller's entry is the member object built for them");
        assert.deepEqual(own, expected.member);
        assert.deepEqual(joinedPieces(reply), g, 'the pieces carry the same list');
        assert.ok(s.asked.length > 0, 'the cache kept nothing: the other members were read from the store');
        assert.ok(!s.asked.includes(caller.id), `${caller.username}'s member was not read again with the others (asked: ${s.asked.join(',')})`);
      }
      assert.equal(s.cache.getMemberJson((await s.cache.get(guild.id))!, alice.id, Date.now()), undefined, 'the cache refused every member object');
    } finally {
      await aliceAndAlbertGone();
    }
  });

  it("a caller who leaves during their large guild's snapshot (member cache keeping nothing) is still in the member list sent with their member object", async () => {
    // The leave lands between the snapshot's read of the caller's membership and its read of the other members: the
    // store no longer has the membership to read again, and the list carries the object already built.
    await aliceAndAlbertOnline();
    const s = refusingSnapshots();
    const real = t.store.members;
    const record = (await real.get(guild.id, albert.id))!;
    try {
      s.afterRead(albert.id, () => real.remove(guild.id, albert.id));
      const reply = await s.ask(albert.id);
      assert.equal(s.hookPending(), false, 'the membership went away during the snapshot');
      assert.equal(await real.get(guild.id, albert.id), null);
      const g = reply.guild as any;
      assert.ok(g, 'a snapshot of a member (they were one when it began)');
      const own = g.members.find((m: any) => m.user.id === albert.id);
      assert.ok(own, 'the caller is in the member list');
      assert.equal(own, reply.member, 'as the member object sent with it');
      assert.ok(idsOf(joinedPieces(reply)).includes(albert.id), 'and in the pieces');
      assert.ok(idsOf(g).includes(alice.id) && idsOf(g).includes(bob.id), 'with the other online members');
    } finally {
      if (!(await real.get(guild.id, albert.id))) await real.add(record);
      await aliceAndAlbertGone();
    }
  });

  it('member requests: prefix query (username or nick, any case), limit, user_ids with notFound, everyone, presences', async () => {
    const byName = await members({ query: 'AL', limit: 10 });
    assert.deepEqual(byName.members.map((m: any) => m.user.username).sort(), ['albert', 'alice']);
    assert.equal(byName.presences, undefined);
    assert.equal((await members({ query: 'al', limit: 1 })).members.length, 1);

    assert.equal((await t.request('PATCH', `/guilds/${guild.id}/members/${bob.id}`, { auth: owner, body: { nick: 'Xavier' } })).status, 200);
    const byNick = await members({ query: 'xav', limit: 5 });
    assert.deepEqual(byNick.members.map((m: any) => m.user.id), [bob.id]);
    assert.equal(byNick.members[0].nick, 'Xavier');

    const byIds = await members({ userIds: [bob.id, stranger.id, '99999999999'], presences: true });
    assert.deepEqual(byIds.members.map((m: any) => m.user.id), [bob.id]);
    assert.deepEqual(byIds.notFound?.sort(), [stranger.id, '99999999999'].sort());
    assert.deepEqual(byIds.presences?.map((p: any) => [p.user.id, p.status]), [[bob.id, 'dnd']]);

    const all = await members({ query: '', limit: 0, presences: true });
    assert.equal(all.members.length, 4);
    assert.equal(all.next, undefined);
    assert.deepEqual(all.presences?.map((p: any) => p.user.id), [bob.id]);
    assert.equal((await members({ query: '', limit: 2 })).members.length, 2);
  });

  it('answers without presences, and fast, when the presence role is down', async () => {
    online(alice);
    await waitFor(async () => ((await snapshot()).guild as any).presences.length === 2, { what: 'alice online' });
    await t.server.roles.find((r) => r.name === 'presence')!.close();
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const g = (await snapshot({ largeThreshold: 2 })).guild as any;
      assert.equal(g.large, true);
      assert.deepEqual(g.members.map((m: any) => m.user.id), [owner.id]);
      assert.deepEqual(g.presences, []);
      assert.ok(Date.now() - started < 1500, 'bounded by the presence timeout');
    }
    const small = (await snapshot()).guild as any;
    assert.equal(small.members.length, 4);
    assert.deepEqual(small.presences, []);
  });
});
