/** RoleConnectionStore: an application's linked-role metadata and its users' connections, replaced whole. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotFoundError } from '../../src/store/errors.ts';
import type { RoleConnectionMetadataRecord, Store } from '../../src/store/types.ts';
import { application, newId, rejectsWith, user } from './store.fixtures.ts';

const record = (key: string, type = 1): RoleConnectionMetadataRecord => ({
  type, key, name: `Name of ${key}`, nameLocalizations: type === 1 ? { fr: `Nom de ${key}` } : null, description: `About ${key}`, descriptionLocalizations: null,
});

export function roleConnectionsContract(s: () => Store): void {
  describe('role connections (linked roles)', () => {
    it('keeps the metadata records in order and replaces them whole', async () => {
      const owner = await s().users.create(user());
      const app = await application(s(), owner.id);
      assert.deepEqual(await s().roleConnections.getMetadata(app.id), []);
      await s().roleConnections.setMetadata(app.id, [record('level'), record('verified', 7)]);
      assert.deepEqual(await s().roleConnections.getMetadata(app.id), [record('level'), record('verified', 7)]);
      await s().roleConnections.setMetadata(app.id, [record('joined', 5)]);
      assert.deepEqual(await s().roleConnections.getMetadata(app.id), [record('joined', 5)]);
      await rejectsWith(s().roleConnections.setMetadata(newId(), [record('x')]), NotFoundError, { entity: 'application' });
    });

    it("keeps one connection per user and application, replaced by the next put", async () => {
      const owner = await s().users.create(user());
      const app = await application(s(), owner.id);
      const other = await application(s(), owner.id, 'Other');
      const u = await s().users.create(user());
      assert.equal(await s().roleConnections.get(u.id, app.id), null);
      const first = await s().roleConnections.put({ userId: u.id, applicationId: app.id, platformName: 'Chess', platformUsername: 'knight', metadata: { level: '12' } });
      assert.deepEqual(first, { userId: u.id, applicationId: app.id, platformName: 'Chess', platformUsername: 'knight', metadata: { level: '12' } });
      await s().roleConnections.put({ userId: u.id, applicationId: app.id, platformName: null, platformUsername: null, metadata: {} });
      assert.deepEqual(await s().roleConnections.get(u.id, app.id), { userId: u.id, applicationId: app.id, platformName: null, platformUsername: null, metadata: {} });
      assert.equal(await s().roleConnections.get(u.id, other.id), null);
      await rejectsWith(s().roleConnections.put({ userId: u.id, applicationId: newId(), platformName: null, platformUsername: null, metadata: {} }), NotFoundError);
    });
  });
}
