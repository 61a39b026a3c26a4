/**
 * The typed event map: every subject the roles share, with its payload. Subjects are built here (Subjects,
 * Queues) and checked against the maps (EventMap for publish/subscribe, RpcMap for request/serve, QueueMap for
 * durable queues) by the typed helpers at the bottom. A role that owns a request/reply contract keeps its
 * payload types next to its code (presence/contract.ts, guild/contract.ts); this file names them, so a subject
 * and its payload cannot drift apart.
 *
 * To add an event: a builder or constant in Subjects, a row in the right map, and (if it is new vocabulary)
 * the payload interface here or in the owning role's contract file.
 */
import type { Bus, ConsumeOptions, Consumer, DeliveryInfo, MessageHandler, RequestHandler, SubscribeOptions, Subscription } from './types.ts';
import type {
  PresenceNodeHeartbeat,
  PresenceQuery,
  PresenceQueryReply,
  PresenceSessionGone,
  PresenceSessionUpdate,
  PresenceSubjects,
} from '../presence/contract.ts';
import type {
  GuildMembersReply,
  GuildMembersRequest,
  GuildSnapshotReply,
  GuildSnapshotRequest,
  GuildSubjects,
} from '../guild/contract.ts';

// --- payloads owned by the bus ------------------------------------------------------------------------------

/** A gateway dispatch on its way to sessions; `d` is exactly what clients receive. */
export interface DispatchEnvelope {
  /** Gateway event name, e.g. MESSAGE_CREATE. */
  t: string;
  d: Record<string, unknown>;
  guildId?: string;
  /** When set, only sessions whose user may VIEW_CHANNEL there receive it. */
  channelId?: string;
  /** When set on a guild event, only these users receive it. */
  userIds?: string[];
}

/** Ask sessions nodes to send op 7 RECONNECT (rolling restarts, moving users between nodes). */
export interface SessionsReconnect {
  /** Only sessions held by this node; absent means every node. */
  nodeId?: string;
  /** Only these users' sessions; absent means all of them. */
  userIds?: string[];
  reason: string;
}

/** A message needs push notifications: mentioned users or DM recipients (the push role skips users online). */
export interface PushJob {
  messageId: string;
  channelId: string;
  guildId?: string;
  recipientIds: string[];
}

/** A message has URLs to unfurl; the embed role answers with MESSAGE_UPDATE. */
export interface EmbedJob {
  messageId: string;
  channelId: string;
  guildId?: string;
  urls: string[];
}

/** Messages to (re)index or drop; the search role reads their current state from the store in batches. */
export interface SearchIndexJob {
  op: 'upsert' | 'delete';
  channelId: string;
  guildId?: string;
  messageIds: string[];
}

// --- subjects -------------------------------------------------------------------------------------------------

export const Subjects = {
  /** publish: DispatchEnvelope for everyone in a guild (narrowed by channelId / userIds). */
  guildDispatch: (guildId: string) => `gateway.guild.${guildId}` as const,
  /** publish: DispatchEnvelope for one user's sessions (DMs, GUILD_DELETE after a kick, USER_UPDATE …). */
  userDispatch: (userId: string) => `gateway.user.${userId}` as const,
  /** subscribe pattern: every guild dispatch (guild role, metrics). */
  allGuildDispatches: 'gateway.guild.*',
  /** publish: PresenceSessionUpdate. */
  presenceUpdate: 'presence.update',
  /** publish: PresenceSessionGone. */
  presenceGone: 'presence.gone',
  /** publish: PresenceNodeHeartbeat. */
  presenceHeartbeat: 'presence.heartbeat',
  /** request: PresenceQuery → PresenceQueryReply. */
  presenceQuery: 'presence.query',
  /** request: GuildSnapshotRequest → GuildSnapshotReply. */
  guildSnapshot: 'guild.snapshot',
  /** request: GuildMembersRequest → GuildMembersReply. */
  guildMembers: 'guild.members',
  /** publish: SessionsReconnect. */
  sessionsReconnect: 'sessions.reconnect',
} as const;

export const Queues = {
  push: 'push',
  embed: 'embed',
  searchIndex: 'search.index',
} as const;

/** The dead-letter queue of `queue` (see Bus). */
export const deadQueue = <Q extends string>(queue: Q) => `${queue}.dead` as const;

// The role contracts name the same subjects; this fails to compile if either side renames one.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const subjectsAgree: [
  Same<typeof PresenceSubjects.update, typeof Subjects.presenceUpdate>,
  Same<typeof PresenceSubjects.gone, typeof Subjects.presenceGone>,
  Same<typeof PresenceSubjects.heartbeat, typeof Subjects.presenceHeartbeat>,
  Same<typeof PresenceSubjects.query, typeof Subjects.presenceQuery>,
  Same<typeof GuildSubjects.snapshot, typeof Subjects.guildSnapshot>,
  Same<typeof GuildSubjects.members, typeof Subjects.guildMembers>,
] = [true, true, true, true, true, true];
void subjectsAgree;

// --- maps -----------------------------------------------------------------------------------------------------

/** publish / subscribe: subject (or pattern, `*` standing for a token) → payload. */
export interface EventMap {
  [guildDispatch: `gateway.guild.${string}`]: DispatchEnvelope;
  [userDispatch: `gateway.user.${string}`]: DispatchEnvelope;
  'presence.update': PresenceSessionUpdate;
  'presence.gone': PresenceSessionGone;
  'presence.heartbeat': PresenceNodeHeartbeat;
  'sessions.reconnect': SessionsReconnect;
}

/** request / serve: subject → request and reply payloads. */
export interface RpcMap {
  'presence.query': { request: PresenceQuery; reply: PresenceQueryReply };
  'guild.snapshot': { request: GuildSnapshotRequest; reply: GuildSnapshotReply };
  'guild.members': { request: GuildMembersRequest; reply: GuildMembersReply };
}

/** enqueue / consume: queue → job payload. */
export interface LiveQueueMap {
  push: PushJob;
  embed: EmbedJob;
  'search.index': SearchIndexJob;
}

/** Every queue, dead-letter queues included (a dead letter keeps its original payload). */
export type QueueMap = LiveQueueMap & { [Q in keyof LiveQueueMap as `${Q}.dead`]: LiveQueueMap[Q] };

export type EventSubject = keyof EventMap;
export type RpcSubject = keyof RpcMap;
export type QueueName = keyof QueueMap;

// --- typed helpers ----------------------------------------------------------------------------------------------

export function publishEvent<S extends EventSubject>(bus: Bus, subject: S, payload: EventMap[S]): void {
  bus.publish(subject, payload);
}

export function subscribeEvent<S extends EventSubject>(
  bus: Bus,
  subject: S,
  handler: MessageHandler<EventMap[S]>,
  opts?: SubscribeOptions,
): Subscription {
  return bus.subscribe<EventMap[S]>(subject, handler, opts);
}

export function requestRpc<S extends RpcSubject>(
  bus: Bus,
  subject: S,
  request: RpcMap[S]['request'],
  opts: { timeoutMs: number },
): Promise<RpcMap[S]['reply']> {
  return bus.request<RpcMap[S]['reply']>(subject, request, opts);
}

export function serveRpc<S extends RpcSubject>(
  bus: Bus,
  subject: S,
  handler: RequestHandler<RpcMap[S]['request'], RpcMap[S]['reply']>,
  opts?: SubscribeOptions,
): Subscription {
  return bus.serve(subject, handler, opts);
}

export function enqueueJob<Q extends QueueName>(bus: Bus, queue: Q, job: QueueMap[Q]): Promise<void> {
  return bus.enqueue(queue, job);
}

export function consumeJobs<Q extends QueueName>(
  bus: Bus,
  queue: Q,
  handler: (job: QueueMap[Q], info: DeliveryInfo) => Promise<void>,
  opts?: ConsumeOptions,
): Promise<Consumer> {
  return bus.consume<QueueMap[Q]>(queue, handler, opts);
}
