/**
 * The one write path for messages, their reactions and pins, and the message deletes of a ban. Each write stores its change and, in the same database
 * transaction, outbox records of what must follow it (the gateway dispatch to the channel's audience); after
 * commit the relay publishes them (contracts/outbox.ts). Nothing here publishes to the bus directly, so a crash
 * between commit and publish delays an event but never loses it.
 *
 * Jobs for the durable queues (search.index, push, embed) are recorded the same way, `relay.job(...)`, once the
 * role that consumes each queue exists; until then nothing enqueues work nobody takes. Every write that adds,
 * changes, pins or removes messages records its search.index job (messages/search-jobs.ts). A created or edited
 * message whose content has links gets an embed job when the caller says it may (`unfurl`: the author has
 * EMBED_LINKS) and it is not SUPPRESS_EMBEDS.
 *
 * Files: every write that lets go of attachments (an edit dropping some, a delete, a bulk delete, a ban's message
 * deletes, a channel or guild delete) records a `blobs.delete` job in its transaction, naming the blob keys of
 * exactly the attachments the deleted rows held (the store hands them over, read in the same transaction) or the
 * channel's key prefix; the cdn role deletes the bytes after the commit, off the request. A create or edit that
 * adds uploaded files takes their rows off the pending-upload ledger in its transaction (`uploadKeys`,
 * messages/uploads.ts), so from the commit on they are the message's files and no sweep touches them.
 */
import { GatewaySubjects, Queues } from '../../contracts/index.ts';
import type { DispatchEnvelope } from '../../contracts/gateway.ts';
import { attachmentBlobKey, channelAttachmentsPrefix } from '../../media/attachments.ts';
import { SUPPRESS_EMBEDS_FLAG, unfurlUrls } from '../../protocol/message-urls.ts';
import type { EventDataRef, OutboxRelay } from '../../contracts/outbox.ts';
import { pushJobs } from './push-jobs.ts';
import { searchJobs } from './search-jobs.ts';
import { MessageType } from '../../protocol/message-types.ts';
import { isThread, threadEnvelope } from '../channels/threads.ts';
import type { AuditLogEntryRecord, BanRecord, BanResult, ChannelRecord, EmojiRef, MessageRecord, OutboxRecord, PollVoteChange, RemovedAttachment, Store } from '../../store/types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';

type Payload = Record<string, unknown>;
/** Keys per blobs.delete job: a ban can delete thousands of messages' files; jobs stay small messages. */
const KEYS_PER_JOB = 500;
type MessagePatch = Parameters<Store['messages']['update']>[2];

export class MessageWrites {
  constructor(
    private readonly store: Store,
    private readonly relay: OutboxRelay,
  ) {}

  /**
   * Outbox records of one dispatch to everyone who may see the channel (its guild, or a DM's recipients). With
   * `ref`, the rows name the stored data instead of holding it (contracts/outbox.ts eventByReference).
   */
  async dispatchRecords(channel: ChannelRecord, t: string, d: Payload, ref?: EventDataRef): Promise<OutboxRecord[]> {
    const record = (subject: `gateway.${'guild' | 'user'}.${string}`, envelope: DispatchEnvelope) =>
      ref ? this.relay.eventByReference(subject, envelope, ref) : this.relay.event(subject, envelope);
    // A thread's events go to its parent's viewers (a private thread's: its members and managers).
    if (channel.guildId && isThread(channel)) return [record(GatewaySubjects.guildDispatch(channel.guildId), { t, d, guildId: channel.guildId, ...(await threadEnvelope(this.store, channel)) })];
    if (channel.guildId) return [record(GatewaySubjects.guildDispatch(channel.guildId), { t, d, guildId: channel.guildId, channelId: channel.id })];
    const recipients = await this.store.channels.listRecipients(channel.id);
    return [...new Set(recipients)].map((userId) => record(GatewaySubjects.userDispatch(userId), { t, d }));
  }

  /** The embed job for `message` as it will be stored, when it has links to unfurl. */
  embedJobRecords(message: Pick<MessageRecord, 'id' | 'channelId' | 'guildId' | 'content' | 'flags'>, unfurl: boolean): OutboxRecord[] {
    if (!unfurl || message.flags & SUPPRESS_EMBEDS_FLAG) return [];
    const urls = unfurlUrls(message.content);
    if (urls.length === 0) return [];
    return [this.relay.job(Queues.embed, { messageId: message.id, channelId: message.channelId, ...(message.guildId ? { guildId: message.guildId } : {}), urls })];
  }

  /** blobs.delete jobs for the files of removed attachments (none when there are none). */
  fileJobRecords(removed: readonly RemovedAttachment[]): OutboxRecord[] {
    const keys = removed.map((r) => attachmentBlobKey(r.channelId, r.attachmentId));
    const out: OutboxRecord[] = [];
    for (let i = 0; i < keys.length; i += KEYS_PER_JOB) out.push(this.relay.job(Queues.blobsDelete, { keys: keys.slice(i, i + KEYS_PER_JOB) }));
    return out;
  }

  /** The blobs.delete job for every file of these channels' messages. */
  channelFilesRecords(channelIds: readonly Snowflake[]): OutboxRecord[] {
    return channelIds.length ? [this.relay.job(Queues.blobsDelete, { prefixes: channelIds.map(channelAttachmentsPrefix) })] : [];
  }

  /** `uploadKeys`: the blob keys of the uploaded files the message names (messages/uploads.ts keysOf). */
  async create(
    channel: ChannelRecord, record: MessageRecord, mentionUserIds: readonly Snowflake[], event: Payload, opts: { unfurl?: boolean; uploadKeys?: readonly string[] } = {},
  ): Promise<MessageRecord> {
    const outbox = await this.#createRecords(channel, record, event, opts.unfurl ?? false);
    const message = await this.store.messages.create(record, { mentionUserIds, outbox, uploadKeys: opts.uploadKeys });
    await this.relay.published(outbox);
    return message;
  }

  /**
   * An enforce_nonce send: `create`, unless the author's send with `nonce` since `sinceMs` is stored (by any api
   * node, even one that died before answering); then nothing is written or published and that message comes back.
   */
  async createOnce(
    channel: ChannelRecord, record: MessageRecord, nonce: string, sinceMs: number, mentionUserIds: readonly Snowflake[], event: Payload,
    opts: { unfurl?: boolean; uploadKeys?: readonly string[] } = {},
  ): Promise<{ message: MessageRecord; created: boolean }> {
    const outbox = await this.#createRecords(channel, record, event, opts.unfurl ?? false);
    const result = await this.store.messages.createOnce(record, nonce, sinceMs, { mentionUserIds, outbox, uploadKeys: opts.uploadKeys });
    if (result.created) await this.relay.published(outbox);
    return result;
  }

  async #createRecords(channel: ChannelRecord, record: MessageRecord, event: Payload, unfurl: boolean): Promise<OutboxRecord[]> {
    // The message is stored in the same transaction: its event is recorded by reference (the bulk of a send's writes).
    const ref: EventDataRef = { of: 'message', channelId: record.channelId, messageId: record.id, ...(event.nonce !== undefined ? { nonce: event.nonce as string | number } : {}) };
    const outbox = [...(await this.dispatchRecords(channel, 'MESSAGE_CREATE', event, ref)), ...this.embedJobRecords(record, unfurl)];
    // A join message has no text to search and notifies nobody (messages/system.ts postJoinMessage).
    if (record.type !== MessageType.USER_JOIN) outbox.push(...searchJobs.upsert(this.relay, record), ...pushJobs.created(this.relay, record));
    return outbox;
  }

  /**
   * `unfurl`: queue an embed job for the edited message (its content changed, or SUPPRESS_EMBEDS went off). A
   * patch of `attachments` deletes the files of those it leaves out; `uploadKeys` are the blob keys of the uploaded
   * files it adds.
   */
  async update(
    channel: ChannelRecord, message: MessageRecord, patch: MessagePatch, event: Payload, opts: { unfurl?: boolean; uploadKeys?: readonly string[]; pollAdded?: boolean } = {},
  ): Promise<MessageRecord> {
    const kept = new Set(patch.attachments?.map((a) => a.id));
    const dropped = patch.attachments ? message.attachments.filter((a) => !kept.has(a.id)).map((a) => ({ channelId: message.channelId, attachmentId: a.id })) : [];
    const outbox = [
      ...(await this.dispatchRecords(channel, 'MESSAGE_UPDATE', event)),
      ...this.embedJobRecords({ ...message, ...patch }, opts.unfurl ?? false),
      ...this.fileJobRecords(dropped),
      ...searchJobs.upsert(this.relay, message),
    ];
    const updated = await this.store.messages.update(message.channelId, message.id, patch, { outbox, uploadKeys: opts.uploadKeys, ...(opts.pollAdded ? { pollAdded: true } : {}) });
    await this.relay.published(outbox);
    return updated;
  }

  /** `audit`: the audit log entry of a moderator's delete, stored in the same transaction. */
  async delete(channel: ChannelRecord, message: MessageRecord, audit?: readonly AuditLogEntryRecord[]): Promise<void> {
    const outbox = await this.dispatchRecords(channel, 'MESSAGE_DELETE', { id: message.id, channel_id: message.channelId, ...guildField(message.guildId) });
    await this.store.messages.delete(message.channelId, message.id, {
      audit,
      outbox: (_, removed) => {
        outbox.push(...this.fileJobRecords(removed), ...searchJobs.delete(this.relay, message.channelId, message.guildId, [message.id]));
        return outbox;
      },
    });
    await this.#uncount(channel, [message.id]);
    await this.relay.published(outbox);
  }

  /**
   * A thread's message_count goes down with its deleted messages ("when a message is deleted, message_count is
   * decremented, but total_message_sent will not be"); a forum post's first message (the thread's own id) was never
   * counted.
   */
  async #uncount(channel: ChannelRecord, deleted: readonly Snowflake[]): Promise<void> {
    if (!isThread(channel)) return;
    await this.store.threads.messagesDeleted(channel.id, deleted.filter((id) => id !== channel.id).length);
  }

  /** Deletes what exists of `ids`; the one MESSAGE_DELETE_BULK names exactly the messages deleted. */
  async bulkDelete(channel: ChannelRecord, ids: readonly Snowflake[], audit?: (deleted: Snowflake[]) => AuditLogEntryRecord[]): Promise<Snowflake[]> {
    const records: OutboxRecord[] = [];
    // Guild channels only (Discord refuses bulk deletes in DMs), so the audience needs no read in the transaction.
    const guildId = channel.guildId!;
    const deleted = await this.store.messages.bulkDelete(channel.id, ids, {
      audit,
      outbox: (gone, removed) => {
        if (gone.length) records.push(this.relay.event(GatewaySubjects.guildDispatch(guildId), { t: 'MESSAGE_DELETE_BULK', d: { ids: gone, channel_id: channel.id, guild_id: guildId }, guildId, channelId: channel.id }));
        records.push(...this.fileJobRecords(removed), ...searchJobs.delete(this.relay, channel.id, guildId, gone));
        return records;
      },
    });
    await this.#uncount(channel, deleted);
    await this.relay.published(records);
    return deleted;
  }

  /** Adds the reaction; the dispatch goes out only when it was not there already. */
  async addReaction(channel: ChannelRecord, message: MessageRecord, emoji: EmojiRef, userId: Snowflake, event: Payload): Promise<boolean> {
    const outbox = await this.dispatchRecords(channel, 'MESSAGE_REACTION_ADD', event);
    const added = await this.store.reactions.add(message.channelId, message.id, emoji, userId, { outbox });
    if (added) await this.relay.published(outbox);
    return added;
  }

  /** Removes the reaction; the dispatch goes out only when there was one. */
  async removeReaction(channel: ChannelRecord, message: MessageRecord, emoji: EmojiRef, userId: Snowflake, event: Payload): Promise<boolean> {
    const outbox = await this.dispatchRecords(channel, 'MESSAGE_REACTION_REMOVE', event);
    const removed = await this.store.reactions.remove(message.channelId, message.id, emoji, userId, { outbox });
    if (removed) await this.relay.published(outbox);
    return removed;
  }

  async removeAllReactions(channel: ChannelRecord, message: MessageRecord, event: Payload): Promise<void> {
    const outbox = await this.dispatchRecords(channel, 'MESSAGE_REACTION_REMOVE_ALL', event);
    await this.store.reactions.removeAll(message.channelId, message.id, { outbox });
    await this.relay.published(outbox);
  }

  /**
   * Pins or unpins; CHANNEL_PINS_UPDATE and the MESSAGE_UPDATE (rendered by the caller with the new `pinned`)
   * go out only when the pin changed.
   */
  async setPinned(channel: ChannelRecord, message: MessageRecord, pinned: boolean, at: number, pinsEvent: Payload, messageEvent: Payload, audit?: readonly AuditLogEntryRecord[]): Promise<boolean> {
    const outbox = [...(await this.dispatchRecords(channel, 'CHANNEL_PINS_UPDATE', pinsEvent)), ...(await this.dispatchRecords(channel, 'MESSAGE_UPDATE', messageEvent))];
    outbox.push(...searchJobs.pinned(this.relay, message, pinned));
    const changed = pinned
      ? await this.store.pins.pin(channel.id, message.id, at, { outbox, audit })
      : await this.store.pins.unpin(channel.id, message.id, { outbox, audit });
    if (changed) await this.relay.published(outbox);
    return changed;
  }

  /**
   * Bans the user (and deletes their recent messages) with GUILD_BAN_ADD, GUILD_MEMBER_REMOVE when they were a
   * member, and one MESSAGE_DELETE_BULK per channel that lost messages, all recorded in the ban's transaction.
   */
  async ban(ban: BanRecord, deleteMessagesSince: number | undefined, user: Payload, audit?: readonly AuditLogEntryRecord[]): Promise<BanResult> {
    const guildId = ban.guildId;
    const to = GatewaySubjects.guildDispatch(guildId);
    const records: OutboxRecord[] = [];
    const result = await this.store.bans.create(ban, deleteMessagesSince, {
      audit,
      outbox: ({ deletedMessages, wasMember }, removed) => {
        records.push(this.relay.event(to, { t: 'GUILD_BAN_ADD', d: { guild_id: guildId, user }, guildId }));
        if (wasMember) records.push(this.relay.event(to, { t: 'GUILD_MEMBER_REMOVE', d: { guild_id: guildId, user }, guildId }));
        for (const [channelId, ids] of deletedMessages) {
          if (ids.length) records.push(this.relay.event(to, { t: 'MESSAGE_DELETE_BULK', d: { ids, channel_id: channelId, guild_id: guildId }, guildId, channelId }), ...searchJobs.delete(this.relay, channelId, guildId, ids));
        }
        records.push(...this.fileJobRecords(removed));
        return records;
      },
    });
    await this.relay.published(records);
    return result;
  }

  /** Deletes a guild channel with its messages; their files go after the commit (one job in its transaction). */
  async deleteChannel(channelId: Snowflake, audit?: readonly AuditLogEntryRecord[]): Promise<void> {
    const outbox = [...this.channelFilesRecords([channelId]), ...searchJobs.channels(this.relay, [channelId])];
    await this.store.channels.delete(channelId, { outbox, audit });
    await this.relay.published(outbox);
  }

  /**
   * The files of a channel the store deleted in a write of its own (the last member leaving a group DM): the job
   * goes out after that commit, so a crash in between leaves them behind.
   */
  async channelFilesGone(channelId: Snowflake): Promise<void> {
    await this.relay.published([...this.channelFilesRecords([channelId]), ...searchJobs.channels(this.relay, [channelId])]);
  }

  /** Deletes the guild with every channel; the files of all their messages go after the commit. */
  async deleteGuild(guildId: Snowflake): Promise<void> {
    const records: OutboxRecord[] = [];
    await this.store.guilds.delete(guildId, { outbox: (channelIds) => (records.push(...this.channelFilesRecords(channelIds), ...searchJobs.guild(this.relay, guildId)), records) });
    await this.relay.published(records);
  }

  /**
   * Replaces the user's votes on the poll with `answerIds` (empty: no vote); one MESSAGE_POLL_VOTE_REMOVE per
   * answer dropped and one MESSAGE_POLL_VOTE_ADD per answer added, recorded in the votes' transaction.
   */
  async setPollVotes(channel: ChannelRecord, message: MessageRecord, userId: Snowflake, answerIds: readonly number[]): Promise<PollVoteChange> {
    const recipients = channel.guildId ? [] : [...new Set(await this.store.channels.listRecipients(channel.id))];
    const dispatch = (t: string, d: Payload): OutboxRecord[] => channel.guildId
      ? [this.relay.event(GatewaySubjects.guildDispatch(channel.guildId), { t, d, guildId: channel.guildId, channelId: channel.id })]
      : recipients.map((id) => this.relay.event(GatewaySubjects.userDispatch(id), { t, d }));
    const base = { user_id: userId, channel_id: message.channelId, message_id: message.id, ...guildField(message.guildId) };
    const records: OutboxRecord[] = [];
    const change = await this.store.pollVotes.setVotes(message.channelId, message.id, userId, answerIds, {
      outbox: ({ added, removed }) => {
        for (const a of removed) records.push(...dispatch('MESSAGE_POLL_VOTE_REMOVE', { ...base, answer_id: a }));
        for (const a of added) records.push(...dispatch('MESSAGE_POLL_VOTE_ADD', { ...base, answer_id: a }));
        return records;
      },
    });
    await this.relay.published(records);
    return change;
  }

  /** Announces a poll's natural end (MESSAGE_UPDATE with final results) unless another writer already did. */
  async pollEnded(channel: ChannelRecord, message: MessageRecord, event: Payload): Promise<boolean> {
    const outbox = await this.dispatchRecords(channel, 'MESSAGE_UPDATE', event);
    const claimed = await this.store.pollVotes.claimEnding(message.channelId, message.id, { outbox });
    if (claimed) await this.relay.published(outbox);
    return claimed;
  }

  async removeEmojiReactions(channel: ChannelRecord, message: MessageRecord, emoji: EmojiRef, event: Payload): Promise<void> {
    const outbox = await this.dispatchRecords(channel, 'MESSAGE_REACTION_REMOVE_EMOJI', event);
    await this.store.reactions.removeEmoji(message.channelId, message.id, emoji, { outbox });
    await this.relay.published(outbox);
  }
}

function guildField(guildId: string | null): Payload {
  return guildId ? { guild_id: guildId } : {};
}
