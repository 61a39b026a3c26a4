import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PresenceSessionUpdate } from '../../src/contracts/presence.ts';
import { PresenceTracker } from '../../src/presence/tracker.ts';

function setup(over: Partial<ConstructorParameters<typeof PresenceTracker>[0]> = {}) {
  const clock = { t: 10_000 };
  const tracker = new PresenceTracker({ now: () => clock.t, defaultTtlMs: 1000, maxSessions: 100, maxSessionsPerUser: 4, maxActivities: 2, ...over });
  return { clock, tracker };
}

const upd = (over: Partial<PresenceSessionUpdate>): PresenceSessionUpdate => ({
  nodeId: 'n1', sessionId: 's1', userId: 'u1', guildIds: ['g1'], status: 'online', activities: [], platform: 'desktop', since: null, afk: false, ...over,
});

describe('PresenceTracker', () => {
  it('announces a user coming online once, in each of their guilds', () => {
    const { tracker } = setup();
    tracker.update(upd({ guildIds: ['g1', 'g2'] }));
    tracker.update(upd({ status: 'idle', guildIds: ['g1', 'g2'] }));
    const changes = tracker.flush();
    assert.equal(changes.length, 1);
    assert.deepEqual(changes[0].guildIds, ['g1', 'g2']);
    assert.deepEqual(changes[0].presence, { user: { id: 'u1' }, status: 'idle', activities: [], client_status: { desktop: 'idle' } });
    // Nothing changed since: nothing to announce.
    tracker.update(upd({ status: 'idle', guildIds: ['g1', 'g2'] }));
    assert.deepEqual(tracker.flush(), []);
  });

  it('a pending update that changes nothing keeps the published presence object; a change makes a new one', () => {
    // GUILD_CREATE snapshots memoise presences by identity (guild/snapshot.ts).
    const { tracker } = setup();
    tracker.update(upd({}));
    tracker.flush();
    const [published] = tracker.query([], 'g1');
    tracker.update(upd({ sessionId: 's2' }));
    const [same] = tracker.query([], 'g1');
    assert.equal(same, published, 'another session with the same status: the same object');
    assert.equal(tracker.query(['u1'])[0], published);
    tracker.update(upd({ sessionId: 's3', status: 'dnd' }));
    const [changed] = tracker.query([], 'g1');
    assert.notEqual(changed, published);
    assert.equal(changed.status, 'dnd');
  });

  it('merges sessions on two platforms: latest visible session wins, client_status per platform', () => {
    const { tracker } = setup();
    tracker.update(upd({ sessionId: 'a', platform: 'desktop', status: 'dnd', activities: [{ name: 'Game', type: 0 }] }));
    tracker.update(upd({ nodeId: 'n2', sessionId: 'b', platform: 'mobile', status: 'idle' }));
    const [change] = tracker.flush();
    assert.equal(change.presence.status, 'idle');
    assert.deepEqual(change.presence.activities, []);
    assert.deepEqual(change.presence.client_status, { desktop: 'dnd', mobile: 'idle' });
    // The mobile session leaves: desktop's status and activities show.
    tracker.gone({ nodeId: 'n2', sessionId: 'b', userId: 'u1' });
    const [after] = tracker.flush();
    assert.deepEqual(after.presence, { user: { id: 'u1' }, status: 'dnd', activities: [{ name: 'Game', type: 0 }], client_status: { desktop: 'dnd' } });
  });

  it('invisible sessions count as offline', () => {
    const { tracker } = setup();
    tracker.update(upd({ status: 'invisible' }));
    assert.deepEqual(tracker.flush(), []);
    assert.equal(tracker.get('u1').status, 'offline');
    assert.deepEqual(tracker.query(['u1']), []);
    tracker.update(upd({ sessionId: 's2', platform: 'web', status: 'online' }));
    const [change] = tracker.flush();
    assert.deepEqual(change.presence.client_status, { web: 'online' });
    // Going invisible on the only visible session looks like going offline.
    tracker.update(upd({ sessionId: 's2', platform: 'web', status: 'invisible' }));
    const [gone] = tracker.flush();
    assert.deepEqual(gone.presence, { user: { id: 'u1' }, status: 'offline', activities: [], client_status: {} });
  });

  it('expires sessions whose node stops heartbeating; a heartbeat keeps them', () => {
    const { clock, tracker } = setup();
    tracker.update(upd({ sessionId: 'a' }));
    tracker.update(upd({ nodeId: 'n2', sessionId: 'b', platform: 'mobile' }));
    tracker.flush();
    clock.t += 600;
    tracker.heartbeat({ nodeId: 'n1', sessionIds: ['a'], ttlMs: 1000 });
    clock.t += 600;
    assert.equal(tracker.sweep(), 1); // n2 went quiet
    const [change] = tracker.flush();
    assert.deepEqual(change.presence.client_status, { desktop: 'online' });
    clock.t += 1000;
    assert.equal(tracker.sweep(), 1);
    const [off] = tracker.flush();
    assert.equal(off.presence.status, 'offline');
    assert.deepEqual(off.guildIds, ['g1']);
    assert.equal(tracker.userCount, 0);
    assert.equal(tracker.sessionCount, 0);
  });

  it('a node TTL from a heartbeat applies to later updates', () => {
    const { clock, tracker } = setup();
    tracker.heartbeat({ nodeId: 'n1', sessionIds: [], ttlMs: 5000 });
    tracker.update(upd({}));
    clock.t += 4000;
    assert.equal(tracker.sweep(), 0);
    clock.t += 1000;
    assert.equal(tracker.sweep(), 1);
  });

  it('a heartbeat does not refresh unlisted sessions', () => {
    const { clock, tracker } = setup();
    tracker.update(upd({}));
    clock.t += 900;
    tracker.heartbeat({ nodeId: 'n1', sessionIds: [], ttlMs: 1000 });
    clock.t += 100;
    assert.equal(tracker.sweep(), 1);
  });

  it('query returns non-offline users by id and by guild', () => {
    const { tracker } = setup();
    tracker.update(upd({ userId: 'u1', guildIds: ['g1'] }));
    tracker.update(upd({ userId: 'u2', sessionId: 's2', guildIds: ['g1', 'g2'], status: 'dnd' }));
    tracker.update(upd({ userId: 'u3', sessionId: 's3', guildIds: ['g2'], status: 'invisible' }));
    tracker.flush();
    assert.deepEqual(tracker.query(['u1', 'u3', 'nobody']).map((p) => p.user.id), ['u1']);
    assert.deepEqual(tracker.query([], 'g1').map((p) => p.user.id).sort(), ['u1', 'u2']);
    assert.deepEqual(tracker.query(['u1'], 'g2').map((p) => p.user.id), ['u1', 'u2']);
  });

  it('membership changes move the user between guilds', () => {
    const { tracker } = setup();
    tracker.update(upd({ guildIds: ['g1'] }));
    tracker.flush();
    const added = tracker.memberAdded('u1', 'g9');
    assert.deepEqual(added?.guildIds, ['g9']);
    assert.equal(added?.presence.status, 'online');
    assert.equal(tracker.memberAdded('u1', 'g9'), null);
    assert.equal(tracker.memberAdded('stranger', 'g9'), null);
    tracker.memberRemoved('u1', 'g1');
    tracker.update(upd({ status: 'dnd', guildIds: undefined as unknown as string[] }));
    const [change] = tracker.flush();
    assert.deepEqual(change.guildIds, ['g9']);
    tracker.guildDeleted('g9');
    assert.deepEqual(tracker.query([], 'g9'), []);
  });

  it('bounds sessions, sessions per user and activities', () => {
    const { tracker } = setup({ maxSessions: 5, maxSessionsPerUser: 2 });
    tracker.update(upd({ sessionId: 'a', activities: [1, 2, 3, 4] }));
    tracker.update(upd({ sessionId: 'b', platform: 'mobile' }));
    tracker.update(upd({ sessionId: 'c', platform: 'web' }));
    assert.equal(tracker.sessionCount, 2); // 'a', the least recently updated, was dropped
    const [change] = tracker.flush();
    assert.deepEqual(change.presence.client_status, { mobile: 'online', web: 'online' });
    tracker.update(upd({ userId: 'u2', sessionId: 'd', activities: [1, 2, 3] }));
    assert.deepEqual(tracker.get('u2').activities, [1, 2]);
    tracker.update(upd({ userId: 'u3', sessionId: 'e' }));
    tracker.update(upd({ userId: 'u4', sessionId: 'f' }));
    assert.equal(tracker.update(upd({ userId: 'u5', sessionId: 'g' })), false);
    assert.equal(tracker.sessionCount, 5);
  });
});
