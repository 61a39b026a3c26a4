/**
 * Message content over REST for bots, as Discord documents for apps without the MESSAGE_CONTENT intent: "empty
 * values in fields that expose message content across Discord's APIs" — not only on the gateway. An app has the
 * intent over REST when it is enabled for it (GATEWAY_MESSAGE_CONTENT or _LIMITED in its flags, the Developer
 * Portal's switch). Its own messages, messages that mention it, and DMs keep their content (shapes/message-content.ts).
 * People always read content.
 */
import { ApplicationFlags } from '../protocol/intents.ts';
import type { ChannelRecord, Store, UserRecord } from '../store/types.ts';
import { contentForBot } from '../shapes/message-content.ts';

const CONTENT_FLAGS = ApplicationFlags.GATEWAY_MESSAGE_CONTENT | ApplicationFlags.GATEWAY_MESSAGE_CONTENT_LIMITED;

/** The messages of `channel` as `viewer` may read them over REST. */
export async function readableContent<T extends object>(store: Store, viewer: UserRecord, channel: Pick<ChannelRecord, 'guildId'>, messages: T[]): Promise<T[]> {
  if (!viewer.bot || !channel.guildId || messages.length === 0) return messages;
  const app = await store.applications.getByBotUser(viewer.id);
  if (app && (app.flags & CONTENT_FLAGS) !== 0) return messages;
  return messages.map((m) => contentForBot(m as Record<string, unknown>, viewer.id) as T);
}
