/**
 * What the sessions role asks of the guild role for a READY's GUILD_CREATE (src/contracts/guild.ts): the pieces,
 * the member and the permission state only (`piecesOnly`), and the client still gets the whole guild.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GuildSnapshotRequest } from '../../src/contracts/guild.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { GatewayClient } from './gateway-client.ts';

describe('sessions role → guild role snapshot request', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t?.close();
  });

  it('asks for piecesOnly, and the GUILD_CREATE sent is the whole guild', async () => {
    const owner = await t.register('pieces_owner');
    const member = await t.register('pieces_member');
    const guild = await t.createGuild(owner, 'Pieces Only');
    await t.join(owner, guild.id, member);
    // Every snapshot request on the bus, whichever partition subject it goes to.
    const asked: GuildSnapshotRequest[] = [];
    const sub = t.bus.subscribe<GuildSnapshotRequest>('guild.>', (req) => {
      if (req && typeof req === 'object' && 'largeThreshold' in req && req.guildId === guild.id) asked.push(req);
    });
    const c = await GatewayClient.connect(t.url);
    try {
      await c.identify(member.token);
      const created = (await c.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id)).d;
      assert.equal(created.name, 'Pieces Only');
      assert.ok(created.channels.length > 0, 'channels');
      assert.ok(created.roles.some((r: any) => r.id === guild.id), '@everyone');
      assert.deepEqual(created.members.map((m: any) => m.user.id).sort(), [owner.id, member.id].sort());
      assert.equal(typeof created.joined_at, 'string');
      assert.ok(asked.length >= 1, 'the request was seen on the bus');
      for (const req of asked) {
        assert.equal(req.userId, member.id);
        assert.equal(req.piecesOnly, true);
      }
    } finally {
      sub.unsubscribe();
      await c.close();
    }
  });
});
