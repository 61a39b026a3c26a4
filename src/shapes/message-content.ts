/**
 * Message content for apps without the MESSAGE_CONTENT intent, as Discord documents it: "empty values in fields
 * that expose message content across Discord's APIs" (content, embeds, attachments, components, poll, and the
 * content of forwarded snapshots), except in the app's own messages, messages that mention it, and DMs. The gateway
 * (sessions/router.ts) and the REST reads (api/message-content.ts) judge each message object with these.
 */

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const EMPTY_CONTENT = { content: '', embeds: [], attachments: [], components: [] };

/** One message object with its content fields, poll and forwarded snapshots' content emptied. */
export function emptied(m: Record<string, unknown>): Record<string, unknown> {
  const { poll: _poll, ...rest } = m;
  const snapshots = Array.isArray(rest.message_snapshots)
    ? { message_snapshots: rest.message_snapshots.map((sn: { message?: Record<string, unknown> }) => ({ ...sn, message: { ...sn.message, ...EMPTY_CONTENT } })) }
    : {};
  return { ...rest, ...EMPTY_CONTENT, ...snapshots };
}

/** Own messages and messages mentioning the app's bot keep their content without MESSAGE_CONTENT. */
export function keepsContent(d: Record<string, unknown>, userId: string): boolean {
  if (isRecord(d.author) && d.author.id === userId) return true;
  return Array.isArray(d.mentions) && d.mentions.some((m) => isRecord(m) && m.id === userId);
}

/**
 * A message (or message event payload) with the content of its message (`outer`) and/or of the message it replies
 * to (`reply`: referenced_message's) emptied.
 */
export function withoutContent(d: Record<string, unknown>, outer: boolean, reply: boolean): Record<string, unknown> {
  let out: Record<string, unknown> = outer ? emptied(d) : d;
  // A reply to a forward: the forwarded text is the answered message's content too (emptied with its snapshots).
  if (reply && isRecord(d.referenced_message)) out = { ...out, referenced_message: emptied(d.referenced_message) };
  return out;
}

/** What the bot `userId` without MESSAGE_CONTENT reads of one guild message: each message object judged on its own. */
export function contentForBot(d: Record<string, unknown>, userId: string): Record<string, unknown> {
  const outer = keepsContent(d, userId);
  const reply = isRecord(d.referenced_message) ? keepsContent(d.referenced_message, userId) : outer;
  return outer && reply ? d : withoutContent(d, !outer, !reply);
}
