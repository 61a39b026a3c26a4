/** Contract: application commands (global and per guild) and their per-guild permissions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, InvalidInputError, NotFoundError } from '../../src/store/errors.ts';
import type { ApplicationCommandRecord, Store } from '../../src/store/types.ts';
import { application, guildWithChannel, ids, newId, rejectsWith } from './store.fixtures.ts';

/** A user owning an application (with its bot user) and a guild. */
async function appWithGuild(store: Store) {
  const { owner, guild } = await guildWithChannel(store);
  const app = await application(store, owner.id, 'Cmd bot');
  return { appId: app.id, guildId: guild.id };
}

function command(applicationId: string, guildId: string | null, over: Partial<ApplicationCommandRecord> = {}): ApplicationCommandRecord {
  return {
    id: newId(), applicationId, guildId, type: 1, name: 'ping', nameLocalizations: null, description: 'Replies with pong',
    descriptionLocalizations: null, options: [], defaultMemberPermissions: null, contexts: guildId === null ? [0, 1, 2] : null,
    integrationTypes: guildId === null ? [0] : null, nsfw: false, version: newId(), ...over,
  };
}

function created(r: Awaited<ReturnType<Store['applicationCommands']['upsert']>>) {
  assert.ok('command' in r, 'not limited');
  return r;
}

export function applicationCommandsContract(s: () => Store): void {
  describe('application commands', () => {
    it('creates, reads back and lists commands per scope; global and guild scopes are apart', async () => {
      const { appId, guildId } = await appWithGuild(s());
      const options = [{ type: 3, name: 'text', description: 'What to say', required: true, choices: [{ name: 'Hi', value: 'hi' }] }];
      const g = command(appId, null, { options, nameLocalizations: { fr: 'sonde' }, defaultMemberPermissions: '0', nsfw: true });
      const r = created(await s().applicationCommands.upsert(g, { maxOfType: 100 }));
      assert.equal(r.created, true);
      assert.deepEqual(r.command, g);
      assert.deepEqual(await s().applicationCommands.get(appId, null, g.id), g);
      // The same name in a guild is another command.
      const inGuild = command(appId, guildId);
      assert.equal(created(await s().applicationCommands.upsert(inGuild, { maxOfType: 100 })).created, true);
      assert.deepEqual(ids(await s().applicationCommands.list(appId, null)), [g.id]);
      assert.deepEqual(ids(await s().applicationCommands.list(appId, guildId)), [inGuild.id]);
      assert.equal(await s().applicationCommands.get(appId, guildId, g.id), null);
      assert.equal(await s().applicationCommands.get(appId, null, inGuild.id), null);
      assert.equal(await s().applicationCommands.get(newId(), null, g.id), null);
      // The same name with another type is another command too.
      const userCmd = command(appId, null, { type: 2, name: 'ping', description: '' });
      assert.equal(created(await s().applicationCommands.upsert(userCmd, { maxOfType: 5 })).created, true);
      assert.deepEqual(ids(await s().applicationCommands.list(appId, null)), [g.id, userCmd.id]);
    });

    it('upsert by name keeps the id; the version changes only with the definition; the type limit holds', async () => {
      const { appId } = await appWithGuild(s());
      const first = command(appId, null);
      await s().applicationCommands.upsert(first, { maxOfType: 2 });
      const same = created(await s().applicationCommands.upsert(command(appId, null), { maxOfType: 2 }));
      assert.equal(same.created, false);
      assert.deepEqual(same.command, first);
      const changed = created(await s().applicationCommands.upsert(command(appId, null, { description: 'New text' }), { maxOfType: 2 }));
      assert.equal(changed.command.id, first.id);
      assert.notEqual(changed.command.version, first.version);
      assert.equal((await s().applicationCommands.get(appId, null, first.id))?.description, 'New text');
      await s().applicationCommands.upsert(command(appId, null, { name: 'second' }), { maxOfType: 2 });
      assert.deepEqual(await s().applicationCommands.upsert(command(appId, null, { name: 'third' }), { maxOfType: 2 }), { limited: true });
      // At the limit, an existing name is still overwritten.
      assert.equal(created(await s().applicationCommands.upsert(command(appId, null, { name: 'second', description: 'x' }), { maxOfType: 2 })).created, false);
      assert.equal((await s().applicationCommands.list(appId, null)).length, 2);
    });

    it('keeps the limit under concurrent creates', async () => {
      const { appId } = await appWithGuild(s());
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => s().applicationCommands.upsert(command(appId, null, { name: `c${i}` }), { maxOfType: 5 })));
      assert.equal(results.filter((r) => 'command' in r).length, 5);
      assert.equal((await s().applicationCommands.list(appId, null)).length, 5);
    });

    it('update replaces the definition; a clash of names conflicts; a rename drops permissions', async () => {
      const { appId, guildId } = await appWithGuild(s());
      const a = command(appId, null, { name: 'alpha' });
      const b = command(appId, null, { name: 'beta' });
      await s().applicationCommands.upsert(a, { maxOfType: 100 });
      await s().applicationCommands.upsert(b, { maxOfType: 100 });
      await s().applicationCommands.setPermissions({ applicationId: appId, guildId, commandId: a.id, permissions: [{ id: guildId, type: 1, permission: false }] });
      const same = await s().applicationCommands.update({ ...a, version: newId() });
      assert.equal(same.version, a.version);
      await rejectsWith(s().applicationCommands.update({ ...a, name: 'beta', version: newId() }), ConflictError, { entity: 'application_command', field: 'name' });
      await rejectsWith(s().applicationCommands.update({ ...a, guildId, version: newId() }), NotFoundError, { entity: 'application_command' });
      await rejectsWith(s().applicationCommands.update({ ...a, id: newId() }), NotFoundError, { entity: 'application_command' });
      const described = await s().applicationCommands.update({ ...a, description: 'Changed', version: newId() });
      assert.notEqual(described.version, a.version);
      assert.ok(await s().applicationCommands.getPermissions(appId, guildId, a.id), 'an edit that keeps the name keeps permissions');
      const renamed = await s().applicationCommands.update({ ...a, name: 'gamma', version: newId() });
      assert.equal((await s().applicationCommands.get(appId, null, a.id))?.name, 'gamma');
      assert.equal(renamed.name, 'gamma');
      assert.equal(await s().applicationCommands.getPermissions(appId, guildId, a.id), null);
    });

    it('delete removes the command with its permissions in every guild', async () => {
      const { appId, guildId } = await appWithGuild(s());
      const a = command(appId, null);
      await s().applicationCommands.upsert(a, { maxOfType: 100 });
      await s().applicationCommands.setPermissions({ applicationId: appId, guildId, commandId: a.id, permissions: [{ id: guildId, type: 1, permission: true }] });
      await rejectsWith(s().applicationCommands.delete(appId, guildId, a.id), NotFoundError, { entity: 'application_command' });
      await s().applicationCommands.delete(appId, null, a.id);
      assert.equal(await s().applicationCommands.get(appId, null, a.id), null);
      assert.deepEqual(await s().applicationCommands.listPermissions(appId, guildId), []);
      await rejectsWith(s().applicationCommands.delete(appId, null, a.id), NotFoundError, { entity: 'application_command' });
    });

    it('bulk overwrite keeps ids by name or known id, deletes the rest, drops permissions of deleted and renamed commands', async () => {
      const { appId, guildId } = await appWithGuild(s());
      const keep = command(appId, guildId, { name: 'keep' });
      const rename = command(appId, guildId, { name: 'old-name' });
      const drop = command(appId, guildId, { name: 'drop' });
      for (const c of [keep, rename, drop]) await s().applicationCommands.upsert(c, { maxOfType: 100 });
      for (const c of [keep, rename, drop]) {
        await s().applicationCommands.setPermissions({ applicationId: appId, guildId, commandId: c.id, permissions: [{ id: guildId, type: 1, permission: false }] });
      }
      const fresh = command(appId, guildId, { name: 'fresh' });
      const result = await s().applicationCommands.overwrite(appId, guildId, [
        fresh,
        { ...command(appId, guildId, { name: 'new-name' }), knownId: rename.id },
        command(appId, guildId, { name: 'keep' }),
      ]);
      assert.deepEqual(result.map((c) => c.name), ['fresh', 'new-name', 'keep']);
      assert.deepEqual(ids(result), [fresh.id, rename.id, keep.id]);
      assert.equal(result[2]!.version, keep.version, 'an unchanged definition keeps its version');
      assert.notEqual(result[1]!.version, rename.version);
      assert.deepEqual(ids(await s().applicationCommands.list(appId, guildId)), [keep.id, rename.id, fresh.id].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1)));
      assert.equal(await s().applicationCommands.get(appId, guildId, drop.id), null);
      assert.deepEqual((await s().applicationCommands.listPermissions(appId, guildId)).map((p) => p.commandId), [keep.id]);
      // Names swapped between two existing commands by id: no unique-key trouble midway.
      const swapped = await s().applicationCommands.overwrite(appId, guildId, [
        { ...command(appId, guildId, { name: 'keep' }), knownId: rename.id },
        { ...command(appId, guildId, { name: 'new-name' }), knownId: keep.id },
      ]);
      assert.deepEqual(ids(swapped), [rename.id, keep.id]);
      assert.deepEqual(await s().applicationCommands.overwrite(appId, guildId, []), []);
      assert.deepEqual(await s().applicationCommands.list(appId, guildId), []);
    });

    it('bulk overwrite is atomic: duplicate names write nothing', async () => {
      const { appId } = await appWithGuild(s());
      const a = command(appId, null, { name: 'a' });
      await s().applicationCommands.upsert(a, { maxOfType: 100 });
      await rejectsWith(
        s().applicationCommands.overwrite(appId, null, [command(appId, null, { name: 'b' }), command(appId, null, { name: 'b' })]),
        ConflictError, { entity: 'application_command', field: 'name' },
      );
      assert.deepEqual(await s().applicationCommands.list(appId, null), [a]);
      await rejectsWith(s().applicationCommands.overwrite(appId, null, [command(newId(), null)]), InvalidInputError);
      await rejectsWith(s().applicationCommands.overwrite(newId(), null, []), NotFoundError, { entity: 'application' });
    });

    it('permissions: per guild and command or application id; empty removes; unknown commands refused', async () => {
      const { appId, guildId } = await appWithGuild(s());
      const other = await appWithGuild(s());
      const g = command(appId, null);
      const own = command(appId, guildId, { name: 'own' });
      const foreign = command(appId, other.guildId, { name: 'foreign' });
      for (const c of [g, own, foreign]) await s().applicationCommands.upsert(c, { maxOfType: 100 });
      const perms = [{ id: guildId, type: 1 as const, permission: false }, { id: (BigInt(guildId) - 1n).toString(), type: 3 as const, permission: true }];
      assert.deepEqual(await s().applicationCommands.setPermissions({ applicationId: appId, guildId, commandId: g.id, permissions: perms }), { applicationId: appId, guildId, commandId: g.id, permissions: perms });
      await s().applicationCommands.setPermissions({ applicationId: appId, guildId, commandId: appId, permissions: [{ id: newId(), type: 2, permission: true }] });
      await s().applicationCommands.setPermissions({ applicationId: appId, guildId, commandId: own.id, permissions: perms });
      await rejectsWith(s().applicationCommands.setPermissions({ applicationId: appId, guildId, commandId: foreign.id, permissions: perms }), NotFoundError, { entity: 'application_command' });
      await rejectsWith(s().applicationCommands.setPermissions({ applicationId: appId, guildId, commandId: newId(), permissions: perms }), NotFoundError, { entity: 'application_command' });
      await rejectsWith(s().applicationCommands.setPermissions({ applicationId: appId, guildId, commandId: g.id, permissions: Array.from({ length: 101 }, () => perms[0]!) }), InvalidInputError);
      assert.deepEqual((await s().applicationCommands.getPermissions(appId, guildId, g.id))?.permissions, perms);
      assert.equal(await s().applicationCommands.getPermissions(appId, other.guildId, g.id), null);
      assert.deepEqual((await s().applicationCommands.listPermissions(appId, guildId)).map((p) => p.commandId), [g.id, own.id, appId].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1)));
      await s().applicationCommands.setPermissions({ applicationId: appId, guildId, commandId: g.id, permissions: [] });
      assert.equal(await s().applicationCommands.getPermissions(appId, guildId, g.id), null);
      assert.deepEqual(await s().applicationCommands.listPermissions(other.appId, guildId), []);
    });

    it('goes with its guild; rejects bad input', async () => {
      const { appId, guildId } = await appWithGuild(s());
      const c = command(appId, guildId);
      await s().applicationCommands.upsert(c, { maxOfType: 100 });
      await s().applicationCommands.setPermissions({ applicationId: appId, guildId, commandId: c.id, permissions: [{ id: guildId, type: 1, permission: true }] });
      await s().guilds.delete(guildId);
      assert.deepEqual(await s().applicationCommands.list(appId, guildId), []);
      assert.deepEqual(await s().applicationCommands.listPermissions(appId, guildId), []);
      await rejectsWith(s().applicationCommands.upsert(command(appId, newId()), { maxOfType: 100 }), NotFoundError, { entity: 'guild' });
      await rejectsWith(s().applicationCommands.upsert(command(newId(), null), { maxOfType: 100 }), NotFoundError, { entity: 'application' });
      await rejectsWith(s().applicationCommands.upsert(command(appId, null, { name: 'x'.repeat(33) }), { maxOfType: 100 }), InvalidInputError, { field: 'name' });
      await rejectsWith(s().applicationCommands.upsert(command(appId, null, { type: 4 as never }), { maxOfType: 100 }), InvalidInputError, { field: 'type' });
      await rejectsWith(s().applicationCommands.upsert(command(appId, null, { defaultMemberPermissions: '-1' }), { maxOfType: 100 }), InvalidInputError, { field: 'default_member_permissions' });
      await rejectsWith(s().applicationCommands.get(appId, null, 'nope'), InvalidInputError);
    });
  });
}
