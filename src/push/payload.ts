/**
 * What a notification shows: JSON the service worker reads ({title, body, url, tag}). The tag is the channel id,
 * so a channel's notifications replace each other on screen as its Topic header collapses them in the push service.
 */
import type { Snowflake } from '../protocol/snowflake.ts';
import type { ChannelRecord, GuildRecord, MessageRecord } from '../store/types.ts';

export const PREVIEW_CHARS = 200;

export interface PushPayload {
  title: string;
  body: string;
  /** Path in the web client: /channels/{guild id or @me}/{channel id}/{message id}. */
  url: string;
  tag: Snowflake;
}

export function pushPayload(message: MessageRecord, channel: ChannelRecord, guild: GuildRecord | null, authorName: string): PushPayload {
  // DMs show the author; a group DM or guild channel adds where: "author (#channel, guild)" / "author (group)".
  const where = guild ? ` (#${channel.name ?? 'channel'}, ${guild.name})` : channel.name ? ` (${channel.name})` : '';
  return {
    title: `${authorName}${where}`,
    body: preview(message),
    url: `/channels/${guild?.id ?? '@me'}/${channel.id}/${message.id}`,
    tag: channel.id,
  };
}

/** The app's name on a notification that keeps the message private (there is no setting for the app's name). */
export const PRIVATE_TITLE = 'Accord';

/**
 * For a device that chose not to show message text (push_devices.preview false): only that a message came and
 * where to open it; no author, channel, guild or text, since a lock screen shows it to anyone.
 */
export function privatePushPayload(message: MessageRecord, channel: ChannelRecord, guild: GuildRecord | null): PushPayload {
  return {
    title: PRIVATE_TITLE,
    body: guild ? 'New message' : 'New direct message',
    url: `/channels/${guild?.id ?? '@me'}/${channel.id}/${message.id}`,
    tag: channel.id,
  };
}

function preview(message: MessageRecord): string {
  const text = message.content.replace(/\s+/g, ' ').trim();
  if (text) return [...text].length > PREVIEW_CHARS ? `${[...text].slice(0, PREVIEW_CHARS - 1).join('')}…` : text;
  if (message.attachments.length) return 'Sent an attachment';
  if (message.embeds.length) return 'Sent an embed';
  return 'New message';
}
