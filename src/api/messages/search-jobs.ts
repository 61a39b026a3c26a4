/**
 * The search.index jobs of message writes, recorded in the write's own transaction like every outbox record
 * (messages/write.ts): the search role re-reads upserted messages from the store, so a job names ids only.
 * A create or edit upserts, a delete drops, a pin changes the pinned state, and a channel or guild delete drops
 * everything of it.
 */
import { Queues, type SearchIndexJob } from '../../contracts/index.ts';
import type { OutboxRelay } from '../../contracts/outbox.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { OutboxRecord } from '../../store/types.ts';

/** Ids per job: a ban or bulk delete can name thousands of messages; jobs stay small messages. */
const IDS_PER_JOB = 500;

type MessageRef = { id: Snowflake; channelId: Snowflake; guildId: Snowflake | null };

export const searchJobs = {
  upsert: (relay: OutboxRelay, message: MessageRef): OutboxRecord[] => jobs(relay, 'upsert', message.channelId, message.guildId, [message.id]),

  delete: (relay: OutboxRelay, channelId: Snowflake, guildId: Snowflake | null, messageIds: readonly Snowflake[]): OutboxRecord[] =>
    jobs(relay, 'delete', channelId, guildId, messageIds),

  pinned: (relay: OutboxRelay, message: MessageRef, pinned: boolean): OutboxRecord[] =>
    jobs(relay, pinned ? 'pin' : 'unpin', message.channelId, message.guildId, [message.id]),

  /** Every message of these channels (a channel delete, the last member leaving a group DM). */
  channels: (relay: OutboxRelay, channelIds: readonly Snowflake[]): OutboxRecord[] =>
    channelIds.map((channelId) => relay.job(Queues.searchIndex, { op: 'delete-channel', channelId, messageIds: [] })),

  guild: (relay: OutboxRelay, guildId: Snowflake): OutboxRecord[] => [relay.job(Queues.searchIndex, { op: 'delete-guild', channelId: guildId, guildId, messageIds: [] })],
};

function jobs(relay: OutboxRelay, op: SearchIndexJob['op'], channelId: Snowflake, guildId: Snowflake | null, ids: readonly Snowflake[]): OutboxRecord[] {
  const out: OutboxRecord[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_JOB) {
    out.push(relay.job(Queues.searchIndex, { op, channelId, ...(guildId ? { guildId } : {}), messageIds: ids.slice(i, i + IDS_PER_JOB) }));
  }
  return out;
}
