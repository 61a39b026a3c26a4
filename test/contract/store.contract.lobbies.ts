/** LobbyStore: lobbies with their members and messages, the per-lobby and per-user limits, links and their cascade. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, LimitReachedError, NotFoundError } from '../../src/store/errors.ts';
import type { LobbyRecord, Store } from '../../src/store/types.ts';
import { guildWithChannel, newId, rejectsWith } from './store.fixtures.ts';

const LIMITS = { perLobby: 1000, perUser: 100 };

function lobbyOf(applicationId: string, extra: Partial<LobbyRecord> = {}): LobbyRecord {
  return { id: newId(), applicationId, secret: null, metadata: null, idleTimeoutSeconds: 300, linkedChannelId: null, createdAt: 1_700_000_000_000, ...extra };
}

export function lobbiesContract(s: () => Store): void {
  describe('lobbies', () => {
    it('creates with members, reads by id and secret, lists a user\'s, updates and deletes with its members and messages', async () => {
      const app = newId();
      const [a, b] = [newId(), newId()].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
      const lobby = lobbyOf(app, { secret: 'abc', metadata: { topic: 'x' } });
      const change = await s().lobbies.create(lobby, [{ userId: b, metadata: { k: 'v' }, flags: 1, additionalName: 'Hero' }, { userId: a, metadata: null, flags: 0 }], LIMITS);
      assert.deepEqual(change.upserted.map((u) => [u.member.userId, u.added]), [[b, true], [a, true]]);
      assert.deepEqual(await s().lobbies.get(lobby.id), lobby);
      assert.deepEqual(await s().lobbies.getBySecret(app, 'abc'), lobby);
      assert.equal(await s().lobbies.getBySecret(newId(), 'abc'), null);
      assert.deepEqual(await s().lobbies.members(lobby.id), [
        { lobbyId: lobby.id, userId: a, metadata: null, flags: 0, additionalName: null },
        { lobbyId: lobby.id, userId: b, metadata: { k: 'v' }, flags: 1, additionalName: 'Hero' },
      ]);
      assert.deepEqual(await s().lobbies.listForUser(a), [lobby]);
      assert.deepEqual(await s().lobbies.membersAmong(lobby.id, [b, newId(), a]), [a, b]);
      assert.deepEqual(await s().lobbies.membersAmong(newId(), [a]), []);
      assert.deepEqual(await s().lobbies.update(lobby.id, { metadata: null, idleTimeoutSeconds: 60 }), { ...lobby, metadata: null, idleTimeoutSeconds: 60 });
      assert.equal(await s().lobbies.update(newId(), { metadata: null }), null);

      await s().lobbies.addMessage({ id: newId(), lobbyId: lobby.id, authorId: a, content: 'first', flags: 0, additionalName: null, moderationMetadata: null });
      const second = { id: newId(), lobbyId: lobby.id, authorId: b, content: 'second', flags: 4, additionalName: 'Hero', moderationMetadata: null };
      await s().lobbies.addMessage(second);
      assert.deepEqual((await s().lobbies.messages(lobby.id, 50)).map((m) => m.content), ['second', 'first']);
      assert.deepEqual(await s().lobbies.messages(lobby.id, 1), [second]);
      assert.deepEqual(await s().lobbies.setModerationMetadata(lobby.id, second.id, { ok: '1' }), { ...second, moderationMetadata: { ok: '1' } });
      assert.equal(await s().lobbies.setModerationMetadata(lobby.id, newId(), { ok: '1' }), null);
      assert.deepEqual(await s().lobbies.editMessage(lobby.id, second.id, 'second, edited'), { ...second, content: 'second, edited', moderationMetadata: { ok: '1' } });
      assert.equal(await s().lobbies.editMessage(newId(), second.id, 'x'), null);
      const third = { id: newId(), lobbyId: lobby.id, authorId: a, content: 'third', flags: 0, additionalName: null, moderationMetadata: null };
      await s().lobbies.addMessage(third);
      assert.deepEqual(await s().lobbies.deleteMessages(lobby.id, [third.id, newId()]), [third.id]);
      assert.deepEqual(await s().lobbies.deleteMessages(newId(), [second.id]), [], 'another lobby\'s message is not touched');
      assert.deepEqual((await s().lobbies.messages(lobby.id, 50)).map((m) => m.content), ['second, edited', 'first']);
      await rejectsWith(s().lobbies.addMessage({ ...second, id: newId(), lobbyId: newId() }), NotFoundError, { entity: 'lobby' });

      const deleted = await s().lobbies.delete(lobby.id);
      assert.deepEqual(deleted?.memberIds, [a, b]);
      assert.equal(await s().lobbies.delete(lobby.id), null);
      assert.deepEqual(await s().lobbies.members(lobby.id), []);
      assert.deepEqual(await s().lobbies.messages(lobby.id, 50), []);
      assert.deepEqual(await s().lobbies.listForUser(a), []);
    });

    it('changes members in one go: upserts keep or replace the additional name, removals, replace, and the limits drop users', async () => {
      const app = newId();
      const [a, b, c] = [newId(), newId(), newId()];
      const lobby = lobbyOf(app);
      await s().lobbies.create(lobby, [{ userId: a, metadata: null, flags: 0, additionalName: 'Ann' }], LIMITS);
      const kept = await s().lobbies.changeMembers(lobby.id, [{ userId: a, metadata: { x: 'y' }, flags: 1 }, { userId: b, metadata: null, flags: 0 }], [], LIMITS);
      assert.deepEqual(kept.upserted.map((u) => [u.member.userId, u.added, u.member.additionalName]), [[a, false, 'Ann'], [b, true, null]]);
      const cleared = await s().lobbies.changeMembers(lobby.id, [{ userId: a, metadata: null, flags: 1, additionalName: null }], [b], LIMITS);
      assert.equal(cleared.upserted[0]!.member.additionalName, null);
      assert.deepEqual(cleared.removed, [b]);
      const replaced = await s().lobbies.changeMembers(lobby.id, [{ userId: c, metadata: null, flags: 0 }], [], LIMITS, { replace: true });
      assert.deepEqual(replaced.removed, [a]);
      assert.deepEqual((await s().lobbies.members(lobby.id)).map((m) => m.userId), [c]);
      // Per lobby: one more than the limit is dropped; per user: in `perUser` lobbies of this application already.
      const tight = await s().lobbies.changeMembers(lobby.id, [{ userId: a, metadata: null, flags: 0 }], [], { perLobby: 1, perUser: 100 });
      assert.deepEqual(tight.dropped, [a]);
      const other = lobbyOf(app);
      const dropped = await s().lobbies.create(other, [{ userId: c, metadata: null, flags: 0 }], { perLobby: 1000, perUser: 1 });
      assert.deepEqual(dropped.dropped, [c]);
      const elsewhere = await s().lobbies.create(lobbyOf(newId()), [{ userId: c, metadata: null, flags: 0 }], { perLobby: 1000, perUser: 1 });
      assert.deepEqual(elsewhere.dropped, [], 'another application\'s lobbies do not count');
      await rejectsWith(s().lobbies.changeMembers(newId(), [], [], LIMITS), NotFoundError, { entity: 'lobby' });
      // Fields left out keep their values; a user named twice counts once, the last entry.
      const once = await s().lobbies.changeMembers(lobby.id, [{ userId: c, metadata: { k: '1' }, flags: 1 }, { userId: c, flags: 0 }], [], LIMITS);
      assert.equal(once.upserted.length, 1);
      assert.deepEqual(await s().lobbies.member(lobby.id, c), { lobbyId: lobby.id, userId: c, metadata: null, flags: 0, additionalName: null });
      await s().lobbies.changeMembers(lobby.id, [{ userId: c, metadata: { k: '2' } }], [], LIMITS);
      await s().lobbies.changeMembers(lobby.id, [{ userId: c, flags: 1 }], [], LIMITS);
      assert.deepEqual(await s().lobbies.member(lobby.id, c), { lobbyId: lobby.id, userId: c, metadata: { k: '2' }, flags: 1, additionalName: null });
    });

    it('creates or joins by secret in one transaction: a refused join leaves no lobby and no metadata behind', async () => {
      const app = newId();
      const [a, b] = [newId(), newId()];
      const fresh = lobbyOf(app, { secret: 'match' });
      const first = await s().lobbies.createOrJoin(fresh, { userId: a, metadata: { ready: 'y' } }, { map: 'one' }, LIMITS);
      assert.equal(first.created, true);
      assert.deepEqual(first.lobby, { ...fresh, metadata: { map: 'one' } });
      const second = await s().lobbies.createOrJoin(lobbyOf(app, { secret: 'match' }), { userId: b }, { map: 'two' }, LIMITS);
      assert.equal(second.created, false);
      assert.equal(second.metadataChanged, true);
      assert.equal(second.lobby.id, fresh.id);
      assert.deepEqual((await s().lobbies.members(fresh.id)).map((m) => m.metadata), a < b ? [{ ready: 'y' }, null] : [null, { ready: 'y' }]);
      await rejectsWith(s().lobbies.createOrJoin(lobbyOf(app, { secret: 'match' }), { userId: newId() }, { map: 'three' }, { perLobby: 2, perUser: 100 }), LimitReachedError);
      assert.deepEqual((await s().lobbies.get(fresh.id))?.metadata, { map: 'two' });
      await rejectsWith(s().lobbies.createOrJoin(lobbyOf(app, { secret: 'other' }), { userId: a }, null, { perLobby: 10, perUser: 1 }), LimitReachedError);
      assert.equal(await s().lobbies.getBySecret(app, 'other'), null);
    });

    it('a secret stops taking joins once it is secretTtlMs old: the same secret then makes a new lobby, the old one stays', async () => {
      const app = newId();
      const [a, b, c] = [newId(), newId(), newId()];
      const ttl = { ...LIMITS, secretTtlMs: 1000 };
      const t0 = 1_700_000_000_000;
      const old = lobbyOf(app, { secret: 'season', createdAt: t0 });
      assert.equal((await s().lobbies.createOrJoin(old, { userId: a }, null, ttl)).created, true);
      const within = await s().lobbies.createOrJoin(lobbyOf(app, { secret: 'season', createdAt: t0 + 999 }), { userId: b }, null, ttl);
      assert.deepEqual([within.created, within.lobby.id], [false, old.id]);
      // A member of the lobby still finds it by its expired secret.
      const member = await s().lobbies.createOrJoin(lobbyOf(app, { secret: 'season', createdAt: t0 + 1000 }), { userId: a }, null, ttl);
      assert.deepEqual([member.created, member.lobby.id], [false, old.id]);
      const fresh = lobbyOf(app, { secret: 'season', createdAt: t0 + 1000 });
      const after = await s().lobbies.createOrJoin(fresh, { userId: c }, { round: '2' }, ttl);
      assert.deepEqual([after.created, after.lobby.id], [true, fresh.id]);
      assert.deepEqual((await s().lobbies.members(old.id)).map((m) => m.userId).sort(), [a, b].sort(), 'the old lobby keeps its members');
      assert.deepEqual((await s().lobbies.get(old.id))?.secret, 'season', 'and its secret (it was made by one)');
      assert.deepEqual(await s().lobbies.getBySecret(app, 'season'), { ...fresh, metadata: { round: '2' } }, 'the newest lobby of the secret');
      const next = await s().lobbies.createOrJoin(lobbyOf(app, { secret: 'season', createdAt: t0 + 1500 }), { userId: newId() }, null, ttl);
      assert.deepEqual([next.created, next.lobby.id], [false, fresh.id], 'joins go to the new lobby');
      const returning = await s().lobbies.createOrJoin(lobbyOf(app, { secret: 'season', createdAt: t0 + 1500 }), { userId: c }, null, ttl);
      assert.deepEqual([returning.created, returning.lobby.id], [false, fresh.id]);
      // Only the newest lobby of a secret is looked at: a member of the old one who comes back gets the new one.
      const oldMember = await s().lobbies.createOrJoin(lobbyOf(app, { secret: 'season', createdAt: t0 + 1500 }), { userId: a }, null, ttl);
      assert.equal(oldMember.lobby.id, fresh.id);
    });

    it('holds both limits under concurrent changes', async () => {
      const app = newId();
      const lobby = lobbyOf(app);
      await s().lobbies.create(lobby, [], LIMITS);
      const users = Array.from({ length: 8 }, () => newId());
      await Promise.all(users.map((u) => s().lobbies.changeMembers(lobby.id, [{ userId: u }], [], { perLobby: 3, perUser: 100 })));
      assert.equal((await s().lobbies.members(lobby.id)).length, 3);
      const player = newId();
      await Promise.all(Array.from({ length: 10 }, () => s().lobbies.create(lobbyOf(app), [{ userId: player }], { perLobby: 1000, perUser: 3 })));
      assert.equal((await s().lobbies.listForUser(player)).length, 3);
    });

    it('lobbies fall due when idle past their timeout; a touch starts it over, a modify moves it; only a due lobby is deleted', async () => {
      const app = newId();
      const t0 = 1_800_000_000_000;
      const short = lobbyOf(app, { createdAt: t0, idleTimeoutSeconds: 5 });
      const long = lobbyOf(app, { createdAt: t0, idleTimeoutSeconds: 60 });
      const member = newId();
      await s().lobbies.create(short, [{ userId: member }], LIMITS);
      await s().lobbies.create(long, [], LIMITS);
      const due = async (at: number) => (await s().lobbies.dueIdle(at, 100)).map((l) => l.id).filter((id) => id === short.id || id === long.id);
      assert.deepEqual(await due(t0 + 4_999), []);
      assert.deepEqual(await due(t0 + 5_000), [short.id]);
      await s().lobbies.touch([short.id], t0 + 5_000);
      assert.deepEqual(await due(t0 + 9_999), []);
      assert.equal(await s().lobbies.deleteIfIdle(short.id, t0 + 9_999), null, 'not due: kept');
      await s().lobbies.update(long.id, { idleTimeoutSeconds: 10 });
      assert.deepEqual(await due(t0 + 10_000), [short.id, long.id]);
      const gone = await s().lobbies.deleteIfIdle(short.id, t0 + 10_000);
      assert.deepEqual(gone?.memberIds, [member]);
      assert.equal(await s().lobbies.get(short.id), null);
      assert.equal(await s().lobbies.deleteIfIdle(short.id, t0 + 10_000), null);
    });

    it('links one lobby per channel; deleting the channel unlinks', async () => {
      const { channel } = await guildWithChannel(s());
      const app = newId();
      const one = lobbyOf(app);
      const two = lobbyOf(app);
      await s().lobbies.create(one, [], LIMITS);
      await s().lobbies.create(two, [], LIMITS);
      assert.equal((await s().lobbies.link(one.id, channel.id))?.linkedChannelId, channel.id);
      await rejectsWith(s().lobbies.link(two.id, channel.id), ConflictError, { entity: 'lobby' });
      await rejectsWith(s().lobbies.link(two.id, newId()), NotFoundError, { entity: 'channel' });
      assert.equal(await s().lobbies.link(newId(), null), null);
      assert.deepEqual((await s().lobbies.listLinkedTo([channel.id, newId()])).map((l) => l.id), [one.id]);
      assert.ok((await s().lobbies.linkedChannelIds()).includes(channel.id));
      await s().channels.delete(channel.id);
      assert.equal((await s().lobbies.get(one.id))?.linkedChannelId, null);
      assert.deepEqual(await s().lobbies.listLinkedTo([channel.id]), []);
      assert.ok(!(await s().lobbies.linkedChannelIds()).includes(channel.id));
    });
  });
}
