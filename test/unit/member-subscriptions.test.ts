/**
 * MemberSubscriptions (src/sessions/member-subscriptions.ts) on its own: the per-session bound, friends and DM
 * recipients from READY and from the user's events, dropping a guild, the record a resume elsewhere rebuilds
 * from, and the parser's refusals. The gateway's use of it is tested over sockets in
 * test/integration/member-subscriptions.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_SUBSCRIBED_MEMBERS, MemberSubscriptions, parseGuildSubscriptions } from '../../src/sessions/member-subscriptions.ts';

const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => String(100_000_000_000_000_000n + BigInt(from + i)));

describe('member subscriptions', () => {
  it(`keeps at most ${MAX_SUBSCRIBED_MEMBERS} members over all guilds; replacing a guild's list frees its share`, () => {
    const s = new MemberSubscriptions();
    s.subscribe('1', ids(0, 600));
    s.subscribe('2', ids(1000, 600));
    assert.equal(s.subscribedCount, MAX_SUBSCRIBED_MEMBERS);
    assert.equal(s.membersIn('2').size, 400, 'the first 400 of guild 2');
    assert.ok(s.follows('2', ids(1000, 1)[0]!) && !s.follows('2', ids(1599, 1)[0]!));
    s.subscribe('1', ids(0, 100));
    s.subscribe('2', ids(1000, 600));
    assert.equal(s.membersIn('2').size, 600);
    s.subscribe('1', []);
    assert.equal(s.membersIn('1').size, 0);
    s.dropGuild('2');
    assert.equal(s.subscribedCount, 0);
  });

  it('follows friends and DM recipients in every guild: from READY, then RELATIONSHIP_* and new DMs; every change moves the version', () => {
    const s = new MemberSubscriptions();
    s.setContacts({
      relationships: [{ id: 'friend', type: 1 }, { id: 'blocked', type: 2 }, { id: 'asked', type: 4 }],
      private_channels: [{ recipients: [{ id: 'dm1' }, { id: 'dm2' }] }],
    });
    for (const id of ['friend', 'dm1', 'dm2']) assert.ok(s.follows('g', id), id);
    for (const id of ['blocked', 'asked', 'stranger']) assert.ok(!s.follows('g', id), id);

    const step = (t: string, d: Record<string, unknown>) => {
      const v = s.version;
      s.noteUserEvent(t, d, 'me');
      return s.version > v;
    };
    assert.ok(step('RELATIONSHIP_UPDATE', { id: 'asked', type: 1 }) && s.follows('g', 'asked'), 'a request accepted');
    assert.ok(step('RELATIONSHIP_UPDATE', { id: 'friend', type: 2 }) && !s.follows('g', 'friend'), 'a friend blocked');
    assert.ok(step('RELATIONSHIP_ADD', { id: 'new', type: 1 }) && s.follows('g', 'new'));
    assert.ok(step('RELATIONSHIP_REMOVE', { id: 'new', type: 1 }) && !s.follows('g', 'new'));
    assert.ok(step('CHANNEL_CREATE', { id: 'c', type: 3, recipients: [{ id: 'me' }, { id: 'grp' }] }) && s.follows('g', 'grp'), 'a group DM');
    assert.ok(!s.follows('g', 'me'), 'not oneself');
    assert.ok(!step('CHANNEL_CREATE', { id: 'c2', guild_id: 'g', recipients: [{ id: 'x' }] }) && !s.follows('g', 'x'), 'a guild channel is not a DM');
    assert.ok(step('CHANNEL_RECIPIENT_ADD', { channel_id: 'c', user: { id: 'added' } }) && s.follows('g', 'added'));
    assert.ok(!step('MESSAGE_CREATE', { id: 'm' }), 'other events leave it alone');
    assert.deepEqual([...s.contacts].sort(), ['added', 'asked', 'dm1', 'dm2', 'grp']);
  });

  it('round-trips through its record: members, friends and DM recipients', () => {
    const s = new MemberSubscriptions();
    s.setContacts({ relationships: [{ id: 'f', type: 1 }], private_channels: [{ recipients: [{ id: 'd' }] }] });
    s.subscribe('g', ['1', '2']);
    const back = MemberSubscriptions.fromRecord(JSON.parse(JSON.stringify(s.toRecord())));
    assert.deepEqual(back.toRecord(), s.toRecord());
    assert.ok(back.follows('g', '2') && back.follows('other', 'f') && back.follows('other', 'd') && !back.follows('other', '1'));
    assert.deepEqual(MemberSubscriptions.fromRecord(undefined).toRecord(), { members: [], friends: [], dmRecipients: [] }, 'a record from a node without them');
  });

  it('parses op 37 and op 14; `members` absent leaves it alone; ids that are not snowflakes are skipped; a wrong shape is refused', () => {
    const g = '123456789012345678';
    assert.deepEqual(parseGuildSubscriptions(37, { subscriptions: { [g]: { typing: true, members: ['nope', g, g, 5] } } }), [{ guildId: g, members: [g] }]);
    assert.deepEqual(parseGuildSubscriptions(14, { guild_id: g, channels: {} }), [{ guildId: g }]);
    for (const [op, d] of [[37, null], [37, { subscriptions: [] }], [37, { subscriptions: { x: {} } }], [37, { subscriptions: { [g]: 1 } }], [14, { guild_id: g, members: {} }]] as const) {
      assert.ok('close' in (parseGuildSubscriptions(op, d) as object), JSON.stringify(d));
    }
  });
});
