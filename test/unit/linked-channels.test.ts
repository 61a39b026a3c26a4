/**
 * LinkedChannels (src/api/linked-channels.ts) over a real SQLite store: a refresh reads the linked channels; a link
 * made here while a refresh reads is kept though the refresh read before it; a failed read keeps the set.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LinkedChannels } from '../../src/api/linked-channels.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { withOverrides } from '../helpers/overrides.ts';
import type { LobbyStore, Store } from '../../src/store/types.ts';
import { guildWithChannel, newId } from '../contract/store.fixtures.ts';

describe('linked channels', () => {
  it('refreshes from the store, keeps links made during a refresh, and keeps the set when the store fails', async () => {
    const store = await openSqliteStore({ path: ':memory:' });
    await store.migrate();
    try {
      const { channel } = await guildWithChannel(store);
      const lobby = { id: newId(), applicationId: newId(), secret: null, metadata: null, idleTimeoutSeconds: 300, linkedChannelId: null, createdAt: Date.now() };
      await store.lobbies.create(lobby, [], { perLobby: 10, perUser: 10 });
      await store.lobbies.link(lobby.id, channel.id);
      const linked = new LinkedChannels(store, silentLogger, 60_000);
      assert.equal(linked.has(channel.id), false, 'nothing before the first refresh');
      assert.equal(await linked.sweep(), 1);
      assert.equal(linked.has(channel.id), true);

      // A refresh whose read started before a link made here: the link stays.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const slow = withOverrides<Store>(store, {
        lobbies: withOverrides<LobbyStore>(store.lobbies, { linkedChannelIds: async () => { const ids = await store.lobbies.linkedChannelIds(); await gate; return ids; } }),
      });
      const racing = new LinkedChannels(slow, silentLogger, 60_000);
      const refresh = racing.sweep();
      racing.add('42424242424242424');
      release();
      await refresh;
      assert.equal(racing.has('42424242424242424'), true);
      assert.equal(racing.has(channel.id), true);

      const failing = withOverrides<Store>(store, {
        lobbies: withOverrides<LobbyStore>(store.lobbies, { linkedChannelIds: async () => { throw new Error('store down'); } }),
      });
      const kept = new LinkedChannels(failing, silentLogger, 60_000);
      kept.add(channel.id);
      await kept.sweep();
      assert.equal(kept.has(channel.id), true, 'a failed read keeps what was known');

      await store.lobbies.link(lobby.id, null);
      await linked.sweep();
      assert.equal(linked.has(channel.id), false, 'an unlink is seen at the next refresh');
    } finally {
      await store.close();
    }
  });
});
