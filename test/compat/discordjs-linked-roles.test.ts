/**
 * discord.js v14, unpatched, against linked roles: client.application.editRoleConnectionMetadataRecords and
 * fetchRoleConnectionMetadataRecords (src/api/routes/role-connections.ts), and a refusal as DiscordAPIError.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationRoleConnectionMetadataType, DiscordAPIError, GatewayIntentBits, type Client } from 'discord.js';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { botWorld, loggedInClient } from './setup.ts';

describe('discord.js v14 and linked roles', () => {
  let t: TestServer;
  let client: Client;

  before(async () => {
    t = await startTestServer();
    const world = await botWorld(t, 'djs linked roles', Permissions.VIEW_CHANNEL);
    client = await loggedInClient(t, world.bot.token, [GatewayIntentBits.Guilds]);
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  it('edits and fetches the role connection metadata records', async () => {
    const records = await client.application!.editRoleConnectionMetadataRecords([
      { type: ApplicationRoleConnectionMetadataType.IntegerGreaterThanOrEqual, key: 'wins', name: 'Wins', nameLocalizations: { de: 'Siege' }, description: 'Games won' },
      { type: ApplicationRoleConnectionMetadataType.BooleanEqual, key: 'verified', name: 'Verified', description: 'A verified player' },
    ]);
    assert.deepEqual(records.map((r) => [r.key, r.type, r.nameLocalizations?.de ?? null]), [['wins', 2, 'Siege'], ['verified', 7, null]]);
    const fetched = await client.application!.fetchRoleConnectionMetadataRecords();
    assert.deepEqual(fetched.map((r) => r.key), ['wins', 'verified']);
    await assert.rejects(
      client.application!.editRoleConnectionMetadataRecords([{ type: 1, key: 'Bad Key', name: 'x', description: 'y' }]),
      (err: unknown) => err instanceof DiscordAPIError && err.code === 50035,
    );
  });
});
