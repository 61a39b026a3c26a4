/**
 * The store contract: every implementation of store/types.ts passes this one suite, with no opt-outs.
 * `storeContract(name, factory)` defines the describe blocks; the factory returns a store that is not yet
 * migrated (the suite migrates it) and a cleanup that removes what it made.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConflictError, InvalidInputError, NotFoundError } from '../../src/store/errors.ts';
import type { Store, TokenRecord } from '../../src/store/types.ts';
import { bundle, channel, guildWithChannel, ids, member, message, newId, rejectsWith, role, uniq, user } from './store.fixtures.ts';
import { guildCommunityContract } from './store.contract.guild-community.ts';
import { channelsContract } from './store.contract.channels.ts';
import { messagesContract } from './store.contract.messages.ts';
import { applicationCommandsContract } from './store.contract.commands.ts';
import { pendingUploadsContract } from './store.contract.uploads.ts';
import { webhooksContract } from './store.contract.webhooks.ts';
import { interactionsContract } from './store.contract.interactions.ts';
import { interactionHistoryContract } from './store.contract.interaction-history.ts';
import { userGuildSettingsContract } from './store.contract.user-guild-settings.ts';
import { scheduledEventsContract } from './store.contract.scheduled-events.ts';
import { autoModerationContract } from './store.contract.auto-moderation.ts';
import { guildTemplatesContract } from './store.contract.guild-templates.ts';
import { oauth2Contract } from './store.contract.oauth2.ts';
import { pushDevicesContract } from './store.contract.push-devices.ts';
import { sendLimitsContract } from './store.contract.send-limits.ts';
import { auditLogContract } from './store.contract.audit-log.ts';
import { relationshipsContract } from './store.contract.relationships.ts';
import { threadsContract } from './store.contract.threads.ts';
import { guildEmojisContract } from './store.contract.emojis.ts';
import { applicationEmojisContract } from './store.contract.application-emojis.ts';
import { guildSoundsContract } from './store.contract.soundboard.ts';
import { stageInstancesContract } from './store.contract.stage-instances.ts';
import { lobbiesContract } from './store.contract.lobbies.ts';
import { userMfaContract } from './store.contract.user-mfa.ts';
import { roleConnectionsContract } from './store.contract.role-connections.ts';

export type StoreFactory = () => Promise<{ store: Store; cleanup(): Promise<void> }>;

export function storeContract(name: string, factory: StoreFactory): void {
  describe(`${name}: store contract`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let firstMigration: number[] = [];
    before(async () => {
      ({ store, cleanup } = await factory());
      firstMigration = await store.migrate();
    });
    after(async () => {
      await cleanup?.();
    });
    const s = () => store;

    describe('lifecycle', () => {
      it('migrates once, then has nothing pending', async () => {
        assert.ok(firstMigration.length >= 1);
        assert.deepEqual(firstMigration, [...firstMigration].sort((a, b) => a - b));
        assert.deepEqual(await store.migrate(), []);
      });
      it('keeps the first secret of a name: later and concurrent candidates get it back', async () => {
        const name = uniq("secret-");
        const got = await Promise.all(['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40)].map((c) => store.secrets.getOrCreate(name, c, 1)));
        assert.equal(new Set(got).size, 1);
        assert.ok(['a', 'b', 'c'].includes(got[0]![0]!));
        assert.equal(await store.secrets.getOrCreate(name, 'd'.repeat(40), 2), got[0]);
        assert.notEqual(await store.secrets.getOrCreate(`${name}-other`, 'e'.repeat(40), 2), got[0]);
        await rejectsWith(store.secrets.getOrCreate(name, 'x'.repeat(300), 3), InvalidInputError, { field: 'value' });
      });
      it('pings and names its kind', async () => {
        assert.equal(await store.ping(), true);
        assert.equal(store.kind, name.includes('postgres') ? 'postgres' : 'sqlite');
      });
    });

    identityContract(s);
    guildsContract(s);
    channelsContract(s);
    messagesContract(s);
    applicationCommandsContract(s);
    pendingUploadsContract(s);
    webhooksContract(s);
    interactionsContract(s);
    interactionHistoryContract(s);
    userGuildSettingsContract(s);
    scheduledEventsContract(s);
    autoModerationContract(s);
    guildTemplatesContract(s);
    oauth2Contract(s);
    pushDevicesContract(s);
    sendLimitsContract(s);
    auditLogContract(s);
    relationshipsContract(s);
    guildCommunityContract(s);
    threadsContract(s);
    guildEmojisContract(s);
    applicationEmojisContract(s);
    guildSoundsContract(s);
    stageInstancesContract(s);
    lobbiesContract(s);
    userMfaContract(s);
    roleConnectionsContract(s);
  });
}

// ------------------------------------------------------------------------------------------------ identity

/** A token record whose hash is `c` repeated, last used when it was created, with no client info. */
function tokenOf(userId: string, c: string, kind: 'user' | 'bot', createdAt: number): TokenRecord {
  return { userId, hash: c.repeat(64), kind, createdAt, lastUsedAt: createdAt, clientOs: null, clientPlatform: null };
}

function identityContract(s: () => Store): void {
  describe('users', () => {
    it('creates and reads back the same record', async () => {
      const u = user({ globalName: 'Alice A.', email: 'Alice@Example.com', bio: 'hi', flags: 64, avatar: 'abc' });
      assert.deepEqual(await s().users.create(u), u);
      assert.deepEqual(await s().users.get(u.id), u);
    });
    it('returns null for an unknown id and rejects a malformed one', async () => {
      assert.equal(await s().users.get(newId()), null);
      await rejectsWith(s().users.get('12ab'), InvalidInputError);
      await rejectsWith(s().users.get('99999999999999999999999'), InvalidInputError);
    });
    it('getMany keeps the input order and leaves unknown ids out', async () => {
      const a = await s().users.create(user());
      const b = await s().users.create(user());
      assert.deepEqual(ids(await s().users.getMany([b.id, newId(), a.id])), [b.id, a.id]);
      assert.deepEqual(await s().users.getMany([]), []);
    });
    it('finds by username or email, case-insensitively', async () => {
      const name = uniq('Login');
      const u = await s().users.create(user({ username: name, email: `${name}@Mail.Example` }));
      assert.equal((await s().users.findByLogin(name.toUpperCase()))?.id, u.id);
      assert.equal((await s().users.findByLogin(`${name.toLowerCase()}@mail.example`))?.id, u.id);
      assert.equal(await s().users.findByLogin(uniq('nobody')), null);
    });
    it('rejects a taken username or email, case-insensitively, and a taken id', async () => {
      const name = uniq('Taken');
      const u = await s().users.create(user({ username: name, email: `${name}@x.io` }));
      await rejectsWith(s().users.create(user({ username: name.toUpperCase() })), ConflictError, { entity: 'user', field: 'username' });
      await rejectsWith(s().users.create(user({ email: `${name.toUpperCase()}@X.IO` })), ConflictError, { entity: 'user', field: 'email' });
      await rejectsWith(s().users.create(user({ id: u.id })), ConflictError, { entity: 'user', field: 'id' });
    });
    it('rejects over-long or too short strings', async () => {
      await rejectsWith(s().users.create(user({ username: 'x' })), InvalidInputError, { field: 'username' });
      await rejectsWith(s().users.create(user({ username: 'x'.repeat(33) })), InvalidInputError, { field: 'username' });
      await rejectsWith(s().users.create(user({ globalName: 'g'.repeat(33) })), InvalidInputError, { field: 'global_name' });
      await rejectsWith(s().users.create(user({ bio: 'b'.repeat(191) })), InvalidInputError, { field: 'bio' });
      await rejectsWith(s().users.create(user({ email: `${'e'.repeat(320)}@x.io` })), InvalidInputError, { field: 'email' });
      await rejectsWith(s().users.create(user({ id: 'abc' })), InvalidInputError, { field: 'id' });
    });
    it('updates fields, frees the old username and keeps uniqueness', async () => {
      const u = await s().users.create(user());
      const other = await s().users.create(user());
      const newName = uniq('Renamed');
      const updated = await s().users.update(u.id, { username: newName, globalName: 'G', bio: 'new bio', email: `${newName}@x.io` });
      assert.equal(updated.username, newName);
      assert.equal(updated.globalName, 'G');
      assert.equal(updated.bio, 'new bio');
      assert.deepEqual(await s().users.get(u.id), updated);
      // The old name is free again.
      await s().users.create(user({ username: u.username }));
      await rejectsWith(s().users.update(other.id, { username: newName.toUpperCase() }), ConflictError, { field: 'username' });
      await rejectsWith(s().users.update(other.id, { username: 'x'.repeat(40) }), InvalidInputError, { field: 'username' });
      await rejectsWith(s().users.update(newId(), { bio: 'x' }), NotFoundError, { entity: 'user' });
      assert.deepEqual(await s().users.update(other.id, {}), other);
    });
    it('creates the user with its first token in one transaction', async () => {
      const u = user();
      const token = tokenOf(u.id, 'f', 'user', 7);
      assert.deepEqual(await s().users.create(u, token), u);
      assert.deepEqual(await s().tokens.listForUser(u.id), [token]);
      const v = user();
      await rejectsWith(s().users.create(v, { ...token, userId: newId() }), InvalidInputError, { field: 'user_id' });
      assert.equal(await s().users.get(v.id), null);
    });
    it('replacePasswordHash replaces the hash only while it is the one expected', async () => {
      const u = await s().users.create(user({ passwordHash: 'scrypt$old' }));
      assert.equal(await s().users.replacePasswordHash(u.id, 'scrypt$other', 'scrypt$new'), false);
      assert.equal((await s().users.get(u.id))!.passwordHash, 'scrypt$old');
      assert.equal(await s().users.replacePasswordHash(u.id, 'scrypt$old', 'scrypt$new'), true);
      assert.equal((await s().users.get(u.id))!.passwordHash, 'scrypt$new');
      assert.equal(await s().users.replacePasswordHash(newId(), 'scrypt$new', 'scrypt$x'), false);
    });
    it('is atomic: a token that cannot be stored leaves no user behind', async () => {
      const u = user();
      // The hash is checked as its INSERT runs, after the user's: the rollback is what removes the user.
      await rejectsWith(s().users.create(u, { ...tokenOf(u.id, 'h', 'user', 1), hash: 'h'.repeat(257) }), InvalidInputError, { field: 'hash' });
      assert.equal(await s().users.get(u.id), null);
      assert.equal(await s().users.findByLogin(u.username), null);
      assert.deepEqual(await s().tokens.listForUser(u.id), []);
      // The username is free again.
      await s().users.create(user({ username: u.username }));
    });
  });

  describe('tokens', () => {
    it('creates, lists, deletes one and deletes by kind', async () => {
      const u = await s().users.create(user());
      await s().tokens.create(tokenOf(u.id, 'a', 'user', 1));
      await s().tokens.create(tokenOf(u.id, 'b', 'user', 2));
      await s().tokens.create(tokenOf(u.id, 'c', 'bot', 3));
      assert.deepEqual((await s().tokens.listForUser(u.id)).map((t) => t.hash[0]), ['a', 'b', 'c']);
      await s().tokens.delete(u.id, 'a'.repeat(64));
      await s().tokens.delete(u.id, 'a'.repeat(64)); // already gone: no error
      assert.equal(await s().tokens.deleteForUser(u.id, 'bot'), 1);
      assert.deepEqual(await s().tokens.listForUser(u.id), [tokenOf(u.id, 'b', 'user', 2)]);
      assert.equal(await s().tokens.deleteForUser(u.id), 1);
      assert.deepEqual(await s().tokens.listForUser(u.id), []);
    });
    it('listWithUser: the user with listForUser\'s tokens, in one read; null for an unknown user', async () => {
      const u = await s().users.create(user({ bot: true }));
      assert.deepEqual(await s().tokens.listWithUser(u.id), { user: u, tokens: [] });
      const t = (c: string, kind: 'user' | 'bot', createdAt: number) => tokenOf(u.id, c, kind, createdAt);
      // Stored out of order, one with every optional field set: read back as listForUser reads them.
      await s().tokens.create(t('c', 'bot', 3));
      await s().tokens.create({ ...t('a', 'user', 1), lastUsedAt: 9, clientOs: 'Linux', clientPlatform: 'web' });
      await s().tokens.create(t('b', 'bot', 1));
      const listed = await s().tokens.listForUser(u.id);
      assert.equal(listed.length, 3);
      assert.deepEqual(await s().tokens.listWithUser(u.id), { user: await s().users.get(u.id), tokens: listed });
      const other = await s().users.create(user());
      assert.deepEqual(await s().tokens.listWithUser(other.id), { user: other, tokens: [] });
      assert.equal(await s().tokens.listWithUser(newId()), null);
    });
    it('rejects a duplicate hash and an unknown user', async () => {
      const u = await s().users.create(user());
      await s().tokens.create(tokenOf(u.id, 'd', 'user', 1));
      await rejectsWith(s().tokens.create(tokenOf(u.id, 'd', 'user', 1)), ConflictError, { entity: 'token', field: 'hash' });
      await rejectsWith(s().tokens.create(tokenOf(newId(), 'e', 'user', 1)), NotFoundError, { entity: 'user' });
    });
    it('replaceForUser swaps every token of the kind for the new one, leaving other kinds, and returns those removed', async () => {
      const u = await s().users.create(user());
      const t = (c: string, kind: 'user' | 'bot', createdAt: number) => tokenOf(u.id, c, kind, createdAt);
      await s().tokens.create(t('a', 'user', 1));
      await s().tokens.create(t('b', 'bot', 2));
      await s().tokens.create(t('c', 'bot', 3));
      // In no particular order.
      const removed = await s().tokens.replaceForUser(u.id, 'bot', t('d', 'bot', 4));
      assert.deepEqual(removed.sort((x, y) => (x.hash < y.hash ? -1 : 1)), [t('b', 'bot', 2), t('c', 'bot', 3)]);
      assert.deepEqual(await s().tokens.listForUser(u.id), [t('a', 'user', 1), t('d', 'bot', 4)]);
      assert.deepEqual(await s().tokens.replaceForUser(u.id, 'bot', t('e', 'bot', 5)), [t('d', 'bot', 4)]);
      assert.deepEqual(await s().tokens.listForUser(u.id), [t('a', 'user', 1), t('e', 'bot', 5)]);
      await rejectsWith(s().tokens.replaceForUser(u.id, 'bot', t('f', 'user', 6)), InvalidInputError, { field: 'token' });
      await rejectsWith(s().tokens.replaceForUser(u.id, 'user', { ...t('f', 'user', 6), userId: newId() }), InvalidInputError, { field: 'token' });
      const nobody = newId();
      await rejectsWith(s().tokens.replaceForUser(nobody, 'bot', tokenOf(nobody, 'f', 'bot', 1)), NotFoundError, { entity: 'user' });
    });
    it('replaceForUser is atomic: a new token that cannot be stored leaves the old ones valid', async () => {
      const u = await s().users.create(user());
      const old = [tokenOf(u.id, 'a', 'user', 1), tokenOf(u.id, 'b', 'bot', 2)];
      for (const t of old) await s().tokens.create(t);
      // The DELETE of the bot tokens has run when the INSERT hits the user token's key: a database-side failure.
      await rejectsWith(s().tokens.replaceForUser(u.id, 'bot', tokenOf(u.id, 'a', 'bot', 3)), ConflictError, { entity: 'token' });
      assert.deepEqual(await s().tokens.listForUser(u.id), old);
      await rejectsWith(s().tokens.replaceForUser(u.id, 'bot', { ...tokenOf(u.id, 'x', 'bot', 3), hash: 'x'.repeat(257) }), InvalidInputError, { field: 'hash' });
      assert.deepEqual(await s().tokens.listForUser(u.id), old);
    });
    it('stores when a token was last used and which client it was issued to', async () => {
      const u = await s().users.create(user());
      const token = { ...tokenOf(u.id, 'a', 'user', 10), lastUsedAt: 20, clientOs: 'Linux', clientPlatform: 'Firefox' };
      await s().tokens.create(token);
      assert.deepEqual(await s().tokens.listForUser(u.id), [token]);
      await rejectsWith(s().tokens.create({ ...tokenOf(u.id, 'b', 'user', 1), clientOs: 'o'.repeat(257) }), InvalidInputError, { field: 'client_os' });
    });
    it('touch moves lastUsedAt forward only, and ignores a token that is gone', async () => {
      const u = await s().users.create(user());
      await s().tokens.create(tokenOf(u.id, 'a', 'user', 10));
      await s().tokens.touch(u.id, 'a'.repeat(64), 500);
      assert.equal((await s().tokens.listForUser(u.id))[0]!.lastUsedAt, 500);
      await s().tokens.touch(u.id, 'a'.repeat(64), 400);
      assert.equal((await s().tokens.listForUser(u.id))[0]!.lastUsedAt, 500);
      await s().tokens.touch(u.id, 'z'.repeat(64), 600);
      await s().tokens.touch(newId(), 'a'.repeat(64), 600);
      assert.deepEqual((await s().tokens.listForUser(u.id)).map((t) => t.lastUsedAt), [500]);
    });
    it('createCapped keeps at most N tokens of the kind, removing the least recently used, and returns them', async () => {
      const u = await s().users.create(user());
      const t = (c: string, kind: 'user' | 'bot', lastUsedAt: number) => ({ ...tokenOf(u.id, c, kind, 1), lastUsedAt });
      await s().tokens.create(t('a', 'user', 300));
      await s().tokens.create(t('b', 'user', 100));
      await s().tokens.create(t('c', 'user', 200));
      await s().tokens.create(t('z', 'bot', 1)); // another kind: never counted nor removed
      assert.deepEqual(await s().tokens.createCapped(t('d', 'user', 400), 4), []);
      assert.deepEqual(await s().tokens.createCapped(t('e', 'user', 500), 3), [t('b', 'user', 100), t('c', 'user', 200)]);
      assert.deepEqual((await s().tokens.listForUser(u.id)).map((x) => x.hash[0]).sort(), ['a', 'd', 'e', 'z']);
      // A cap of one leaves only the new token; the new token is never the one removed, even when least recent.
      assert.deepEqual((await s().tokens.createCapped(t('f', 'user', 0), 1)).map((x) => x.hash[0]).sort(), ['a', 'd', 'e']);
      assert.deepEqual((await s().tokens.listForUser(u.id)).map((x) => x.hash[0]).sort(), ['f', 'z']);
      await rejectsWith(s().tokens.createCapped(tokenOf(newId(), 'g', 'user', 1), 5), NotFoundError, { entity: 'user' });
      await rejectsWith(s().tokens.createCapped(t('f', 'user', 1), 5), ConflictError, { entity: 'token' });
      assert.deepEqual((await s().tokens.listForUser(u.id)).map((x) => x.hash[0]).sort(), ['f', 'z']);
    });
    it('createCapped serialises concurrent log-ins of one user: never more than the cap', async () => {
      const u = await s().users.create(user());
      const made = Array.from({ length: 8 }, (_, i) => ({ ...tokenOf(u.id, String.fromCharCode(97 + i), 'user', 1), lastUsedAt: i }));
      const removed = await Promise.all(made.map((t) => s().tokens.createCapped(t, 3)));
      assert.equal((await s().tokens.listForUser(u.id)).length, 3);
      assert.equal(removed.flat().length, 5);
    });
    it('replaceForUser with a password hash changes the password and the tokens together, or neither', async () => {
      const u = await s().users.create(user());
      await s().tokens.create(tokenOf(u.id, 'a', 'user', 1));
      await s().tokens.create(tokenOf(u.id, 'b', 'user', 2));
      assert.equal((await s().tokens.replaceForUser(u.id, 'user', tokenOf(u.id, 'c', 'user', 3), { passwordHash: 'scrypt$new' })).length, 2);
      assert.equal((await s().users.get(u.id))!.passwordHash, 'scrypt$new');
      assert.deepEqual(await s().tokens.listForUser(u.id), [tokenOf(u.id, 'c', 'user', 3)]);
      // The new token collides with a stored one (of the other kind, which stays): the password stays as it was.
      await s().tokens.create(tokenOf(u.id, 'k', 'bot', 4));
      await rejectsWith(s().tokens.replaceForUser(u.id, 'user', tokenOf(u.id, 'k', 'user', 5), { passwordHash: 'scrypt$newer' }), ConflictError, { entity: 'token' });
      assert.equal((await s().users.get(u.id))!.passwordHash, 'scrypt$new');
      assert.deepEqual(await s().tokens.listForUser(u.id), [tokenOf(u.id, 'c', 'user', 3), tokenOf(u.id, 'k', 'bot', 4)]);
    });
  });

  describe('applications', () => {
    const app = (ownerId: string, bot: { id: string }) => ({
      id: bot.id, name: 'My bot', description: 'does things', icon: null, ownerId, botUserId: bot.id, botPublic: true,
      botRequireCodeGrant: false, flags: 0, createdAt: 5,
    });
    it('creates the application with its bot user, and reads it every way', async () => {
      const owner = await s().users.create(user());
      const bot = user({ bot: true, passwordHash: null });
      const a = app(owner.id, bot);
      assert.deepEqual(await s().applications.create(a, bot), a);
      assert.deepEqual(await s().users.get(bot.id), bot);
      assert.deepEqual(await s().applications.get(a.id), a);
      assert.deepEqual(await s().applications.getByBotUser(bot.id), a);
      assert.deepEqual(await s().applications.listByOwner(owner.id), [a]);
      assert.equal(await s().applications.get(newId()), null);
      assert.equal(await s().applications.getByBotUser(newId()), null);
    });
    it('is atomic: a bot user that cannot be created leaves no application', async () => {
      const owner = await s().users.create(user());
      const taken = await s().users.create(user());
      const bot = user({ bot: true, username: taken.username });
      await rejectsWith(s().applications.create(app(owner.id, bot), bot), ConflictError, { field: 'username' });
      assert.equal(await s().applications.get(bot.id), null);
      assert.equal(await s().users.get(bot.id), null);
    });
    it('updates, and rejects an unknown id', async () => {
      const owner = await s().users.create(user());
      const bot = user({ bot: true });
      await s().applications.create(app(owner.id, bot), bot);
      const updated = await s().applications.update(bot.id, { name: 'Renamed', botPublic: false, flags: 1 << 15 });
      assert.equal(updated.name, 'Renamed');
      assert.equal(updated.botPublic, false);
      assert.equal(updated.flags, 1 << 15);
      await rejectsWith(s().applications.update(newId(), { name: 'x y' }), NotFoundError, { entity: 'application' });
    });
  });
}

// -------------------------------------------------------------------------------------------------- guilds

function guildsContract(s: () => Store): void {
  describe('guilds', () => {
    it('creates guild, roles, channels and owner membership together', async () => {
      const owner = await s().users.create(user());
      const b = bundle(owner.id, { channels: 3 });
      b.roles.push(role(b.guild.id, { name: 'mods', position: 1 }));
      b.owner.roles = [b.roles[1].id];
      assert.deepEqual(await s().guilds.create(b), b.guild);
      assert.deepEqual(await s().guilds.get(b.guild.id), b.guild);
      assert.deepEqual(await s().roles.listByGuild(b.guild.id), b.roles);
      assert.deepEqual(await s().channels.listByGuild(b.guild.id), b.channels);
      assert.deepEqual(await s().members.get(b.guild.id, owner.id), b.owner);
      assert.deepEqual(await s().guilds.listIdsForUser(owner.id), [b.guild.id]);
    });
    it('is atomic: a bundle with a bad channel leaves nothing behind', async () => {
      const owner = await s().users.create(user());
      const b = bundle(owner.id, { channels: 2 });
      b.channels[1].name = 'n'.repeat(101);
      await rejectsWith(s().guilds.create(b), InvalidInputError, { field: 'name' });
      assert.equal(await s().guilds.get(b.guild.id), null);
      assert.deepEqual(await s().roles.listByGuild(b.guild.id), []);
      assert.equal(await s().channels.get(b.channels[0].id), null);
      assert.equal(await s().members.get(b.guild.id, owner.id), null);
      // A conflict half-way (a channel id that exists) rolls back the same way.
      const existing = await guildWithChannel(s());
      const c = bundle(owner.id, { channels: 2 });
      c.channels[1].id = existing.channel.id;
      await rejectsWith(s().guilds.create(c), ConflictError, { entity: 'channel', field: 'id' });
      assert.equal(await s().guilds.get(c.guild.id), null);
      assert.equal(await s().channels.get(c.channels[0].id), null);
    });
    it('rejects bad names', async () => {
      const owner = await s().users.create(user());
      await rejectsWith(s().guilds.create(bundle(owner.id, { name: 'x' })), InvalidInputError, { field: 'name' });
      await rejectsWith(s().guilds.create(bundle(owner.id, { name: 'x'.repeat(101) })), InvalidInputError, { field: 'name' });
    });
    it('getMany, update and unknown ids', async () => {
      const a = await guildWithChannel(s());
      const b = await guildWithChannel(s());
      assert.deepEqual(ids(await s().guilds.getMany([b.guild.id, newId(), a.guild.id])), [b.guild.id, a.guild.id]);
      const updated = await s().guilds.update(a.guild.id, { name: 'Renamed', features: ['COMMUNITY'], description: 'd', afkTimeout: 60 });
      assert.equal(updated.name, 'Renamed');
      assert.deepEqual(updated.features, ['COMMUNITY']);
      assert.deepEqual(await s().guilds.get(a.guild.id), updated);
      await rejectsWith(s().guilds.update(newId(), { name: 'xyz' }), NotFoundError, { entity: 'guild' });
      await rejectsWith(s().guilds.update(a.guild.id, { name: 'y'.repeat(101) }), InvalidInputError, { field: 'name' });
      await rejectsWith(s().guilds.delete(newId()), NotFoundError, { entity: 'guild' });
      assert.equal(await s().guilds.get(newId()), null);
    });
    it('update changes features against the list the row holds, so concurrent edits of different features all land', async () => {
      const { guild } = await guildWithChannel(s());
      await s().guilds.update(guild.id, { features: ['COMMUNITY', 'NEWS'] });
      const changed = await s().guilds.update(guild.id, { description: 'both' }, { features: { add: ['DISCOVERABLE', 'COMMUNITY'], remove: ['NEWS', 'ABSENT'] } });
      assert.deepEqual(changed.features, ['COMMUNITY', 'DISCOVERABLE']);
      assert.equal(changed.description, 'both');
      // A feature both added and removed is removed.
      assert.deepEqual((await s().guilds.update(guild.id, {}, { features: { add: ['NEWS'], remove: ['NEWS'] } })).features, ['COMMUNITY', 'DISCOVERABLE']);
      // Each edit read the same list; a whole-list write would keep only the last one's feature.
      const added = Array.from({ length: 8 }, (_, i) => `FEATURE_${i}`);
      await Promise.all(added.map((f, i) => s().guilds.update(guild.id, { afkTimeout: 60 * (i + 1) }, { features: { add: [f], remove: ['COMMUNITY'] } })));
      assert.deepEqual([...(await s().guilds.get(guild.id))!.features].sort(), ['DISCOVERABLE', ...added].sort());
      await rejectsWith(s().guilds.update(guild.id, { features: ['NEWS'] }, { features: { add: ['NEWS'] } }), InvalidInputError, { field: 'features' });
      await rejectsWith(s().guilds.update(newId(), {}, { features: { add: ['NEWS'] } }), NotFoundError, { entity: 'guild' });
    });
    it('delete cascades to everything in the guild', async () => {
      const { owner, guild, channel: ch } = await guildWithChannel(s());
      const other = await s().users.create(user());
      const r = await s().roles.create(role(guild.id));
      await s().members.add(member(guild.id, other.id, { roles: [r.id] }));
      const m = await s().messages.create(message(ch.id, owner.id, { guildId: guild.id }));
      await s().reactions.add(ch.id, m.id, { id: null, name: '👍' }, other.id);
      await s().pins.pin(ch.id, m.id, 10);
      await s().overwrites.put({ channelId: ch.id, id: r.id, type: 0, allow: '1024', deny: '0' });
      const code = uniq('inv');
      await s().invites.create({ code, guildId: guild.id, channelId: ch.id, inviterId: owner.id, uses: 0, maxUses: 0, maxAge: 0, temporary: false, createdAt: 1, expiresAt: null });
      await s().bans.create({ guildId: guild.id, userId: newId(), reason: null, createdAt: 1 });
      await s().readStates.ack({ userId: other.id, channelId: ch.id, lastMessageId: m.id, mentionCount: 0, lastPinTimestamp: null });

      await s().guilds.delete(guild.id);
      assert.equal(await s().guilds.get(guild.id), null);
      assert.equal(await s().channels.get(ch.id), null);
      assert.equal(await s().messages.get(ch.id, m.id), null);
      assert.deepEqual(await s().roles.listByGuild(guild.id), []);
      assert.equal(await s().members.count(guild.id), 0);
      assert.deepEqual(await s().bans.list(guild.id), []);
      assert.equal(await s().invites.get(code), null);
      assert.deepEqual(await s().overwrites.listByChannel(ch.id), []);
      assert.equal(await s().pins.count(ch.id), 0);
      assert.equal(await s().reactions.countEmojis(ch.id, m.id), 0);
      assert.deepEqual(await s().readStates.listForUser(other.id), []);
      assert.deepEqual(await s().guilds.listIdsForUser(owner.id), []);
    });
    it('lists a user\'s guild ids ascending', async () => {
      const u = await s().users.create(user());
      const made = [];
      for (let i = 0; i < 3; i++) made.push((await guildWithChannel(s())).guild.id);
      for (const g of [...made].reverse()) await s().members.add(member(g, u.id));
      assert.deepEqual(await s().guilds.listIdsForUser(u.id), [...made].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)));
    });
  });

  describe('roles', () => {
    it('countByRole: holders per role, roles nobody holds left out', async () => {
      const { guild } = await guildWithChannel(s());
      const [a, b] = [await s().roles.create(role(guild.id)), await s().roles.create(role(guild.id))];
      await s().roles.create(role(guild.id));
      for (const roles of [[a.id, b.id], [a.id], []]) await s().members.add(member(guild.id, (await s().users.create(user())).id, { roles }));
      assert.deepEqual([...(await s().members.countByRole(guild.id))].sort(), [[a.id, 2], [b.id, 1]].sort());
      assert.equal((await s().members.countByRole(newId())).size, 0);
    });
    it('gradient colors: kept when set, absent when unset or cleared', async () => {
      const { guild } = await guildWithChannel(s());
      const plain = await s().roles.create(role(guild.id, { color: 0x112233 }));
      assert.equal('secondaryColor' in plain, false);
      assert.equal('tertiaryColor' in plain, false);
      const made = await s().roles.create(role(guild.id, { color: 11127295, secondaryColor: 16759788, tertiaryColor: 16761760 }));
      assert.equal(made.secondaryColor, 16759788);
      assert.equal(made.tertiaryColor, 16761760);
      assert.deepEqual(await s().roles.get(guild.id, made.id), made);
      const gradient = await s().roles.update(guild.id, plain.id, { secondaryColor: 0x445566 });
      assert.equal(gradient.secondaryColor, 0x445566);
      const cleared = await s().roles.update(guild.id, made.id, { secondaryColor: null, tertiaryColor: null });
      assert.equal('secondaryColor' in cleared, false);
      assert.equal('tertiaryColor' in cleared, false);
    });
    it('creates, reads, lists by (position, id) and rejects duplicates', async () => {
      const { guild } = await guildWithChannel(s());
      const r2 = await s().roles.create(role(guild.id, { position: 2, name: 'b', permissions: '9007199254740993000', color: 0xff00ff }));
      const r1 = await s().roles.create(role(guild.id, { position: 1, name: 'a', mentionable: true, hoist: true }));
      const r1b = await s().roles.create(role(guild.id, { position: 1, name: 'c' }));
      assert.equal((await s().roles.get(guild.id, r2.id))?.permissions, '9007199254740993000');
      assert.deepEqual((await s().roles.listByGuild(guild.id)).map((r) => r.name), ['@everyone', 'a', 'c', 'b']);
      assert.deepEqual(await s().roles.get(guild.id, r1.id), r1);
      assert.equal(await s().roles.get(guild.id, newId()), null);
      await rejectsWith(s().roles.create(role(guild.id, { id: r1b.id })), ConflictError, { entity: 'role', field: 'id' });
      await rejectsWith(s().roles.create(role(newId())), NotFoundError, { entity: 'guild' });
      await rejectsWith(s().roles.create(role(guild.id, { name: 'r'.repeat(101) })), InvalidInputError, { field: 'name' });
      await rejectsWith(s().roles.create(role(guild.id, { permissions: '-1' })), InvalidInputError, { field: 'permissions' });
    });
    it('updates and sets positions atomically', async () => {
      const { guild } = await guildWithChannel(s());
      const a = await s().roles.create(role(guild.id, { position: 1 }));
      const b = await s().roles.create(role(guild.id, { position: 2 }));
      assert.equal((await s().roles.update(guild.id, a.id, { name: 'renamed', color: 5 })).name, 'renamed');
      await rejectsWith(s().roles.update(guild.id, newId(), { name: 'x' }), NotFoundError, { entity: 'role' });
      await s().roles.setPositions(guild.id, [{ id: a.id, position: 2 }, { id: b.id, position: 1 }]);
      assert.deepEqual((await s().roles.listByGuild(guild.id)).map((r) => r.id), [guild.id, b.id, a.id]);
      await rejectsWith(s().roles.setPositions(guild.id, [{ id: a.id, position: 7 }, { id: newId(), position: 1 }]), NotFoundError, { entity: 'role' });
      assert.equal((await s().roles.get(guild.id, a.id))?.position, 2);
    });
    it('delete removes the role from members and its overwrites', async () => {
      const { guild, channel: ch } = await guildWithChannel(s());
      const u = await s().users.create(user());
      const keep = await s().roles.create(role(guild.id));
      const gone = await s().roles.create(role(guild.id));
      await s().members.add(member(guild.id, u.id, { roles: [keep.id, gone.id] }));
      await s().overwrites.put({ channelId: ch.id, id: gone.id, type: 0, allow: '0', deny: '1024' });
      await s().overwrites.put({ channelId: ch.id, id: keep.id, type: 0, allow: '0', deny: '2048' });
      await s().roles.delete(guild.id, gone.id);
      assert.equal(await s().roles.get(guild.id, gone.id), null);
      assert.deepEqual((await s().members.get(guild.id, u.id))?.roles, [keep.id]);
      assert.deepEqual((await s().overwrites.listByChannel(ch.id)).map((o) => o.id), [keep.id]);
      await rejectsWith(s().roles.delete(guild.id, gone.id), NotFoundError, { entity: 'role' });
    });
  });

  describe('members', () => {
    it('adds, reads, rejects duplicates and unknown guilds or roles', async () => {
      const { guild } = await guildWithChannel(s());
      const u = await s().users.create(user());
      const r = await s().roles.create(role(guild.id));
      const m = member(guild.id, u.id, { nick: 'nick', roles: [r.id, guild.id], communicationDisabledUntil: 1_800_000_000_000, pending: true });
      const added = await s().members.add(m);
      assert.deepEqual(added, { ...m, roles: [r.id] }); // @everyone is implicit
      assert.deepEqual(await s().members.get(guild.id, u.id), added);
      assert.equal(await s().members.get(guild.id, newId()), null);
      await rejectsWith(s().members.add(member(guild.id, u.id)), ConflictError, { entity: 'member', field: 'user_id' });
      await rejectsWith(s().members.add(member(newId(), u.id)), NotFoundError, { entity: 'guild' });
      const v = await s().users.create(user());
      await rejectsWith(s().members.add(member(guild.id, v.id, { roles: [newId()] })), NotFoundError, { entity: 'role' });
      assert.equal(await s().members.get(guild.id, v.id), null);
      await rejectsWith(s().members.add(member(guild.id, v.id, { nick: 'n'.repeat(33) })), InvalidInputError, { field: 'nick' });
    });
    it('get reads the member\'s roles ascending, as getMany does; none as []', async () => {
      const { guild } = await guildWithChannel(s());
      const u = await s().users.create(user());
      const held = [await s().roles.create(role(guild.id)), await s().roles.create(role(guild.id)), await s().roles.create(role(guild.id))];
      const asc = held.map((r) => r.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      await s().members.add(member(guild.id, u.id, { roles: [...asc].reverse() }));
      const got = await s().members.get(guild.id, u.id);
      assert.deepEqual(got?.roles, asc);
      assert.deepEqual([got], await s().members.getMany(guild.id, [u.id]));
      const v = await s().users.create(user());
      await s().members.add(member(guild.id, v.id));
      assert.deepEqual((await s().members.get(guild.id, v.id))?.roles, []);
      await s().members.removeRole(guild.id, u.id, asc[1]!);
      assert.deepEqual((await s().members.get(guild.id, u.id))?.roles, [asc[0], asc[2]]);
    });
    it('lists ascending by user id after a cursor, with limits', async () => {
      const { guild, owner } = await guildWithChannel(s());
      const users = [];
      for (let i = 0; i < 5; i++) users.push((await s().users.create(user())).id);
      for (const u of users) await s().members.add(member(guild.id, u));
      const all = [owner.id, ...users].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      assert.deepEqual((await s().members.list(guild.id)).map((m) => m.userId), all);
      assert.deepEqual((await s().members.list(guild.id, { limit: 2 })).map((m) => m.userId), all.slice(0, 2));
      assert.deepEqual((await s().members.list(guild.id, { after: all[2], limit: 2 })).map((m) => m.userId), all.slice(3, 5));
      assert.equal(await s().members.count(guild.id), 6);
      await rejectsWith(s().members.list(guild.id, { limit: 0 }), InvalidInputError, { field: 'limit' });
      await rejectsWith(s().members.list(guild.id, { limit: 1001 }), InvalidInputError, { field: 'limit' });
      assert.deepEqual(
        (await s().members.getMany(guild.id, [all[4], newId(), all[1]])).map((m) => m.userId),
        [all[4], all[1]],
      );
    });
    it('holdersOf: members holding any of the roles, each once, ascending; none for no role or an unknown one', async () => {
      const { guild } = await guildWithChannel(s());
      const [r1, r2, r3] = [await s().roles.create(role(guild.id)), await s().roles.create(role(guild.id)), await s().roles.create(role(guild.id))];
      const us: string[] = [];
      for (let i = 0; i < 4; i++) us.push((await s().users.create(user())).id);
      await s().members.add(member(guild.id, us[0]!, { roles: [r1.id, r2.id] }));
      await s().members.add(member(guild.id, us[1]!, { roles: [r2.id] }));
      await s().members.add(member(guild.id, us[2]!, { roles: [r3.id] }));
      await s().members.add(member(guild.id, us[3]!));
      const asc = (xs: string[]) => [...xs].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      assert.deepEqual(await s().members.holdersOf(guild.id, [r1.id, r2.id]), asc([us[0]!, us[1]!]));
      assert.deepEqual(await s().members.holdersOf(guild.id, [r3.id]), [us[2]]);
      assert.deepEqual(await s().members.holdersOf(guild.id, []), []);
      assert.deepEqual(await s().members.holdersOf(guild.id, [newId()]), []);
      await s().members.removeRole(guild.id, us[1]!, r2.id);
      assert.deepEqual(await s().members.holdersOf(guild.id, [r2.id]), [us[0]]);
    });
    it('searches username, global name and nick prefixes case-insensitively', async () => {
      const { guild } = await guildWithChannel(s());
      const tag = uniq('zq');
      const a = await s().users.create(user({ username: `${tag}alpha` }));
      const b = await s().users.create(user({ globalName: `${tag.toUpperCase()}Beta` }));
      const c = await s().users.create(user());
      const d = await s().users.create(user());
      await s().members.add(member(guild.id, a.id));
      await s().members.add(member(guild.id, b.id));
      await s().members.add(member(guild.id, c.id, { nick: `${tag}Gamma` }));
      await s().members.add(member(guild.id, d.id, { nick: `x${tag}` }));
      const found = await s().members.search(guild.id, tag.toUpperCase(), 10);
      assert.deepEqual(found.map((m) => m.userId).sort(), [a.id, b.id, c.id].sort());
      assert.equal((await s().members.search(guild.id, tag, 1)).length, 1);
      assert.deepEqual(await s().members.search(guild.id, `${tag}%`, 10), []);
    });
    it('updates fields and replaces roles; adds and removes single roles idempotently', async () => {
      const { guild } = await guildWithChannel(s());
      const u = await s().users.create(user());
      const r1 = await s().roles.create(role(guild.id));
      const r2 = await s().roles.create(role(guild.id));
      await s().members.add(member(guild.id, u.id, { roles: [r1.id] }));
      const updated = await s().members.update(guild.id, u.id, { nick: 'new', roles: [r2.id], mute: true });
      assert.equal(updated.nick, 'new');
      assert.equal(updated.mute, true);
      assert.deepEqual(updated.roles, [r2.id]);
      await rejectsWith(s().members.update(guild.id, u.id, { roles: [newId()] }), NotFoundError, { entity: 'role' });
      assert.deepEqual((await s().members.get(guild.id, u.id))?.roles, [r2.id]);
      assert.deepEqual((await s().members.addRole(guild.id, u.id, r1.id)).roles.sort(), [r1.id, r2.id].sort());
      assert.deepEqual((await s().members.addRole(guild.id, u.id, r1.id)).roles.sort(), [r1.id, r2.id].sort());
      assert.deepEqual((await s().members.removeRole(guild.id, u.id, r2.id)).roles, [r1.id]);
      assert.deepEqual((await s().members.removeRole(guild.id, u.id, r2.id)).roles, [r1.id]);
      await rejectsWith(s().members.addRole(guild.id, newId(), r1.id), NotFoundError, { entity: 'member' });
      await rejectsWith(s().members.removeRole(guild.id, newId(), r1.id), NotFoundError, { entity: 'member' });
      await rejectsWith(s().members.update(guild.id, newId(), { nick: 'x' }), NotFoundError, { entity: 'member' });
      await rejectsWith(s().members.addRole(guild.id, u.id, newId()), NotFoundError, { entity: 'role' });
    });
    it("nicknamesOf lists a user's guilds with the nickname in each, ascending by guild id", async () => {
      const u = await s().users.create(user());
      assert.deepEqual(await s().members.nicknamesOf(u.id), []);
      const a = (await guildWithChannel(s())).guild;
      const b = (await guildWithChannel(s())).guild;
      await s().members.add(member(a.id, u.id, { nick: 'Ace' }));
      await s().members.add(member(b.id, u.id));
      const expected = [{ guildId: a.id, nick: 'Ace' }, { guildId: b.id, nick: null }].sort((x, y) => (BigInt(x.guildId) < BigInt(y.guildId) ? -1 : 1));
      assert.deepEqual(await s().members.nicknamesOf(u.id), expected);
    });
    it('grant adds roles and ORs flags without replacing what is there; deleted roles are skipped', async () => {
      const { guild } = await guildWithChannel(s());
      const u = await s().users.create(user());
      const [r1, r2, r3] = [await s().roles.create(role(guild.id)), await s().roles.create(role(guild.id)), await s().roles.create(role(guild.id))];
      await s().members.add(member(guild.id, u.id, { roles: [r1.id], flags: 1 }));
      const granted = await s().members.grant(guild.id, u.id, { roleIds: [r2.id, r1.id, guild.id, newId()], flags: 2 });
      assert.deepEqual(granted.roles.sort(), [r1.id, r2.id].sort());
      assert.equal(granted.flags, 3);
      // Concurrent with a role change elsewhere: both land.
      await Promise.all([s().members.grant(guild.id, u.id, { roleIds: [r3.id], flags: 2 }), s().members.removeRole(guild.id, u.id, r1.id)]);
      const after = await s().members.get(guild.id, u.id);
      assert.deepEqual(after?.roles.sort(), [r2.id, r3.id].sort());
      assert.equal(after?.flags, 3);
      await rejectsWith(s().members.grant(guild.id, newId(), { roleIds: [r1.id], flags: 0 }), NotFoundError, { entity: 'member' });
    });
    it('a per-server banner and About Me: kept when set, absent when unset or cleared, bounded', async () => {
      const { guild } = await guildWithChannel(s());
      const u = await s().users.create(user());
      const plain = await s().members.add(member(guild.id, u.id));
      assert.equal('banner' in plain, false);
      assert.equal('bio' in plain, false);
      const set = await s().members.update(guild.id, u.id, { banner: 'a_0123456789abcdef0123456789abcdef', bio: 'Here for the **music**' });
      assert.equal(set.banner, 'a_0123456789abcdef0123456789abcdef');
      assert.equal(set.bio, 'Here for the **music**');
      assert.deepEqual(await s().members.get(guild.id, u.id), set);
      assert.deepEqual((await s().members.getMany(guild.id, [u.id]))[0], set);
      await rejectsWith(s().members.update(guild.id, u.id, { bio: 'x'.repeat(191) }), InvalidInputError, { field: 'bio' });
      assert.equal((await s().members.get(guild.id, u.id))?.bio, 'Here for the **music**');
      const cleared = await s().members.update(guild.id, u.id, { banner: null, bio: '' });
      assert.equal('banner' in cleared, false);
      assert.equal('bio' in cleared, false);
      const v = await s().users.create(user());
      const added = await s().members.add(member(guild.id, v.id, { banner: '0123456789abcdef0123456789abcdef', bio: 'hi' }));
      assert.equal(added.banner, '0123456789abcdef0123456789abcdef');
      assert.equal(added.bio, 'hi');
    });
    it('temporary memberships: listed in (user, guild) order with whether they hold a role; removed only while temporary and roleless', async () => {
      const a = await guildWithChannel(s());
      const b = await guildWithChannel(s());
      const [u, v] = [await s().users.create(user()), await s().users.create(user())];
      const r = await s().roles.create(role(a.guild.id));
      const plain = await s().members.add(member(a.guild.id, v.id));
      assert.equal('temporary' in plain, false);
      const ta = await s().members.add(member(a.guild.id, u.id, { temporary: true, joinedAt: 1_700_000_000_000 }));
      assert.equal(ta.temporary, true);
      await s().members.add(member(b.guild.id, u.id, { temporary: true }));
      await s().members.add(member(b.guild.id, v.id, { temporary: true }));
      const mine = (list: Awaited<ReturnType<ReturnType<typeof s>['members']['listTemporary']>>) => list.filter((t) => [u.id, v.id].includes(t.userId));
      const all = mine(await s().members.listTemporary(null, 1000));
      const expected = [[u.id, a.guild.id], [u.id, b.guild.id], [v.id, b.guild.id]].sort((x, y) => (BigInt(x[0]!) === BigInt(y[0]!) ? (BigInt(x[1]!) < BigInt(y[1]!) ? -1 : 1) : BigInt(x[0]!) < BigInt(y[0]!) ? -1 : 1));
      assert.deepEqual(all.map((t) => [t.userId, t.guildId]), expected);
      assert.equal(all.find((t) => t.userId === u.id && t.guildId === a.guild.id)?.joinedAt, 1_700_000_000_000);
      assert.ok(all.every((t) => t.hasRoles === false));
      // Paged: after the first, the rest.
      const first = all[0]!;
      assert.deepEqual(mine(await s().members.listTemporary({ userId: first.userId, guildId: first.guildId }, 1000)).map((t) => [t.userId, t.guildId]), expected.slice(1));
      // A role makes it permanent for removeTemporary; a plain member is never removed by it.
      await s().members.addRole(a.guild.id, u.id, r.id);
      assert.equal(mine(await s().members.listTemporary(null, 1000)).find((t) => t.guildId === a.guild.id)?.hasRoles, true);
      assert.equal(await s().members.removeTemporary(a.guild.id, u.id), false);
      assert.ok(await s().members.get(a.guild.id, u.id));
      assert.equal(await s().members.removeTemporary(a.guild.id, v.id), false);
      assert.ok(await s().members.get(a.guild.id, v.id));
      // Removed once, then gone.
      assert.equal(await s().members.removeTemporary(b.guild.id, u.id), true);
      assert.equal(await s().members.get(b.guild.id, u.id), null);
      assert.equal(await s().members.removeTemporary(b.guild.id, u.id), false);
      // update clears the flag.
      const cleared = await s().members.update(b.guild.id, v.id, { temporary: false });
      assert.equal('temporary' in cleared, false);
      assert.equal(await s().members.removeTemporary(b.guild.id, v.id), false);
      assert.deepEqual(mine(await s().members.listTemporary(null, 1000)).map((t) => [t.userId, t.guildId]), [[u.id, a.guild.id]]);
    });
    it('listBots lists the bot members only, with their roles', async () => {
      const { guild } = await guildWithChannel(s());
      const person = await s().users.create(user());
      const botA = await s().users.create(user({ bot: true, passwordHash: null }));
      const botB = await s().users.create(user({ bot: true, passwordHash: null }));
      const elsewhere = await s().users.create(user({ bot: true, passwordHash: null }));
      const r = role(guild.id, { name: 'bot', managed: true, botId: botA.id });
      await s().members.add(member(guild.id, person.id));
      await s().members.addWithRole(member(guild.id, botA.id), r);
      await s().members.add(member(guild.id, botB.id));
      await s().members.add(member((await guildWithChannel(s())).guild.id, elsewhere.id));
      const bots = await s().members.listBots(guild.id);
      assert.deepEqual(bots.map((m) => m.userId), [botA.id, botB.id].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)));
      assert.deepEqual(bots.find((m) => m.userId === botA.id)?.roles, [r.id]);
      assert.deepEqual(await s().members.listBots((await guildWithChannel(s())).guild.id), []);
    });
    it('addWithRole creates the role and adds the member holding it', async () => {
      const { guild } = await guildWithChannel(s());
      const bot = await s().users.create(user({ bot: true, passwordHash: null }));
      const r = role(guild.id, { name: 'bot', managed: true, botId: bot.id, permissions: '8' });
      const other = await s().roles.create(role(guild.id));
      const added = await s().members.addWithRole(member(guild.id, bot.id, { roles: [other.id] }), r);
      assert.deepEqual([...added.roles].sort(), [other.id, r.id].sort());
      assert.deepEqual(await s().members.get(guild.id, bot.id), added);
      assert.deepEqual(await s().roles.get(guild.id, r.id), r);
      const u = await s().users.create(user());
      const already = role(guild.id);
      assert.deepEqual((await s().members.addWithRole(member(guild.id, u.id, { roles: [already.id] }), already)).roles, [already.id]);
      const elsewhere = await guildWithChannel(s());
      const v = await s().users.create(user());
      await rejectsWith(s().members.addWithRole(member(guild.id, v.id), role(elsewhere.guild.id)), InvalidInputError, { field: 'role' });
    });
    it('addWithRole is atomic: a member that cannot be added leaves no role, a role that cannot be made no member', async () => {
      const { guild, owner } = await guildWithChannel(s());
      // The role's INSERT has run when the member's hits the existing membership.
      const r = role(guild.id, { managed: true });
      await rejectsWith(s().members.addWithRole(member(guild.id, owner.id), r), ConflictError, { entity: 'member', field: 'user_id' });
      assert.equal(await s().roles.get(guild.id, r.id), null);
      assert.deepEqual((await s().members.get(guild.id, owner.id))?.roles, []);
      const u = await s().users.create(user());
      await rejectsWith(s().members.addWithRole(member(guild.id, u.id), role(guild.id, { id: guild.id })), ConflictError, { entity: 'role', field: 'id' });
      assert.equal(await s().members.get(guild.id, u.id), null);
      await rejectsWith(s().members.addWithRole(member(guild.id, u.id, { nick: 'n'.repeat(33) }), r), InvalidInputError, { field: 'nick' });
      assert.equal(await s().roles.get(guild.id, r.id), null);
      assert.equal(await s().members.get(guild.id, u.id), null);
    });
    it('removes, and rejects removing a non-member', async () => {
      const { guild } = await guildWithChannel(s());
      const u = await s().users.create(user());
      await s().members.add(member(guild.id, u.id));
      await s().members.remove(guild.id, u.id);
      assert.equal(await s().members.get(guild.id, u.id), null);
      await rejectsWith(s().members.remove(guild.id, u.id), NotFoundError, { entity: 'member' });
    });
  });

  describe('bans', () => {
    it('bans: removes the membership and deletes recent messages, grouped by channel', async () => {
      const { guild, channel: ch, bundle: b } = await guildWithChannel(s());
      const ch2 = await s().channels.create(channel(guild.id, { name: 'second' }));
      const u = await s().users.create(user());
      const bystander = await s().users.create(user());
      await s().members.add(member(guild.id, u.id));
      const now = Date.now();
      const old = await s().messages.create(message(ch.id, u.id, { id: idAtMs(now - 3 * 86_400_000), guildId: guild.id }));
      const recent1 = await s().messages.create(message(ch.id, u.id, { guildId: guild.id }));
      const recent2 = await s().messages.create(message(ch2.id, u.id, { guildId: guild.id }));
      const theirs = await s().messages.create(message(ch.id, bystander.id, { guildId: guild.id }));
      const result = await s().bans.create({ guildId: guild.id, userId: u.id, reason: 'spam', createdAt: now }, now - 86_400_000);
      assert.equal(result.wasMember, true);
      assert.deepEqual(Object.fromEntries(result.deletedMessages), { [ch.id]: [recent1.id], [ch2.id]: [recent2.id] });
      assert.equal(await s().members.get(guild.id, u.id), null);
      assert.notEqual(await s().messages.get(ch.id, old.id), null);
      assert.notEqual(await s().messages.get(ch.id, theirs.id), null);
      assert.equal(await s().messages.get(ch2.id, recent2.id), null);
      assert.deepEqual(await s().bans.get(guild.id, u.id), { guildId: guild.id, userId: u.id, reason: 'spam', createdAt: now });
      // Banning again replaces the ban; not a member any more; no messages asked to delete.
      const again = await s().bans.create({ guildId: guild.id, userId: u.id, reason: null, createdAt: now + 1 });
      assert.equal(again.wasMember, false);
      assert.equal(again.deletedMessages.size, 0);
      assert.equal((await s().bans.get(guild.id, u.id))?.reason, null);
      void b;
    });
    it('lists with after / before / limit, deletes, and rejects bad input', async () => {
      const { guild } = await guildWithChannel(s());
      const users = Array.from({ length: 5 }, () => newId());
      for (const u of users) await s().bans.create({ guildId: guild.id, userId: u, reason: null, createdAt: 1 });
      assert.deepEqual((await s().bans.list(guild.id)).map((b) => b.userId), users);
      assert.deepEqual(await s().bans.bannedAmong(guild.id, [users[3]!, newId(), users[1]!]), [users[1], users[3]]);
      assert.deepEqual(await s().bans.bannedAmong(newId(), users), []);
      // Past one read's 500 ids, out of order and repeated: each once, ascending across reads. `late` sorts after
      // 550 unbanned ids, so it is in another read than users[0] and users[4].
      const early = Array.from({ length: 550 }, () => newId());
      const late = newId();
      const after = Array.from({ length: 50 }, () => newId());
      await s().bans.create({ guildId: guild.id, userId: late, reason: null, createdAt: 1 });
      const many = [...after.reverse(), late, users[4]!, ...early.reverse(), users[0]!, users[4]!, late];
      assert.deepEqual(await s().bans.bannedAmong(guild.id, many), [users[0], users[4], late]);
      await s().bans.delete(guild.id, late);
      assert.deepEqual((await s().bans.list(guild.id, { after: users[1], limit: 2 })).map((b) => b.userId), users.slice(2, 4));
      assert.deepEqual((await s().bans.list(guild.id, { before: users[4], limit: 2 })).map((b) => b.userId), users.slice(2, 4));
      assert.deepEqual((await s().bans.list(guild.id, { after: users[0], before: users[3] })).map((b) => b.userId), users.slice(1, 3));
      await s().bans.delete(guild.id, users[0]);
      assert.equal(await s().bans.get(guild.id, users[0]), null);
      await rejectsWith(s().bans.delete(guild.id, users[0]), NotFoundError, { entity: 'ban' });
      await rejectsWith(s().bans.create({ guildId: newId(), userId: newId(), reason: null, createdAt: 1 }), NotFoundError, { entity: 'guild' });
      await rejectsWith(s().bans.create({ guildId: guild.id, userId: newId(), reason: 'r'.repeat(513), createdAt: 1 }), InvalidInputError, { field: 'reason' });
      await rejectsWith(s().bans.list(guild.id, { limit: 0 }), InvalidInputError, { field: 'limit' });
    });
  });
}

function idAtMs(ms: number): string {
  return ((BigInt(ms) - 1420070400000n) << 22n).toString();
}
