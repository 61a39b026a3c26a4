/**
 * The bus vocabulary every role shares, below all of them: each subject is named once, next to its payload type,
 * in the area file that owns it (gateway.ts, presence.ts, guild.ts, jobs.ts, accounts.ts). This file gathers them into the
 * maps the typed helpers check every call against: EventMap for publish/subscribe, RpcMap for request/serve,
 * QueueMap for durable queues. Roles call the bus only through these helpers (test/unit/layers.test.ts checks).
 *
 * To add an event: its subject and payload in the owning area file, a row in the right map here.
 */
import { AccountSubjects, type TokensRevoked } from './accounts.ts';
import type { Bus, ConsumeOptions, Consumer, DeliveryInfo, MessageHandler, RequestHandler, SubscribeOptions, Subscription } from '../bus/types.ts';
import { GatewaySubjects, type DispatchEnvelope, type ResumeJournalEntry, type SessionsReconnect, type SessionsTakeover } from './gateway.ts';
import { GuildSubjects, type GuildMembersReply, type GuildPartitionsServed, type GuildMembersRequest, type GuildSnapshotReply, type GuildSnapshotRequest } from './guild.ts';
import { Queues, deadQueue, type BlobDeleteJob, type EmbedJob, type PushJob, type PushMessageJob, type SearchIndexJob } from './jobs.ts';
import {
  PresenceSubjects,
  type PresenceNodeHeartbeat,
  type PresencePeerAnnounce,
  type PresenceResync,
  type PresenceQuery,
  type PresenceQueryReply,
  type PresenceSessionGone,
  type PresenceSessionUpdate,
} from './presence.ts';
import { SearchSubjects, type SearchQueryReply, type SearchQueryRequest } from './search.ts';

export * from './accounts.ts';
export * from './gateway.ts';
export * from './guild.ts';
export * from './jobs.ts';
export * from './presence.ts';
export * from './search.ts';

/** Every subject, by area. */
export const Subjects = { gateway: GatewaySubjects, presence: PresenceSubjects, guild: GuildSubjects, accounts: AccountSubjects, search: SearchSubjects } as const;
export { Queues, deadQueue };

// --- maps -----------------------------------------------------------------------------------------------------

/** publish / subscribe: subject (or pattern, `*` standing for a token) → payload. */
export interface EventMap {
  [guildDispatch: `gateway.guild.${string}`]: DispatchEnvelope;
  [userDispatch: `gateway.user.${string}`]: DispatchEnvelope;
  'presence.update': PresenceSessionUpdate;
  'presence.gone': PresenceSessionGone;
  'presence.heartbeat': PresenceNodeHeartbeat;
  'presence.peer': PresencePeerAnnounce;
  'presence.resync': PresenceResync;
  'sessions.reconnect': SessionsReconnect;
  'sessions.takeover': SessionsTakeover;
  'accounts.tokens.revoked': TokensRevoked;
  'guild.partitions.served': GuildPartitionsServed;
  [resumeJournal: `gateway.resume.${string}`]: ResumeJournalEntry;
}

/** request / serve: subject → request and reply payloads. */
export interface RpcMap {
  'presence.query': { request: PresenceQuery; reply: PresenceQueryReply };
  'guild.snapshot': { request: GuildSnapshotRequest; reply: GuildSnapshotReply };
  'guild.members': { request: GuildMembersRequest; reply: GuildMembersReply };
  [partitionSnapshot: `guild.p.${number}.snapshot`]: { request: GuildSnapshotRequest; reply: GuildSnapshotReply };
  [partitionMembers: `guild.p.${number}.members`]: { request: GuildMembersRequest; reply: GuildMembersReply };
  'search.query': { request: SearchQueryRequest; reply: SearchQueryReply };
}

/** enqueue / consume: queue → job payload. */
export interface LiveQueueMap {
  push: PushJob;
  'push.message': PushMessageJob;
  embed: EmbedJob;
  'search.index': SearchIndexJob;
  'blobs.delete': BlobDeleteJob;
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
