/**
 * Contract: what issue #14 stores (migrations 12 and 13): the interaction a message answers kept on the message,
 * the ledger of daily application command creates, and user installations.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LimitReachedError, NotFoundError } from '../../src/store/errors.ts';
import type { ApplicationCommandRecord, Store } from '../../src/store/types.ts';
import { application, guildWithChannel, message, newId, rejectsWith } from './store.fixtures.ts';

const DAY = 24 * 60 * 60 * 1000;

async function app(store: Store) {
  const { owner, guild, channel } = await guildWithChannel(store);
  const made = await application(store, owner.id, 'History bot');
  return { appId: made.id, owner, guild, channel };
}

function command(applicationId: string, name: string): ApplicationCommandRecord {
  return {
    id: newId(), applicationId, guildId: null, type: 1, name, nameLocalizations: null, description: 'A command', descriptionLocalizations: null, options: [],
    defaultMemberPermissions: null, contexts: [0, 1, 2], integrationTypes: [0], nsfw: false, version: newId(),
  };
}

export function interactionHistoryContract(s: () => Store): void {
  describe('interaction history, daily command creates, user installations', () => {
    it('a message keeps the interaction it answers through create, get, list and update; others have none', async () => {
      const { appId, channel } = await app(s());
      const interaction = {
        metadata: { id: newId(), type: 2, user: { id: '1', username: 'u' }, authorizing_integration_owners: { 0: '5' }, name: 'ping' },
        legacy: { id: newId(), type: 2, name: 'ping', user: { id: '1', username: 'u' } },
      };
      const m = message(channel!.id, appId, { type: 20, applicationId: appId, webhookId: appId, interaction });
      assert.deepEqual(await s().messages.create(m), m);
      assert.deepEqual((await s().messages.get(channel!.id, m.id))?.interaction, interaction);
      const updated = await s().messages.update(channel!.id, m.id, { content: 'edited' });
      assert.deepEqual(updated.interaction, interaction);
      const plain = await s().messages.create(message(channel!.id, appId));
      const listed = await s().messages.list(channel!.id);
      assert.deepEqual(listed.find((x) => x.id === m.id)?.interaction, interaction);
      assert.equal('interaction' in listed.find((x) => x.id === plain.id)!, false);
    });

    it('counts creates per scope over a day, deleted ones included; matches create nothing', async () => {
      const { appId } = await app(s());
      const now = 10 * DAY;
      const daily = { max: 2, now };
      const first = command(appId, 'one');
      assert.ok('command' in (await s().applicationCommands.upsert(first, { maxOfType: 100, daily })));
      await s().applicationCommands.delete(appId, null, first.id);
      assert.ok('command' in (await s().applicationCommands.upsert(command(appId, 'two'), { maxOfType: 100, daily })));
      await rejectsWith(s().applicationCommands.upsert(command(appId, 'three'), { maxOfType: 100, daily: { max: 2, now: now + 5 } }), LimitReachedError, { resetAt: now + DAY });
      await rejectsWith(s().applicationCommands.overwrite(appId, null, [command(appId, 'two'), command(appId, 'four')], { daily }), LimitReachedError);
      assert.deepEqual((await s().applicationCommands.list(appId, null)).map((c) => c.name), ['two']);
      // Overwriting the one that exists is no create.
      assert.equal((await s().applicationCommands.overwrite(appId, null, [command(appId, 'two')], { daily })).length, 1);
      // A day later the count starts again.
      assert.ok('command' in (await s().applicationCommands.upsert(command(appId, 'five'), { maxOfType: 100, daily: { max: 2, now: now + DAY + 1 } })));
    });

    it('installs an application to a user, re-authorizes, uninstalls', async () => {
      const { appId, owner } = await app(s());
      assert.equal(await s().userInstallations.get(appId, owner.id), null);
      const put = await s().userInstallations.put({ applicationId: appId, userId: owner.id, scopes: ['applications.commands'], createdAt: 5 });
      assert.deepEqual(put, { applicationId: appId, userId: owner.id, scopes: ['applications.commands'], createdAt: 5 });
      const again = await s().userInstallations.put({ applicationId: appId, userId: owner.id, scopes: ['applications.commands', 'identify'], createdAt: 9 });
      assert.deepEqual(again.scopes, ['applications.commands', 'identify']);
      assert.equal(again.createdAt, 5);
      await rejectsWith(s().userInstallations.put({ applicationId: newId(), userId: owner.id, scopes: [], createdAt: 1 }), NotFoundError);
      assert.equal(await s().userInstallations.delete(appId, owner.id), true);
      assert.equal(await s().userInstallations.delete(appId, owner.id), false);
    });
  });
}
