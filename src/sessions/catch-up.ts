/**
 * After this node's own NATS connection comes back (a NATS restart, a network blip), what it missed meanwhile:
 * core NATS keeps nothing for a subscriber that is away, and the publishers may have reconnected before it. The
 * event log (contracts/gateway.ts EVENT_LOG) holds every gateway event; the node reads it from a little before
 * its disconnect and routes the events of its guilds and users as if they had just arrived:
 * - an event with an outbox id goes through the router's dedupe, so one that arrived live is not sent twice;
 * - an event without one (guild, channel and role changes published straight after their commit) is routed only
 *   if the log stored it while the node was away, so it cannot have arrived live.
 * Caught-up events reach the sessions after live ones that overtook them (clients order messages by id).
 * Needs the event log (ACCORD_RESUME_LOG_MAX_BYTES > 0, NATS); without it the gap stays a gap.
 */
import type { DispatchEnvelope } from '../contracts/index.ts';
import { EVENT_LOG, EVENT_SUBJECTS } from '../contracts/gateway.ts';
import type { Bus } from '../bus/types.ts';
import type { Logger } from '../lib/log.ts';
import { RESUME_GAP_OVERLAP_MS } from './resume-journal.ts';
import type { Router } from './router.ts';

export class ReconnectCatchUp {
  #stop: (() => void) | null = null;
  /** Counters for /metrics. */
  readonly counts = { gaps: 0, events: 0, failures: 0 };

  constructor(
    private readonly bus: Bus,
    private readonly router: Router,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.#stop = this.bus.onReconnect((gap) => void this.catchUp(gap));
  }

  stop(): void {
    this.#stop?.();
    this.#stop = null;
  }

  /** Routes what the event log holds from `downAt` (less the clock overlap) on; resolves to the events routed. */
  async catchUp(gap: { downAt: number; upAt: number }): Promise<number> {
    this.counts.gaps++;
    try {
      const entries = await this.bus.readLog<DispatchEnvelope>(EVENT_LOG, { subjects: EVENT_SUBJECTS, sinceMs: gap.downAt - RESUME_GAP_OVERLAP_MS });
      const routed = this.router.catchUp(entries, gap);
      this.counts.events += routed;
      this.log.info({ awayMs: gap.upAt - gap.downAt, read: entries.length, routed }, 'caught up on gateway events missed while disconnected from NATS');
      return routed;
    } catch (err) {
      this.counts.failures++;
      this.log.warn({ err }, 'could not catch up on gateway events missed while disconnected from NATS');
      return 0;
    }
  }
}
