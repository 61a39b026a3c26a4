/**
 * Live interactions: what an invocation leaves for its callback and its follow-ups, in the store (`interactions`,
 * `interaction_messages`) so that any api process of a cluster can take the callback. Discord's rules: the token
 * is good for 15 minutes; the first response must come within 3 seconds, or the interaction fails (the user sees
 * "The application did not respond") and every later callback gets 10062; one response only (40060 after it).
 * "One response" is a compare-and-set of the stored state, so two processes cannot both answer. The 3 s deadline
 * is checked against the interaction's creation time at the callback; the process that took the invocation
 * also runs a timer that marks it failed and tells the user (INTERACTION_FAILURE).
 *
 * Tokens are stored as SHA-256 hashes. Ephemeral messages are stored here too, never in the channel's history
 * (messages.ts), with the `interaction_metadata` of every message an interaction made.
 */
import { randomBytes } from 'node:crypto';
import { sameHash, sha256Hex as hashToken } from '../../lib/secrets.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { InteractionRecord, InteractionState, Store } from '../../store/types.ts';
import type { MessageJson } from '../../shapes/message.ts';
import type { RouteContext } from '../route.ts';

/** Discord's windows. */
export const INTERACTION_TOKEN_MS = 15 * 60 * 1000;
export const INTERACTION_RESPONSE_MS = 3000;
/** How often a process clears expired interactions from the store. */
const SWEEP_EVERY_MS = 60_000;

export const InteractionType = { PING: 1, APPLICATION_COMMAND: 2, MESSAGE_COMPONENT: 3, APPLICATION_COMMAND_AUTOCOMPLETE: 4, MODAL_SUBMIT: 5 } as const;

/** What the api keeps about an interaction (stored as the record's `details`, but for the record's own fields). */
export interface LiveInteraction {
  id: Snowflake;
  type: number;
  applicationId: Snowflake;
  botUserId: Snowflake;
  userId: Snowflake;
  channelId: Snowflake;
  guildId: Snowflake | null;
  /** The delivered payload's `data` (name and command type for the response's metadata). */
  data: Record<string, unknown>;
  /** Command type (1 chat input, 2 user, 3 message) for APPLICATION_COMMAND interactions. */
  commandType: number | null;
  /** The component's message (MESSAGE_COMPONENT, and MODAL_SUBMIT from a component's modal). */
  messageId: Snowflake | null;
  /** `interaction_metadata` of the interaction that showed the modal this one submits. */
  triggering: Record<string, unknown> | null;
  createdAt: number;
  /** pending: nothing answered yet; acked: answered; failed: 3 s went by. */
  state: InteractionState;
  /** The invoking client's nonce, echoed in INTERACTION_SUCCESS / FAILURE / MODAL_CREATE. */
  nonce: string | null;
  /** The callback type that answered. */
  responseType: number | null;
  /** The message @original names, once there is one (for DEFERRED_UPDATE / UPDATE, the component's message). */
  originalId: Snowflake | null;
  /** Discord's `authorizing_integration_owners` (installation.ts); absent on interactions stored before it. */
  owners?: Record<string, string>;
  /** Interaction context type: 0 guild, 1 bot DM, 2 another private channel. */
  context?: number;
}

type Details = Omit<LiveInteraction, 'id' | 'applicationId' | 'userId' | 'createdAt' | 'state'>;

function live(r: InteractionRecord): LiveInteraction {
  const d = r.details as unknown as Details;
  return { ...d, id: r.id, applicationId: r.applicationId, userId: r.userId, createdAt: r.createdAt, state: r.state };
}

function detailsOf(i: LiveInteraction): Record<string, unknown> {
  const { id: _id, applicationId: _a, userId: _u, createdAt: _c, state: _s, ...details } = i;
  return details as unknown as Record<string, unknown>;
}

export class InteractionRegistry {
  #lastSweep = 0;

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  /** A token no one guesses: 72 random bytes, 96 URL-safe characters. */
  static newToken(): string {
    return randomBytes(72).toString('base64url');
  }

  /** Stores a new interaction; `onFail` follows its failure (no response within 3 s) when this process sees it. */
  async add(i: LiveInteraction, token: string, onFail: () => void): Promise<void> {
    await this.store.interactions.create({
      id: i.id, applicationId: i.applicationId, userId: i.userId, tokenHash: hashToken(token), state: 'pending', modalCustomId: null, createdAt: i.createdAt,
      details: detailsOf(i),
    });
    setTimeout(() => {
      this.store.interactions.setState(i.id, 'pending', 'failed').then((failed) => failed && onFail(), () => {});
    }, INTERACTION_RESPONSE_MS).unref();
    const now = this.now();
    if (now - this.#lastSweep > SWEEP_EVERY_MS) {
      this.#lastSweep = now;
      this.store.interactions.deleteOlderThan(now - INTERACTION_TOKEN_MS).catch(() => {});
    }
  }

  expired(i: Pick<LiveInteraction, 'createdAt'>): boolean {
    return this.now() - i.createdAt > INTERACTION_TOKEN_MS;
  }

  /** The interaction by id and token (constant-time check of the token's hash), while its 15 minutes last. */
  async byIdAndToken(id: string, token: string): Promise<LiveInteraction | null> {
    if (!/^\d{1,20}$/.test(id)) return null;
    const r = await this.store.interactions.get(id);
    if (!r || !sameHash(hashToken(token), r.tokenHash) || this.expired(r)) return null;
    return live(r);
  }

  /** The interaction of an application's token (the follow-up webhook paths), while its 15 minutes last. */
  async byToken(applicationId: string, token: string): Promise<LiveInteraction | null> {
    const r = await this.store.interactions.getByTokenHash(hashToken(token));
    if (!r || r.applicationId !== applicationId || this.expired(r)) return null;
    return live(r);
  }

  /**
   * Takes the right to answer: pending → acked, once, cluster-wide. Past the 3 s deadline it fails the
   * interaction instead. Returns the state the interaction was found in when this call could not take it.
   */
  async acknowledge(i: LiveInteraction): Promise<'taken' | InteractionState> {
    if (this.now() - i.createdAt > INTERACTION_RESPONSE_MS) {
      await this.store.interactions.setState(i.id, 'pending', 'failed');
      return (await this.store.interactions.get(i.id))?.state ?? 'failed';
    }
    if (await this.store.interactions.setState(i.id, 'pending', 'acked')) {
      i.state = 'acked';
      return 'taken';
    }
    return (await this.store.interactions.get(i.id))?.state ?? 'failed';
  }

  /** Gives the right to answer back (the response was refused before anything was made). */
  async release(i: LiveInteraction): Promise<void> {
    await this.store.interactions.setState(i.id, 'acked', 'pending');
    i.state = 'pending';
  }

  /** Stores what changed in `i` (its response, @original). */
  async save(i: LiveInteraction): Promise<void> {
    await this.store.interactions.update(i.id, { details: detailsOf(i) });
  }

  async rememberModal(i: LiveInteraction, customId: string): Promise<void> {
    await this.store.interactions.update(i.id, { modalCustomId: customId });
  }

  /** The interaction that showed `customId` to this user, taken (a modal is submitted once). */
  async takeModal(userId: string, applicationId: string, customId: string): Promise<LiveInteraction | null> {
    const r = await this.store.interactions.takeModal(applicationId, userId, customId, this.now() - INTERACTION_TOKEN_MS);
    return r ? live(r) : null;
  }

  /**
   * Records a message an interaction made (`interactionId`, `i`'s by default): its metadata, and the message
   * itself when ephemeral (never stored in history).
   */
  async putMessage(i: LiveInteraction, messageId: Snowflake, metadata: Record<string, unknown>, ephemeral: MessageJson | null, interactionId = i.id): Promise<void> {
    await this.store.interactions.putMessage({ messageId, interactionId, metadata, ephemeral, createdAt: this.now() });
  }

  /**
   * An ephemeral message the application showed this user: one of `i`'s, or of an earlier interaction of the same
   * application and user (a button on an ephemeral reply). Null otherwise.
   */
  async ephemeral(i: Pick<LiveInteraction, 'id' | 'applicationId' | 'userId' | 'channelId'>, messageId: string): Promise<{ json: MessageJson; metadata: Record<string, unknown>; interactionId: Snowflake } | null> {
    if (!/^\d{1,20}$/.test(messageId)) return null;
    const [m] = await this.store.interactions.getMessages([messageId]);
    if (!m || !m.ephemeral || m.ephemeral.channel_id !== i.channelId) return null;
    if (m.interactionId !== i.id) {
      const parent = await this.store.interactions.get(m.interactionId);
      if (!parent || parent.applicationId !== i.applicationId || parent.userId !== i.userId || this.expired(parent)) return null;
    }
    return { json: m.ephemeral as MessageJson, metadata: m.metadata, interactionId: m.interactionId };
  }

  async forgetMessage(messageId: Snowflake): Promise<void> {
    await this.store.interactions.deleteMessage(messageId);
  }

  /** Adds `interaction_metadata` and `interaction` to a message's JSON when an interaction made it. */
  async decorate<T extends Record<string, unknown>>(json: T): Promise<T> {
    const [m] = await this.store.interactions.getMessages([String(json.id)]);
    return m ? { ...json, ...m.metadata } : json;
  }
}

const registries = new WeakMap<RouteContext, InteractionRegistry>();

/** The api process's registry (one per route context). */
export function interactionsOf(ctx: RouteContext): InteractionRegistry {
  let r = registries.get(ctx);
  if (!r) {
    r = new InteractionRegistry(ctx.deps.store, () => ctx.deps.now());
    registries.set(ctx, r);
  }
  return r;
}
