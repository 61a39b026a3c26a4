/** UserStore's second factor: set and read, the user's flag, steps claimed once and forward only, backup codes used once. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotFoundError } from '../../src/store/errors.ts';
import type { Store } from '../../src/store/types.ts';
import { newId, rejectsWith, user } from './store.fixtures.ts';

export function userMfaContract(s: () => Store): void {
  describe('user two-factor', () => {
    it('sets and clears the secret, with the user flag, its last step and backup codes', async () => {
      const u = await s().users.create(user());
      assert.equal(u.mfaEnabled, undefined);
      assert.equal(await s().users.getMfa(u.id), null);
      await s().users.setMfa(u.id, 'JBSWY3DPEHPK3PXP', { backupCodeHashes: ['aa', 'bb'], lastStep: 100 });
      assert.deepEqual(await s().users.getMfa(u.id), { secret: 'JBSWY3DPEHPK3PXP', lastStep: 100 });
      assert.equal((await s().users.get(u.id))!.mfaEnabled, true);
      assert.equal((await s().tokens.listWithUser(u.id))!.user.mfaEnabled, true, 'token resolution reads the flag too');
      // Steps move forward only: the same or an earlier one is a replay.
      assert.equal(await s().users.claimMfaStep(u.id, 100), false);
      assert.equal(await s().users.claimMfaStep(u.id, 99), false);
      assert.equal(await s().users.claimMfaStep(u.id, 101), true);
      assert.equal(await s().users.claimMfaStep(u.id, 101), false);
      // Each backup code once; another user's or an unknown one never.
      const other = await s().users.create(user());
      assert.equal(await s().users.consumeBackupCode(other.id, 'aa'), false);
      assert.equal(await s().users.consumeBackupCode(u.id, 'aa'), true);
      assert.equal(await s().users.consumeBackupCode(u.id, 'aa'), false);
      assert.equal(await s().users.consumeBackupCode(u.id, 'cc'), false);
      // New codes replace the old; the secret and its last step stay.
      assert.equal(await s().users.replaceBackupCodes(u.id, ['cc', 'dd']), true);
      assert.equal(await s().users.consumeBackupCode(u.id, 'bb'), false);
      assert.equal(await s().users.consumeBackupCode(u.id, 'cc'), true);
      assert.deepEqual(await s().users.getMfa(u.id), { secret: 'JBSWY3DPEHPK3PXP', lastStep: 101 });
      assert.equal(await s().users.replaceBackupCodes(other.id, ['ee']), false, 'not for a user without 2FA');
      // Off: no secret, no flag, no codes; steps are not claimed without a secret.
      await s().users.setMfa(u.id, null);
      assert.equal(await s().users.getMfa(u.id), null);
      assert.equal((await s().users.get(u.id))!.mfaEnabled, undefined);
      assert.equal(await s().users.consumeBackupCode(u.id, 'dd'), false);
      assert.equal(await s().users.claimMfaStep(u.id, 500), false);
      await rejectsWith(s().users.setMfa(newId(), 'JBSWY3DPEHPK3PXP'), NotFoundError, { entity: 'user' });
    });

    it('concurrent claims of one step: exactly one wins', async () => {
      const u = await s().users.create(user());
      await s().users.setMfa(u.id, 'JBSWY3DPEHPK3PXP');
      const wins = await Promise.all(Array.from({ length: 6 }, () => s().users.claimMfaStep(u.id, 7)));
      assert.equal(wins.filter(Boolean).length, 1);
    });
  });
}
