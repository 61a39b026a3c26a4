/** Store contract: OAuth2 clients, codes and tokens (OAuth2Store, migration 37). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotFoundError } from '../../src/store/errors.ts';
import type { Store } from '../../src/store/types.ts';
import { application, newId, rejectsWith, user } from './store.fixtures.ts';

async function ownedApplication(s: Store) {
  const owner = await s.users.create(user());
  return { app: await application(s, owner.id, 'OAuth App'), owner };
}

export function oauth2Contract(s: () => Store): void {
  describe('OAuth2', () => {
    it('keeps a client\'s secret hash and redirect URIs, each set on its own', async () => {
      const { app } = await ownedApplication(s());
      assert.deepEqual(await s().oauth2.getClient(app.id), { applicationId: app.id, secretHash: null, redirectUris: [] });
      await s().oauth2.setRedirectUris(app.id, ['https://a.example/cb']);
      await s().oauth2.setSecret(app.id, 'a'.repeat(64));
      await s().oauth2.setSecret(app.id, 'b'.repeat(64));
      assert.deepEqual(await s().oauth2.getClient(app.id), { applicationId: app.id, secretHash: 'b'.repeat(64), redirectUris: ['https://a.example/cb'] });
      await rejectsWith(s().oauth2.setSecret(newId(), 'c'.repeat(64)), NotFoundError, { entity: 'application' });
    });

    it('takes a code once; takes a refresh token once with its access token; revokes by either hash', async () => {
      const { app, owner } = await ownedApplication(s());
      const code = { codeHash: `code-${newId()}`, applicationId: app.id, userId: owner.id, scopes: ['identify', 'guilds'], redirectUri: 'https://a.example/cb', expiresAt: Date.now() + 60_000 };
      await s().oauth2.createCode(code);
      assert.deepEqual(await s().oauth2.takeCode(code.codeHash), code);
      assert.equal(await s().oauth2.takeCode(code.codeHash), null, 'once');

      const token = { accessHash: `acc-${newId()}`, refreshHash: `ref-${newId()}`, applicationId: app.id, userId: owner.id, scopes: ['identify'], expiresAt: Date.now() + 60_000, createdAt: Date.now() };
      await s().oauth2.createToken(token);
      assert.deepEqual(await s().oauth2.getToken(token.accessHash), token);
      assert.deepEqual(await s().oauth2.takeRefresh(token.refreshHash), token);
      assert.equal(await s().oauth2.getToken(token.accessHash), null, 'the access token goes with its refresh token');
      assert.equal(await s().oauth2.takeRefresh(token.refreshHash), null);

      const second = { ...token, accessHash: `acc-${newId()}`, refreshHash: null };
      await s().oauth2.createToken(second);
      const { app: otherApp } = await ownedApplication(s());
      assert.equal(await s().oauth2.revoke(otherApp.id, second.accessHash), false, 'another application cannot revoke it');
      assert.equal(await s().oauth2.revoke(app.id, second.accessHash), true);
      assert.equal(await s().oauth2.getToken(second.accessHash), null);
      await rejectsWith(s().oauth2.createCode({ ...code, codeHash: `code-${newId()}`, applicationId: newId() }), NotFoundError, { entity: 'application' });
    });

    it('lists a user\'s live grants by application, and revokes all of one application\'s', async () => {
      const { app, owner } = await ownedApplication(s());
      const { app: other } = await ownedApplication(s());
      const now = Date.now();
      const token = (applicationId: string, scopes: string[], expiresAt = now + 60_000) => ({
        accessHash: `acc-${newId()}`, refreshHash: `ref-${newId()}`, applicationId, userId: owner.id, scopes, expiresAt, createdAt: now,
      });
      await s().oauth2.createToken(token(app.id, ['identify']));
      await s().oauth2.createToken(token(app.id, ['guilds', 'identify']));
      await s().oauth2.createToken(token(other.id, ['email']));
      await s().oauth2.createToken(token(other.id, ['guilds'], now - 1));
      const grants = await s().oauth2.listGrants(owner.id, now);
      assert.deepEqual(grants.map((g) => [g.applicationId, [...g.scopes].sort()]).sort(), [[app.id, ['guilds', 'identify']], [other.id, ['email']]].sort());
      await s().oauth2.createCode({ codeHash: `code-${newId()}`, applicationId: app.id, userId: owner.id, scopes: ['identify'], redirectUri: 'https://a.example/cb', expiresAt: now + 60_000 });
      assert.equal(await s().oauth2.revokeApplication(owner.id, app.id), true);
      assert.deepEqual((await s().oauth2.listGrants(owner.id, now)).map((g) => g.applicationId), [other.id]);
      assert.equal(await s().oauth2.revokeApplication(owner.id, app.id), false);
    });

    it('tells which users granted an application a scope: live or refreshable tokens count, revoked ones do not', async () => {
      const { app } = await ownedApplication(s());
      const { app: other } = await ownedApplication(s());
      const now = Date.now();
      const users = await Promise.all([0, 1, 2, 3].map(() => s().users.create(user())));
      const [live, refreshable, expired, elsewhere] = users.map((u) => u.id);
      const token = (userId: string, applicationId: string, scopes: string[], expiresAt: number, refresh = true) => ({
        accessHash: `acc-${newId()}`, refreshHash: refresh ? `ref-${newId()}` : null, applicationId, userId, scopes, expiresAt, createdAt: now,
      });
      await s().oauth2.createToken(token(live!, app.id, ['identify', 'sdk.social_layer'], now + 60_000, false));
      await s().oauth2.createToken(token(refreshable!, app.id, ['sdk.social_layer'], now - 1));
      await s().oauth2.createToken(token(expired!, app.id, ['sdk.social_layer'], now - 1, false));
      await s().oauth2.createToken(token(elsewhere!, other.id, ['sdk.social_layer'], now + 60_000));
      await s().oauth2.createToken(token(elsewhere!, app.id, ['identify'], now + 60_000));
      assert.deepEqual((await s().oauth2.usersGranting(app.id, [live!, refreshable!, expired!, elsewhere!, newId()], 'sdk.social_layer', now)).sort(), [live!, refreshable!].sort());
      await s().oauth2.revokeApplication(refreshable!, app.id);
      assert.deepEqual(await s().oauth2.usersGranting(app.id, [refreshable!], 'sdk.social_layer', now), []);
    });
  });
}
