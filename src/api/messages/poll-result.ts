/**
 * The poll result message Discord posts when a poll ends (at its expiry, announced by PollEndings, or ended early
 * through POST …/expire): type 46 POLL_RESULT, authored by the poll's author, replying to the poll through
 * `message_reference`, with one embed of type `poll_result` whose fields carry the question, the winning answer
 * (id, text, emoji, votes; left out on a tie or without votes, as Discord does) and the total vote count.
 */
import { MessageType } from '../../protocol/message-types.ts';
import type { ChannelRecord, MessageRecord } from '../../store/types.ts';
import type { ApiDeps } from '../deps.ts';
import { eventPayload, renderMessage } from '../../shapes/message.ts';
import { renderMedia } from './attachments.ts';
import { systemMessageRecord } from './system.ts';
import type { MessageWrites } from './write.ts';


/** The `poll_result` embed of a poll with these counts. */
export function pollResultEmbed(poll: NonNullable<MessageRecord['poll']>, counts: ReadonlyArray<{ answerId: number; count: number }>) {
  const total = counts.reduce((n, c) => n + c.count, 0);
  const top = Math.max(0, ...counts.map((c) => c.count));
  const leaders = counts.filter((c) => c.count === top && top > 0);
  const victor = leaders.length === 1 ? poll.answers.find((a) => a.id === leaders[0]!.answerId) : undefined;
  const field = (name: string, value: string) => ({ name, value, inline: false });
  const fields = [field('poll_question_text', poll.question)];
  if (victor) {
    fields.push(field('victor_answer_votes', String(top)), field('total_votes', String(total)), field('victor_answer_id', String(victor.id)), field('victor_answer_text', victor.text));
    if (victor.emoji?.id) fields.push(field('victor_answer_emoji_id', victor.emoji.id));
    if (victor.emoji?.name) fields.push(field('victor_answer_emoji_name', victor.emoji.name));
    if (victor.emoji?.id) fields.push(field('victor_answer_emoji_animated', String(Boolean((victor.emoji as { animated?: boolean }).animated))));
  } else {
    fields.push(field('victor_answer_votes', '0'), field('total_votes', String(total)));
  }
  return { type: 'poll_result', fields };
}

/** Stores the result message of the ended poll `message` and sends its MESSAGE_CREATE. A failure is logged. */
export async function postPollResult(deps: ApiDeps, writes: MessageWrites, channel: ChannelRecord, message: MessageRecord): Promise<void> {
  if (!message.poll) return;
  try {
    const { store } = deps;
    const counts = (await store.pollVotes.counts(message.channelId, [message.id], null)).get(message.id) ?? [];
    const record = systemMessageRecord(deps.ids.next(), channel, message.authorId, MessageType.POLL_RESULT, {
      reference: { type: 0, messageId: message.id, channelId: channel.id, ...(channel.guildId ? { guildId: channel.guildId } : {}) },
    });
    record.embeds = [pollResultEmbed(message.poll, counts)];
    // A webhook's poll: its result is the webhook's too.
    if (message.webhookId) record.webhookId = message.webhookId;
    const json = await renderMessage(store, record, { viewerId: null, fresh: true, media: renderMedia(deps) });
    await writes.create(channel, record, [], await eventPayload(store, record, json));
  } catch (err) {
    deps.log.warn({ err, channelId: message.channelId, messageId: message.id }, 'poll result message not posted');
  }
}
