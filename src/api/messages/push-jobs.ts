/**
 * The push.message job of a new message, recorded in the message's own transaction like every outbox record
 * (messages/write.ts): the push role decides later, off the send path, who is notified. Nothing else is done
 * here, so a slow, failing or absent push role adds nothing to a send. Messages of bots' interactions and system
 * messages are pushed like any other; webhooks too (their author is no user, so nobody is skipped as the author).
 */
import { Queues } from '../../contracts/index.ts';
import type { OutboxRelay } from '../../contracts/outbox.ts';
import type { MessageRecord, OutboxRecord } from '../../store/types.ts';

type PushedMessage = Pick<MessageRecord, 'id' | 'channelId' | 'guildId' | 'authorId' | 'mentions' | 'mentionRoles' | 'mentionEveryone' | 'messageReference'>;

export const pushJobs = {
  created: (relay: OutboxRelay, m: PushedMessage): OutboxRecord[] => [
    relay.job(Queues.pushMessage, {
      messageId: m.id, channelId: m.channelId, ...(m.guildId ? { guildId: m.guildId } : {}), authorId: m.authorId,
      mentions: [...m.mentions], mentionRoles: [...m.mentionRoles], everyone: m.mentionEveryone,
      ...(m.messageReference?.messageId ? { replyToMessageId: m.messageReference.messageId } : {}),
    }),
  ],
};
