/**
 * Routes the bus's dispatch envelopes to this node's sessions. One subscription per guild its sessions are in
 * (interest.ts: no node receives every guild's events) and one on `gateway.user.*`; each event is serialised
 * once (and once more without message content for bots lacking MESSAGE_CONTENT) and the same JSON goes to every
 * session. With the resume journal on, each encoding also carries the event's reference (resume-journal.ts).
 *
 * Per session, a guild event passes when: the session receives the guild (GUILD_CREATE sent, shard matches),
 * the envelope's userIds (if any) include the user, a bot has the event's intent (GUILD_MEMBER_UPDATE about
 * itself always passes), the user may VIEW_CHANNEL the envelope's channel (guild cache), and it is not the
 * user's own PRESENCE_UPDATE, nor, for a user session in a large guild, the presence of someone it did not
 * subscribe to (member-subscriptions.ts). Membership events also change which guilds local sessions receive.
 */
import type { DispatchEnvelope } from '../contracts/index.ts';
import { dispatchTarget, GatewaySubjects, subscribeEvent } from '../contracts/index.ts';
import type { Subscription } from '../bus/types.ts';
import { Intents } from '../protocol/intents.ts';
import { EncodedDispatch, isObject } from './codec.ts';
import { CONTENT_EVENTS, intentFor } from './event-intents.ts';
import { RecentIds } from './recent-ids.ts';
import { eventKey } from './resume-journal.ts';
import type { Gateway } from './gateway.ts';
import type { Session } from './session.ts';
import { ThreadListSync } from './thread-sync.ts';
import { keepsContent, withoutContent } from '../shapes/message-content.ts';


/** One event encoded at most once per variant, shared by every session it goes to. */
export class EventJson {
  #full: EncodedDispatch | undefined;
  #stripped: EncodedDispatch | undefined;
  /** A reply whose outer message keeps its content and whose referenced_message does not, and the other way round. */
  #outerOnly: EncodedDispatch | undefined;
  #replyOnly: EncodedDispatch | undefined;
  #json: string | undefined;
  /**
   * `subject` (the bus subject it came on) is given when the resume journal is on: each encoding then carries
   * the event's reference (codec.ts EventRef) so the journal stores that instead of the payload.
   */
  constructor(
    private readonly t: string,
    private readonly d: Record<string, unknown>,
    private readonly env?: DispatchEnvelope,
    private readonly subject?: string,
  ) {}
  get json(): string {
    return (this.#json ??= JSON.stringify(this.d));
  }
  get full(): EncodedDispatch {
    return (this.#full ??= this.#ref(new EncodedDispatch(this.t, this.json), false));
  }
  /**
   * Without MESSAGE_CONTENT: content, embeds, attachments, components (and poll) emptied, and so in every message
   * object it carries: a forward's snapshot, a reply's `referenced_message`. An auto moderation execution loses its
   * content and matched_content.
   */
  get stripped(): EncodedDispatch {
    if (this.#stripped === undefined && this.t === 'AUTO_MODERATION_ACTION_EXECUTION') {
      // "MESSAGE_CONTENT is required to receive content and matched_content fields".
      this.#stripped = this.#ref(new EncodedDispatch(this.t, JSON.stringify({ ...this.d, content: '', matched_content: '' })), true);
    }
    if (this.#stripped === undefined) {
      this.#stripped = this.#ref(new EncodedDispatch(this.t, JSON.stringify(withoutContent(this.d, true, true))), true);
    }
    return this.#stripped;
  }

  /**
   * What a bot session without MESSAGE_CONTENT gets, each message object judged on its own (keepsContent): a reply
   * that mentions the bot keeps its text, but the message it answers keeps its own only if the bot wrote it or is
   * mentioned in it, and the other way round. Each variant carries its journal reference, so a session resumed on
   * another node rebuilds the same one (resume-remote.ts).
   */
  forBotWithoutContent(userId: string): EncodedDispatch {
    const outer = keepsContent(this.d, userId);
    const reply = isObject(this.d.referenced_message) ? keepsContent(this.d.referenced_message, userId) : outer;
    if (outer && reply) return this.full;
    if (!outer && !reply) return this.stripped;
    return outer ? this.outerOnly : this.replyOnly;
  }
  /** The outer message's content kept, the answered one's emptied (journal variant 2). */
  get outerOnly(): EncodedDispatch {
    return (this.#outerOnly ??= this.#ref(new EncodedDispatch(this.t, JSON.stringify(withoutContent(this.d, false, true))), true, 2));
  }
  /** The outer message's content emptied, the answered one's kept (journal variant 3). */
  get replyOnly(): EncodedDispatch {
    return (this.#replyOnly ??= this.#ref(new EncodedDispatch(this.t, JSON.stringify(withoutContent(this.d, true, false))), true, 3));
  }
  #ref(e: EncodedDispatch, stripped: boolean, variant?: 2 | 3): EncodedDispatch {
    if (this.subject && this.env) e.ref = { key: eventKey(this.env, this.json), subject: this.subject, stripped, ...(variant ? { variant } : {}) };
    return e;
  }
}

const userIdOf = (d: Record<string, unknown>): string | undefined => (isObject(d.user) && typeof d.user.id === 'string' ? d.user.id : undefined);
/** Whether a THREAD_MEMBERS_UPDATE adds or removes `userId`. */
const namesThreadMember = (d: Record<string, unknown>, userId: string): boolean =>
  (Array.isArray(d.added_members) && d.added_members.some((m) => isObject(m) && m.user_id === userId)) ||
  (Array.isArray(d.removed_member_ids) && d.removed_member_ids.includes(userId));

export class Router {
  #subs: Subscription[] = [];
  readonly #recent: RecentIds;
  readonly #threadSync: ThreadListSync;

  constructor(private readonly gw: Gateway, dedupeIds?: number) {
    this.#recent = new RecentIds(dedupeIds);
    this.#threadSync = new ThreadListSync(gw.cache, gw.deps.store, gw.log, () => gw.now());
  }

  start(): void {
    const { bus } = this.gw.deps;
    const { counters, interest } = this.gw;
    interest.open((guildId) =>
      subscribeEvent(bus, GatewaySubjects.guildDispatch(guildId), (env) => {
        counters.guildEventsIn++;
        if (!interest.held(guildId)) counters.guildEventsUnrouted++;
        this.#safely(() => this.#firstTime(env) && this.onGuildEvent(env, guildId));
      }),
    );
    this.#subs.push(subscribeEvent(bus, GatewaySubjects.allUserDispatches, (env, subject) => this.#safely(() => this.#firstTime(env) && this.onUserEvent(env, dispatchTarget(subject)))));
    this.#subs.push(subscribeEvent(bus, GatewaySubjects.sessionsReconnect, (req) => this.#safely(() => this.gw.reconnectRequested(req))));
    this.#subs.push(subscribeEvent(bus, GatewaySubjects.sessionsTakeover, (req) => this.#safely(() => this.gw.takenOver(req))));
  }

  /**
   * Events the node missed while disconnected from NATS (catch-up.ts), oldest first: routed like live ones, those
   * with an outbox id through the dedupe, those without only if stored while the node was away. Returns how many
   * were routed.
   */
  catchUp(entries: ReadonlyArray<{ subject: string; payload: DispatchEnvelope; at: number }>, gap: { downAt: number; upAt: number }): number {
    let routed = 0;
    for (const { subject, payload: env, at } of entries) {
      if (!env || typeof env.t !== 'string') continue;
      const target = dispatchTarget(subject);
      const guild = subject.startsWith('gateway.guild.');
      if (guild ? !this.gw.interest.held(target) : !this.gw.registry.forUser(target)) continue;
      if (typeof env.id === 'string' ? !this.#firstTime(env) : at < gap.downAt || at >= gap.upAt) continue;
      routed++;
      this.#safely(() => (guild ? this.onGuildEvent(env, target) : this.onUserEvent(env, target)));
    }
    return routed;
  }

  stop(): void {
    this.gw.interest.close();
    for (const s of this.#subs) s.unsubscribe();
    this.#subs = [];
  }

  /**
   * `only`: route to that session alone, without touching the node's guild cache (a session being restored
   * from another node replays the event log through here, resume-remote.ts).
   */
  onGuildEvent(env: DispatchEnvelope, subjectGuildId: string, only?: Session): void {
    if (!env || typeof env.t !== 'string' || !isObject(env.d)) return;
    const { t, d } = env;
    const guildId = env.guildId ?? subjectGuildId;
    const { cache, registry } = this.gw;
    // Channels that gain access get their threads (THREAD_LIST_SYNC, thread-sync.ts): who sees what, noted first.
    const sync = only ? null : this.#threadSync.before(t, guildId, d, registry.forGuild(guildId));
    // Who may see what changes before the event is routed, except a deleted channel: its deletion goes to
    // those who could see it.
    if (t !== 'CHANNEL_DELETE' && !only) cache.apply(t, guildId, d);
    const target = t === 'GUILD_MEMBER_ADD' || t === 'GUILD_MEMBER_REMOVE' || t === 'GUILD_BAN_ADD' ? userIdOf(d) : undefined;
    const json = new EventJson(t, d, env, this.gw.journal ? GatewaySubjects.guildDispatch(subjectGuildId) : undefined);
    const local = registry.forGuild(guildId);
    const sessions = only ? (local?.has(only) ? [only] : []) : [...(local ?? [])];
    const now = this.gw.now();
    const presenceOf = t === 'PRESENCE_UPDATE' ? userIdOf(d) : undefined;
    // Read once per event: a user session in a large guild gets only the presences it follows (member-subscriptions.ts).
    const memberCount = presenceOf !== undefined ? cache.memberCount(guildId) : 0;
    for (const s of sessions) {
      if (target && s.user.id === target && t !== 'GUILD_MEMBER_ADD') continue; // gets GUILD_DELETE below
      if (!this.#passes(s, env, guildId, now)) continue;
      if (presenceOf !== undefined && s.subscriptions && memberCount > s.largeThreshold && !s.subscriptions.follows(guildId, presenceOf)) continue;
      const judged = s.bot && CONTENT_EVENTS.has(t) && !s.hasIntent(Intents.MESSAGE_CONTENT);
      s.dispatch(t, judged ? json.forBotWithoutContent(s.user.id) : json.full, t === 'PRESENCE_UPDATE' ? 'presence' : 'normal');
    }
    if (t === 'CHANNEL_DELETE' && !only) cache.apply(t, guildId, d);
    if (sync) this.#threadSync.after(sync);

    const targets = () => (only ? (only.user.id === target ? [only] : []) : [...(registry.forUser(target!) ?? [])]);
    if (target && t === 'GUILD_MEMBER_ADD') {
      for (const s of targets()) this.gw.joinGuild(s, guildId);
    } else if (target) {
      for (const s of targets()) this.gw.removeGuild(s, guildId, true);
    } else if (t === 'GUILD_DELETE') {
      for (const s of sessions) this.gw.removeGuild(s, guildId, false);
      if (!only) cache.drop(guildId);
    }
  }

  onUserEvent(env: DispatchEnvelope, userId: string, only?: Session): void {
    if (!env || typeof env.t !== 'string' || !isObject(env.d)) return;
    const sessions = only ? (only.user.id === userId ? new Set([only]) : undefined) : this.gw.registry.forUser(userId);
    if (!sessions) return;
    const { t, d } = env;
    const json = new EventJson(t, d, env, this.gw.journal ? GatewaySubjects.userDispatch(userId) : undefined);
    for (const s of [...sessions]) {
      s.subscriptions?.noteUserEvent(t, d, s.user.id);
      // The user joined a guild this node may not be subscribed to (api/dispatch.ts also sends it here).
      if (t === 'GUILD_MEMBER_ADD' && typeof d.guild_id === 'string') {
        if (userIdOf(d) === userId) this.gw.joinGuild(s, d.guild_id);
        continue;
      }
      if (t === 'GUILD_CREATE' && typeof d.id === 'string') {
        this.gw.addGuildFromPayload(s, d, json.full);
        continue;
      }
      if (t === 'GUILD_DELETE' && typeof d.id === 'string') {
        if (!s.guilds.has(d.id)) continue;
        if (!s.bot || s.hasIntent(Intents.GUILDS)) s.dispatch(t, json.full);
        this.gw.removeGuild(s, d.id, false);
        continue;
      }
      const guildId = typeof d.guild_id === 'string' ? d.guild_id : null;
      // An interaction reaches its application's bot even in a guild the bot is not in (a user install's command),
      // on the session whose shard the guild maps to, as Discord routes it.
      const interactionElsewhere = t === 'INTERACTION_CREATE' && guildId !== null && !s.guilds.has(guildId) && s.ownsGuild(guildId);
      if (!interactionElsewhere && (guildId ? s.guilds.get(guildId) !== 'available' : !s.ownsPrivate)) continue;
      if (s.bot) {
        const need = intentFor(t, guildId !== null);
        if (need && !s.hasIntent(need)) continue;
      }
      s.dispatch(t, json.full);
    }
  }

  #passes(s: Session, env: DispatchEnvelope, guildId: string, now: number): boolean {
    if (s.guilds.get(guildId) !== 'available') return false;
    if (env.userIds && !env.userIds.includes(s.user.id)) return false;
    const { t, d } = env;
    if (t === 'PRESENCE_UPDATE' && userIdOf(d) === s.user.id) return false;
    if (s.bot) {
      const need = intentFor(t, true);
      // About itself always: its own GUILD_MEMBER_UPDATE, and a THREAD_MEMBERS_UPDATE adding or removing it (Discord's
      // rule for bots without GUILD_MEMBERS).
      if (need && !s.hasIntent(need) && !(t === 'GUILD_MEMBER_UPDATE' && userIdOf(d) === s.user.id) && !(t === 'THREAD_MEMBERS_UPDATE' && namesThreadMember(d, s.user.id))) return false;
    }
    if (env.channelId && !this.gw.cache.canView(guildId, env.channelId, s.user.id, now)) return false;
    // Kept to holders of permissions: fails closed (no channel, or bits that are no bitfield, reach nobody).
    if (env.permissions !== undefined && (!env.channelId || !/^\d{1,20}$/.test(env.permissions) || !this.gw.cache.holds(guildId, env.channelId, s.user.id, BigInt(env.permissions), now))) return false;
    return true;
  }

  /** False for a repeat of an outbox event already routed (at-least-once publishing; see contracts/outbox.ts). */
  #firstTime(env: DispatchEnvelope): boolean {
    if (typeof env?.id !== 'string') return true;
    if (this.#recent.firstTime(env.id)) return true;
    this.gw.counters.duplicatesDropped++;
    return false;
  }

  #safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.gw.log.error({ err }, 'routing an event failed');
    }
  }
}
