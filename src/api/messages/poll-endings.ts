/**
 * Announces the natural end of polls, as Discord does: when a poll's expiry passes, one MESSAGE_UPDATE with its
 * final results (`is_finalized: true`) goes to the channel's audience. Every api node sweeps the store's list of
 * polls still to announce (poll_endings) every second; the announcement is claimed in the store in the same
 * transaction as its outbox record, so with several api nodes exactly one sends it. A poll ended early (POST
 * …/expire) is announced by that request and taken off the list there. Reads of a poll never wait for this:
 * a poll past its expiry reads as final whether announced or not.
 */
import { PeriodicSweep } from '../../lib/periodic-sweep.ts';
import type { ApiDeps } from '../deps.ts';
import { eventPayload, renderMessage } from '../../shapes/message.ts';
import { renderMedia } from './attachments.ts';
import type { MessageWrites } from './write.ts';
import { postPollResult } from './poll-result.ts';

export const POLL_SWEEP_MS = 1000;
/** Endings one sweep announces; the rest wait for the next sweep. */
const BATCH = 100;

export class PollEndings extends PeriodicSweep {
  constructor(
    private readonly deps: ApiDeps,
    private readonly writes: MessageWrites,
    intervalMs = POLL_SWEEP_MS,
  ) {
    super(intervalMs);
  }

  /** Announces the polls that have ended; returns how many this call announced. */
  protected async runOnce(): Promise<number> {
    const { store } = this.deps;
    let announced = 0;
    try {
      const now = this.deps.now();
      for (const { channelId, messageId } of await store.pollVotes.dueEndings(now, BATCH)) {
        const [message, channel] = await Promise.all([store.messages.get(channelId, messageId), store.channels.get(channelId)]);
        if (!message?.poll || !channel) {
          await store.pollVotes.claimEnding(channelId, messageId);
          continue;
        }
        const rendered = await renderMessage(store, message, { viewerId: null, media: renderMedia(this.deps), now: Math.max(now, message.poll.expiresAt) });
        if (await this.writes.pollEnded(channel, message, await eventPayload(store, message, rendered, { update: true }))) {
          announced++;
          // The POLL_RESULT message goes once, by the node that claimed the end.
          await postPollResult(this.deps, this.writes, channel, message);
        }
      }
    } catch (err) {
      this.deps.log.warn({ err }, 'poll endings sweep failed; retried at the next one');
    }
    return announced;
  }
}
