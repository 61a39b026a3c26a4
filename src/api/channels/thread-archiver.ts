/**
 * Auto-archiving, as Discord does: a thread with no activity (messages, unarchiving) for its auto_archive_duration
 * minutes is archived, with a THREAD_UPDATE and an audit-free change. Every api node sweeps once a second (like the
 * poll endings); the archive is a conditional update on the activity time read, so two nodes archive it once and a
 * message arriving meanwhile wins. One "minute" lasts ACCORD_THREAD_ARCHIVE_MINUTE_MS (tests shorten it).
 */
import { PeriodicSweep } from '../../lib/periodic-sweep.ts';
import type { ApiDeps } from '../deps.ts';
import type { Dispatcher } from '../dispatch.ts';
import { publishThreadEvent, threadJson } from './threads.ts';

const SWEEP_MS = 1000;
const BATCH = 100;

export class ThreadArchiver extends PeriodicSweep {
  constructor(
    private readonly deps: ApiDeps,
    private readonly dispatch: Dispatcher,
    intervalMs = Math.min(SWEEP_MS, Math.max(50, deps.config.threadArchiveMinuteMs)),
  ) {
    super(intervalMs);
  }

  /** Archives the threads idle past their duration; how many this call archived. */
  protected async runOnce(): Promise<number> {
    const { store } = this.deps;
    let archived = 0;
    try {
      const now = this.deps.now();
      for (const due of await store.threads.dueArchives(now, this.deps.config.threadArchiveMinuteMs, BATCH)) {
        const after = await store.threads.autoArchive(due.channelId, due.lastActivityAt, now);
        if (!after) continue;
        const channel = await store.channels.get(due.channelId);
        if (!channel) continue;
        archived++;
        await publishThreadEvent(this.dispatch, store, channel, 'THREAD_UPDATE', threadJson(channel, after, { memberCount: await store.threads.countMembers(channel.id) }));
      }
    } catch (err) {
      this.deps.log.warn({ err }, 'thread auto-archive sweep failed; retried at the next one');
    }
    return archived;
  }
}
