/** sessions/interest.ts: one bus subscription per guild held by local sessions, following their guild maps. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GuildInterest, TrackedGuilds } from '../../src/sessions/interest.ts';

function recorder() {
  const live = new Map<string, number>();
  const subscribe = (g: string) => {
    live.set(g, (live.get(g) ?? 0) + 1);
    return { unsubscribe: () => live.set(g, live.get(g)! - 1) };
  };
  return { live, subscribe };
}

describe('guild interest', () => {
  it('subscribes once per guild while any session holds it, and drops it after the last leaves', () => {
    const { live, subscribe } = recorder();
    const interest = new GuildInterest(0);
    interest.open(subscribe);
    const a = new TrackedGuilds<string>().track(interest);
    const b = new TrackedGuilds<string>().track(interest);
    a.set('1', 'pending');
    a.set('1', 'available'); // a status change is not a second holder
    b.set('1', 'available');
    b.set('2', 'available');
    assert.deepEqual([...live], [['1', 1], ['2', 1]]);
    assert.equal(interest.size, 2);
    a.delete('1');
    assert.equal(live.get('1'), 1, 'b still holds guild 1');
    b.clear();
    assert.deepEqual([...live], [['1', 0], ['2', 0]]);
    assert.equal(interest.size, 0);
  });

  it('lingers after the last holder leaves; a new holder meanwhile keeps the same subscription', () => {
    const { live, subscribe } = recorder();
    const interest = new GuildInterest(60_000);
    interest.open(subscribe);
    const a = new TrackedGuilds<string>().track(interest);
    a.set('1', 'available');
    a.delete('1');
    assert.ok(interest.has('1') && !interest.held('1'), 'lingering');
    a.set('1', 'pending');
    assert.ok(interest.held('1'));
    assert.equal(live.get('1'), 1, 'not resubscribed');
    interest.close();
    assert.equal(live.get('1'), 0);
  });

  it('guilds wanted before the router opens are subscribed when it does', () => {
    const { live, subscribe } = recorder();
    const interest = new GuildInterest(0);
    new TrackedGuilds<string>().track(interest).set('7', 'pending');
    assert.equal(live.size, 0);
    interest.open(subscribe);
    assert.equal(live.get('7'), 1);
  });
});
