/**
 * The channels linked to a lobby, as this api node knows them, so that a message create asks the store about a
 * lobby only in a channel that has one (Discord: in a linked channel, "Discord messages appear in your game").
 * Every message create checks this set; the store is read only on a hit, and that read decides.
 *
 * The set is read whole from the store every LINKED_REFRESH_MS, and a link made through this node is added at once.
 * In one process that is exact; in a cluster, a channel linked through another api node relays from this one after
 * at most LINKED_REFRESH_MS (decided: a link is rare, and a read per message in every channel is not worth it).
 */
import { PeriodicSweep } from '../lib/periodic-sweep.ts';
import type { Logger } from '../lib/log.ts';
import type { Store } from '../store/types.ts';

export const LINKED_REFRESH_MS = 5000;

export class LinkedChannels extends PeriodicSweep {
  #ids = new Set<string>();
  /** Links made here while a refresh was reading: its result may predate them. */
  #addedDuringRefresh: string[] = [];
  #refreshing = false;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    intervalMs = LINKED_REFRESH_MS,
  ) {
    super(intervalMs);
  }

  /** Whether `channelId` may have a lobby linked (a stale yes is possible; the store read that follows decides). */
  has(channelId: string): boolean {
    return this.#ids.has(channelId);
  }

  /** A lobby was just linked to `channelId` through this node. */
  add(channelId: string): void {
    this.#ids.add(channelId);
    if (this.#refreshing) this.#addedDuringRefresh.push(channelId);
  }

  /** Reads the set again; how many channels are linked. A failed read keeps the set as it was. */
  protected async runOnce(): Promise<number> {
    this.#refreshing = true;
    try {
      const ids = new Set(await this.store.lobbies.linkedChannelIds());
      for (const id of this.#addedDuringRefresh) ids.add(id);
      this.#ids = ids;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'linked channels not refreshed; kept as they were');
    } finally {
      this.#refreshing = false;
      this.#addedDuringRefresh = [];
    }
    return this.#ids.size;
  }
}
